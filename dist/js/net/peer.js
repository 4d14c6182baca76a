// @ts-check
// WebRTC plumbing: one RTCPeerConnection with one ordered data channel.
// Offers and answers go out as soon as the first burst of candidates is in
// (the host ones, gathered locally in milliseconds); candidates found later
// (server-reflexive ones from STUN, relayed ones from TURN) trickle through
// `onCandidate` over the same signalling. Nothing waits on a STUN server: an
// unreachable one (a LAN with no internet, a blocked port) used to hold every
// offer and answer for the whole gathering timeout.
// Call media added later shares the same transport (max-bundle), so
// renegotiation never needs new candidates (negotiation.js).

/** @typedef {import('./room-trickle.js').Candidate} Candidate */

const CHANNEL_LABEL = 'trustero';
/** The second channel, for payloads sealed end to end (net/protocol.js,
 *  `bulk`). Negotiated: both ends create it with the same stream id, so it
 *  needs no signalling and exists as soon as the connection does. The id is
 *  far above the ids WebRTC assigns to the first channel (0 or 1). */
const BULK_LABEL = 'trustero-bulk';
const BULK_CHANNEL = Object.freeze({ negotiated: true, id: 100, ordered: true });
/** Longest an offer or answer waits for its first candidates; what comes
 *  later trickles. Only reached when the machine has no usable interface. */
export const FIRST_CANDIDATES_MS = 1000;
/** Candidates this close together are one burst (a host candidate per
 *  interface and protocol come within a few milliseconds of each other). */
export const CANDIDATE_BURST_MS = 30;
/** Candidates one connection sends or takes by trickle, at most. */
export const MAX_TRICKLED_CANDIDATES = 32;

/** @param {string} message */
function peerError(message) {
  return new Error(`peer: ${message}`);
}

/**
 * Watches `pc`'s local candidates. Resolves once the first burst is in (or
 * gathering completed, or the bound passed); from then on each new candidate
 * goes to `onCandidate` as {candidate, sdpMid, sdpMLineIndex}. The caller reads
 * the local description right after it resolves: candidates surfaced so far
 * are in it (the browser adds each to the description in the same task that
 * fires its event), every later one is trickled, none is lost or sent twice.
 * Must be called before setLocalDescription, which starts gathering.
 * @param {RTCPeerConnection} pc @param {((candidate: Candidate) => void) | undefined} onCandidate
 */
function firstCandidates(pc, onCandidate) {
  let released = false;
  /** @type {number | undefined} */
  let quiet;
  /** @type {() => void} */
  let release = () => {};
  /** @type {Promise<void>} */
  const first = new Promise((resolve) => {
    release = () => {
      if (released) return;
      released = true;
      clearTimeout(bound);
      clearTimeout(quiet);
      resolve();
    };
  });
  const bound = setTimeout(release, FIRST_CANDIDATES_MS);
  let trickled = 0;
  pc.addEventListener('icecandidate', (event) => {
    const candidate = event.candidate;
    if (!candidate || !candidate.candidate) {
      release(); // gathering complete (a null candidate) or an end-of-generation marker
      return;
    }
    if (!released) {
      clearTimeout(quiet);
      quiet = setTimeout(release, CANDIDATE_BURST_MS);
    } else if (trickled < MAX_TRICKLED_CANDIDATES && pc.connectionState !== 'closed') {
      trickled += 1;
      onCandidate?.({ candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null });
    }
  });
  return {
    first,
    /** Gathering already complete (nothing to wait for). */
    check: () => pc.iceGatheringState === 'complete' && release(),
  };
}

/** Creates a connection and its offer. Resolves to {pc, channel, bulk, sdp};
 *  later local candidates go to `onCandidate`.
 * @param {RTCIceServer[]} iceServers @param {(candidate: Candidate) => void} [onCandidate] */
export async function createOffer(iceServers, onCandidate) {
  const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
  const channel = pc.createDataChannel(CHANNEL_LABEL, { ordered: true });
  const bulk = pc.createDataChannel(BULK_LABEL, BULK_CHANNEL);
  const gathering = firstCandidates(pc, onCandidate);
  try {
    await pc.setLocalDescription(await pc.createOffer());
    gathering.check();
    await gathering.first;
    return { pc, channel: Promise.resolve(channel), bulk, sdp: /** @type {RTCSessionDescription} */ (pc.localDescription).sdp };
  } catch (error) {
    pc.close();
    throw error;
  }
}

/** Answers a remote offer. Resolves to {pc, channel: Promise, bulk, sdp};
 *  later local candidates go to `onCandidate`.
 * @param {string} offerSdp @param {RTCIceServer[]} iceServers @param {(candidate: Candidate) => void} [onCandidate] */
export async function acceptOffer(offerSdp, iceServers, onCandidate) {
  const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
  const bulk = pc.createDataChannel(BULK_LABEL, BULK_CHANNEL);
  /** @type {Promise<RTCDataChannel>} */
  const channel = new Promise((resolve) => {
    pc.addEventListener('datachannel', (event) => {
      if (event.channel.label === CHANNEL_LABEL) resolve(event.channel);
    });
  });
  const gathering = firstCandidates(pc, onCandidate);
  try {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    gathering.check();
    await gathering.first;
    return { pc, channel, bulk, sdp: /** @type {RTCSessionDescription} */ (pc.localDescription).sdp };
  } catch (error) {
    pc.close();
    throw error;
  }
}

/**
 * Whether `value` is a trickled candidate as `firstCandidates` sends it; a
 * peer's signalling is checked before WebRTC sees it.
 * @param {any} value  parsed JSON from a peer's signal: checked here, field by field
 * @returns {value is Candidate}
 */
export function isCandidate(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.candidate === 'string' &&
    value.candidate.length > 0 &&
    value.candidate.length <= 512 &&
    /^candidate:/.test(value.candidate) &&
    (value.sdpMid === null || (typeof value.sdpMid === 'string' && value.sdpMid.length <= 32)) &&
    (value.sdpMLineIndex === null || (Number.isInteger(value.sdpMLineIndex) && value.sdpMLineIndex >= 0 && value.sdpMLineIndex < 64)) &&
    (value.sdpMid !== null || value.sdpMLineIndex !== null)
  );
}

/**
 * Remote candidates for `pc` (checked with isCandidate by the caller):
 * applied once its remote description is set (candidates can overtake the
 * answer they belong to), at most MAX_TRICKLED_CANDIDATES; any WebRTC still
 * refuses is ignored.
 * @param {RTCPeerConnection} pc
 * @returns {import('./room-trickle.js').Inbound}
 */
export function remoteCandidates(pc) {
  /** @type {Candidate[]} */
  const waiting = [];
  let taken = 0;
  const apply = (/** @type {Candidate} */ candidate) => pc.addIceCandidate(candidate).catch(() => {});
  return {
    /** @param {Candidate[]} candidates */
    add(candidates) {
      for (const candidate of candidates) {
        if (taken >= MAX_TRICKLED_CANDIDATES || pc.connectionState === 'closed') continue;
        taken += 1;
        if (pc.remoteDescription) apply(candidate);
        else waiting.push(candidate);
      }
    },
    /** Call once the remote description is set. */
    flush() {
      for (const candidate of waiting.splice(0)) apply(candidate);
    },
  };
}

/** Applies the remote answer to a connection we offered. @param {RTCPeerConnection} pc @param {string} answerSdp */
export async function acceptAnswer(pc, answerSdp) {
  await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
}

/**
 * The SHA-256 DTLS certificate fingerprint an SDP declares, as 32 bytes.
 * WebRTC refuses a DTLS peer whose certificate does not match it, which is
 * why the handshake signs both: they name the two ends of this connection.
 * @param {string | null | undefined} sdp
 */
export function dtlsFingerprint(sdp) {
  // Every fingerprint line, whatever its hash or its place (session or media
  // level). A description with media has one per media section, all naming
  // the same certificate; one naming two certificates could be accepted by
  // WebRTC with one while the handshake signs the other, so it is refused.
  const lines = /** @type {string[]} */ ((sdp ?? '').match(/^a=fingerprint:.*$/gim) ?? []);
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
 * @param {RTCPeerConnection} pc @param {(bytes: Uint8Array) => Promise<Uint8Array>} digest
 * @returns {Promise<Uint8Array | null>}
 */
export async function presentedCertificate(pc, digest) {
  const transport = pc.sctp?.transport;
  const certificates = typeof transport?.getRemoteCertificates === 'function' ? transport.getRemoteCertificates() : [];
  if (!certificates.length) return null;
  return digest(new Uint8Array(certificates[0]));
}

/** Resolves when `channel` is open (rejects if it closes first or times out). @param {RTCDataChannel} channel @param {number} timeoutMs @returns {Promise<RTCDataChannel>} */
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
