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

export const RTC_TYPE = 'rtc';
/** Largest description or candidate we accept from a peer. */
export const MAX_RTC_MESSAGE = 64 * 1024;

function negotiationError(message) {
  return Object.assign(new Error(`negotiation: ${message}`), { code: 'malformed' });
}

/** Parses and checks one 'rtc' frame; throws on anything unexpected. */
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
 */
export function createNegotiator(link, { onTrack, onTampered } = {}) {
  const { pc } = link;
  const polite = link.role === 'answerer';
  let makingOffer = false;
  let ignoreOffer = false;
  let queue = Promise.resolve();

  const send = (body) => link.send(RTC_TYPE, utf8(JSON.stringify(body))).catch(() => {});
  const local = () => ({ description: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });

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
  const onCandidate = ({ candidate }) => {
    if (candidate) send({ candidate: candidate.toJSON() });
  };
  const onTrackEvent = (event) => onTrack?.(event);
  pc.addEventListener('negotiationneeded', onNegotiationNeeded);
  pc.addEventListener('icecandidate', onCandidate);
  pc.addEventListener('track', onTrackEvent);

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
    receive(bytes) {
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
