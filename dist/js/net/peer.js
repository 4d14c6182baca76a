// WebRTC plumbing: one RTCPeerConnection with one ordered data channel,
// negotiated without trickle ICE (the whole candidate list travels in the
// sealed SDP, so a connection needs exactly one offer and one answer).
// Call media added later shares the same transport (max-bundle), so
// renegotiation never needs new candidates (negotiation.js).

const CHANNEL_LABEL = 'trustero';
/** Longest we wait for ICE candidates before sending what we have. */
export const ICE_GATHER_TIMEOUT_MS = 2500;

function peerError(message) {
  return new Error(`peer: ${message}`);
}

function gathered(pc, timeoutMs = ICE_GATHER_TIMEOUT_MS) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    // Bounded: an unreachable STUN server must not hold the offer back.
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** Creates a connection and its offer. Resolves to {pc, channel, sdp}. */
export async function createOffer(iceServers) {
  const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
  const channel = pc.createDataChannel(CHANNEL_LABEL, { ordered: true });
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return { pc, channel: Promise.resolve(channel), sdp: pc.localDescription.sdp };
  } catch (error) {
    pc.close();
    throw error;
  }
}

/** Answers a remote offer. Resolves to {pc, channel: Promise, sdp}. */
export async function acceptOffer(offerSdp, iceServers) {
  const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
  const channel = new Promise((resolve) => {
    pc.addEventListener('datachannel', (event) => {
      if (event.channel.label === CHANNEL_LABEL) resolve(event.channel);
    });
  });
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return { pc, channel, sdp: pc.localDescription.sdp };
  } catch (error) {
    pc.close();
    throw error;
  }
}

/** Applies the remote answer to a connection we offered. */
export async function acceptAnswer(pc, answerSdp) {
  await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
}

/**
 * The SHA-256 DTLS certificate fingerprint an SDP declares, as 32 bytes.
 * WebRTC refuses a DTLS peer whose certificate does not match it, which is
 * why the handshake signs both: they name the two ends of this connection.
 */
export function dtlsFingerprint(sdp) {
  // Every fingerprint line, whatever its hash or its place (session or media
  // level). A description with media has one per media section, all naming
  // the same certificate; one naming two certificates could be accepted by
  // WebRTC with one while the handshake signs the other, so it is refused.
  const lines = (sdp ?? '').match(/^a=fingerprint:.*$/gim) ?? [];
  const values = new Set(lines.map((line) => line.trim().toLowerCase()));
  if (values.size > 1) throw peerError('SDP names more than one DTLS certificate');
  const match = /^a=fingerprint:sha-256 ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){31})\s*$/i.exec(lines[0] ?? '');
  if (!match) throw peerError('SDP has no SHA-256 DTLS fingerprint');
  return Uint8Array.from(match[1].split(':'), (pair) => parseInt(pair, 16));
}

/**
 * The SHA-256 of the DTLS certificate the peer actually presented, when the
 * browser exposes it (`RTCDtlsTransport.getRemoteCertificates`), else null.
 * `digest(bytes)` hashes in the crypto worker.
 */
export async function presentedCertificate(pc, digest) {
  const transport = pc.sctp?.transport;
  const certificates = typeof transport?.getRemoteCertificates === 'function' ? transport.getRemoteCertificates() : [];
  if (!certificates.length) return null;
  return digest(new Uint8Array(certificates[0]));
}

/** Resolves when `channel` is open (rejects if it closes first or times out). */
export function channelOpen(channel, timeoutMs) {
  if (channel.readyState === 'open') return Promise.resolve(channel);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(peerError('data channel did not open in time')), timeoutMs);
    channel.addEventListener(
      'open',
      () => {
        clearTimeout(timer);
        resolve(channel);
      },
      { once: true },
    );
    channel.addEventListener(
      'close',
      () => {
        clearTimeout(timer);
        reject(peerError('data channel closed before opening'));
      },
      { once: true },
    );
  });
}
