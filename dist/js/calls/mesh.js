// @ts-check
// The media of a call, per participant: which of our tracks each
// connection sends (adding, replacing or removing senders, renegotiated over
// the session by negotiation.js), what each sends us, and the statistics of
// what arrives.

import { createNegotiator } from './negotiation.js';

/**
 * @typedef {import('./calls.js').Media} Media
 * @typedef {import('./calls.js').LiveCall['local']} Local
 * @typedef {import('./negotiation.js').NegotiatedLink & { state: string }} MeshLink  a session's link (net/link.js)
 */

/** The local media slots: microphone, camera, shared screen. */
/** @type {('audio' | 'camera' | 'screen')[]} */
export const SLOTS = ['audio', 'camera', 'screen'];
const SPEAKING_LEVEL = 0.02;

/**
 * A participant's media is { senders, streams } (calls.js keeps one per
 * participant): the senders of our tracks on their connection, the streams
 * they send us. participantOf(link) → the media of the current call's
 * participant on that link (or null); onChange() → something to redraw;
 * onTampered(link) → a renegotiation named another DTLS certificate;
 * announceScreen(link, streamId) tells the peer which of our streams is the
 * screen.
 * @param {{ participantOf: (link: MeshLink) => Media | null, onChange: () => void, onTampered: (link: MeshLink) => void,
 *   announceScreen: (link: MeshLink, streamId: string) => void }} deps
 */
export function createMesh({ participantOf, onChange, onTampered, announceScreen }) {
  const negotiators = new WeakMap(); // link -> negotiator (lives as long as the link)

  /** @param {MeshLink} link @param {RTCTrackEvent} event */
  function remoteTrack(link, event) {
    const media = participantOf(link);
    if (!media) return;
    const stream = event.streams[0] ?? new MediaStream([event.track]);
    media.streams.set(stream.id, stream);
    stream.addEventListener('removetrack', () => {
      if (!stream.getTracks().length) media.streams.delete(stream.id);
      onChange();
    });
    onChange();
  }

  /** @param {MeshLink} link */
  function negotiatorFor(link) {
    let negotiator = negotiators.get(link);
    if (!negotiator) {
      negotiator = createNegotiator(link, { onTrack: (event) => remoteTrack(link, event), onTampered: () => onTampered(link) });
      negotiators.set(link, negotiator);
    }
    return negotiator;
  }

  return {
    negotiatorFor,

    /**
     * Makes a participant's senders on `link` match our local tracks (`local` of the call, camera off or not).
     * @param {Local} local @param {boolean} cameraOff @param {MeshLink | null} link @param {Media} media
     */
    sync(local, cameraOff, link, media) {
      if (!link || link.state !== 'ready' || link.pc.signalingState === 'closed') return;
      negotiatorFor(link);
      for (const slot of SLOTS) {
        const track = slot === 'audio' ? local.audio : slot === 'camera' ? (cameraOff ? null : local.camera) : local.screen;
        const sender = media.senders[slot];
        // A screen track comes with its own stream (controls.js sets both).
        const stream = /** @type {MediaStream} */ (slot === 'screen' ? local.screenStream : local.stream);
        try {
          if (track && !sender) {
            media.senders[slot] = link.pc.addTrack(track, stream);
          } else if (sender && slot === 'screen' && !track) {
            link.pc.removeTrack(sender); // the other side's screen tile goes away
            delete media.senders[slot];
          } else if (sender && sender.track !== track) {
            sender.replaceTrack(track).catch(() => {}); // same kind: no renegotiation
          }
        } catch {
          // the connection is closing; its session's end is noticed and handled
        }
      }
      if (local.screen) announceScreen(link, /** @type {MediaStream} */ (local.screenStream).id);
    },

    /** Stops sending to a participant (over `link`, if any) and forgets what it sent us. @param {MeshLink | null} link @param {Media} media */
    remove(link, media) {
      const pc = link?.pc;
      for (const sender of Object.values(media.senders)) {
        try {
          if (pc && pc.signalingState !== 'closed') pc.removeTrack(sender);
        } catch {
          // closed
        }
      }
      media.senders = {};
      media.streams.clear();
    },

    /** What we receive from one participant: decoded frames, fps, audio energy. */
    /** @param {RTCPeerConnection} pc */
    async inboundStats(pc) {
      const stats = { framesDecoded: 0, framesPerSecond: 0, audioEnergy: 0, audioLevel: 0, width: 0, height: 0 };
      (await pc.getStats()).forEach((report) => {
        if (report.type !== 'inbound-rtp') return;
        if (report.kind === 'video') {
          stats.framesDecoded += report.framesDecoded ?? 0;
          stats.framesPerSecond = Math.max(stats.framesPerSecond, report.framesPerSecond ?? 0);
          stats.width = Math.max(stats.width, report.frameWidth ?? 0);
          stats.height = Math.max(stats.height, report.frameHeight ?? 0);
        } else if (report.kind === 'audio') {
          stats.audioEnergy += report.totalAudioEnergy ?? 0;
          stats.audioLevel = Math.max(stats.audioLevel, report.audioLevel ?? 0);
        }
      });
      stats.speaking = stats.audioLevel > SPEAKING_LEVEL;
      stats.sampledAt = Date.now();
      return stats;
    },

    /** The level of our own microphone as sent. */
    /** @param {RTCPeerConnection} pc */
    async localAudioLevel(pc) {
      let level = 0;
      (await pc.getStats()).forEach((report) => {
        if (report.type === 'media-source' && report.kind === 'audio') level = Math.max(level, report.audioLevel ?? 0);
      });
      return level;
    },
  };
}
