// @ts-check
// Renegotiating an authenticated connection to add or remove call media.
//
// Descriptions travel in 'rtc' frames over the encrypted session, never
// through trackers or relays, following the "perfect negotiation" pattern of
// the WebRTC specification: whoever answered the first connection is polite
// and rolls back its own offer when both sides offer at once. Every
// description must carry the DTLS fingerprint the handshake authenticated
// (DESIGN.md §4); one that does not means someone is tampering with the
// session, and the connection is dropped.

import { fromUtf8, toHex, utf8 } from '../core/encoding.js';
import { dtlsFingerprint } from '../net/peer.js';

/**
 * A session's link (net/link.js) as negotiation uses it: its peer connection,
 * which side answered it, the DTLS fingerprint its handshake authenticated.
 * @typedef {{ pc: RTCPeerConnection, role: string, remoteDtls: string | null, send: (type: string, data: Uint8Array) => Promise<unknown>, close: (reason: string) => void }} NegotiatedLink
 */

export const RTC_TYPE = 'rtc';
/** Largest description or candidate we accept from a peer. */
export const MAX_RTC_MESSAGE = 64 * 1024;

/** @param {string} message */
function negotiationError(message) {
  return Object.assign(new Error(`negotiation: ${message}`), { code: 'malformed' });
}

/**
 * Parses and checks one 'rtc' frame; throws on anything unexpected.
 * @param {Uint8Array} bytes
 * @returns {{ description: RTCSessionDescriptionInit, candidate?: undefined } | { candidate: RTCIceCandidateInit, description?: undefined }}
 */
export function parseRtcMessage(bytes) {
  if (bytes.length > MAX_RTC_MESSAGE) throw negotiationError('message too large');
  let body;
  try {
    body = JSON.parse(fromUtf8(bytes));
  } catch {
    throw negotiationError('not JSON');
  }
  if (body?.description) {
    const { type, sdp } = body.description;
    if ((type !== 'offer' && type !== 'answer') || typeof sdp !== 'string') throw negotiationError('bad description');
    return { description: { type, sdp } };
  }
  if (body?.candidate && typeof body.candidate === 'object') {
    const { candidate, sdpMid, sdpMLineIndex } = body.candidate;
    if (typeof candidate !== 'string') throw negotiationError('bad candidate');
    return { candidate: { candidate, sdpMid: sdpMid ?? null, sdpMLineIndex: sdpMLineIndex ?? null } };
  }
  throw negotiationError('neither a description nor a candidate');
}

/**
 * Negotiation for one link's connection. `onTrack(event)` sees remote tracks;
 * `onTampered()` is told when a description names another DTLS certificate.
 * @param {NegotiatedLink} link
 * @param {{ onTrack?: (event: RTCTrackEvent) => void, onTampered?: () => void }} [handlers]
 */
export function createNegotiator(link, { onTrack, onTampered } = {}) {
  const { pc } = link;
  const polite = link.role === 'answerer';
  let makingOffer = false;
  let ignoreOffer = false;
  let queue = Promise.resolve();

  const send = (/** @type {object} */ body) => link.send(RTC_TYPE, utf8(JSON.stringify(body))).catch(() => {});
  /** Our description, once setLocalDescription has set it. */
  const local = () => {
    const { type, sdp } = /** @type {RTCSessionDescription} */ (pc.localDescription);
    return { description: { type, sdp } };
  };

  async function onNegotiationNeeded() {
    try {
      makingOffer = true;
      await pc.setLocalDescription();
      send(local());
    } catch {
      // the connection closed meanwhile; the call notices through the link
    } finally {
      makingOffer = false;
    }
  }
  const onCandidate = (/** @type {RTCPeerConnectionIceEvent} */ { candidate }) => {
    if (candidate) send({ candidate: candidate.toJSON() });
  };
  const onTrackEvent = (/** @type {RTCTrackEvent} */ event) => onTrack?.(event);
  pc.addEventListener('negotiationneeded', onNegotiationNeeded);
  pc.addEventListener('icecandidate', onCandidate);
  pc.addEventListener('track', onTrackEvent);

  /** @param {ReturnType<typeof parseRtcMessage>} message */
  async function apply(message) {
    if (message.description) {
      const { description } = message;
      let dtls = null;
      try {
        dtls = toHex(dtlsFingerprint(description.sdp));
      } catch {
        // no fingerprint at all: as bad as a different one
      }
      if (dtls !== link.remoteDtls) {
        onTampered?.();
        link.close('channel-binding');
        return;
      }
      const collision = description.type === 'offer' && (makingOffer || pc.signalingState !== 'stable');
      ignoreOffer = !polite && collision;
      if (ignoreOffer) return;
      await pc.setRemoteDescription(description); // a polite side rolls back implicitly
      if (description.type === 'offer') {
        await pc.setLocalDescription();
        send(local());
      }
    } else {
      try {
        await pc.addIceCandidate(message.candidate);
      } catch (error) {
        if (!ignoreOffer) throw error;
      }
    }
  }

  return {
    /** An 'rtc' frame from the peer; handled in arrival order. */
    receive(/** @type {Uint8Array} */ bytes) {
      const message = parseRtcMessage(bytes);
      queue = queue.then(() => apply(message)).catch(() => {});
      return queue;
    },
    dispose() {
      pc.removeEventListener('negotiationneeded', onNegotiationNeeded);
      pc.removeEventListener('icecandidate', onCandidate);
      pc.removeEventListener('track', onTrackEvent);
    },
  };
}
