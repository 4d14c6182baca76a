// The network of one logged-in page: its instance id, the signalling
// strategies (WebTorrent trackers and Nostr relays, used at the same time),
// the rooms it has joined and the wake-up signals that make them retry.
// Every session a room authenticates is reported to the session registry
// (sessions.js), and every frame on it goes to the protocol's dispatcher
// (protocol.js): nothing above this layer deals with rooms' connections.

import { createRoom } from './room.js';
import { createTrackerStrategy } from './signal/tracker.js';
import { createNostrStrategy } from './signal/nostr.js';
import { watchWake } from './backoff.js';
import { frameLimit } from './protocol.js';
import { toHex } from '../core/encoding.js';
import { LOAD_BYTES, newInstance } from './instance.js';

/** Peer ids whose identity we remember (a few per session we have had). */
export const MAX_KNOWN_PEERS = 4096;

/**
 * device: this browser's device id (16 hex digits); sessions: the registry
 * (sessions.js); dispatch(fingerprint, link, type, data): the protocol's
 * dispatcher; onChange(): status changed.
 */
export function createNetwork({ cryptoClient, device, sessions, dispatch, onChange }) {
  const instance = newInstance(device);
  const peerId = toHex(instance).slice(0, 2 * LOAD_BYTES);
  const rooms = new Set();
  // Peer id -> the identity it authenticated as, in any room. A peer id is
  // one page load's, so an entry never goes stale; only sessions teach it
  // (a refused hello's claim is not proof, and would let whoever knows a
  // room's key make us ignore someone's page elsewhere).
  const identities = new Map();
  const learnIdentity = (peerId, fingerprint) => {
    identities.delete(peerId);
    identities.set(peerId, fingerprint);
    if (identities.size > MAX_KNOWN_PEERS) identities.delete(identities.keys().next().value);
  };
  let settings = { trackers: [], relays: [], iceServers: [], useTrackers: true, useNostr: true };
  let changeQueued = false;

  function changed() {
    if (changeQueued) return;
    changeQueued = true;
    queueMicrotask(() => {
      changeQueued = false;
      onChange?.();
    });
  }

  const tracker = createTrackerStrategy({ peerId, onStatus: changed });
  const nostr = createNostrStrategy({ peerId, cryptoClient, onStatus: changed });
  const strategies = () => [settings.useTrackers && tracker, settings.useNostr && nostr].filter(Boolean);

  const stopWake = watchWake(() => {
    tracker.wake();
    nostr.wake();
    for (const room of rooms) room.restartWarmup();
  });
  const onPageHide = () => {
    for (const room of rooms) for (const peer of room.peers()) peer.link.close('page-hide');
  };
  addEventListener('pagehide', onPageHide);

  return {
    peerId,
    instance,

    /** Applies trackers, relays and ICE servers (see core/settings.js). */
    configure(next) {
      settings = next;
      tracker.setUrls(settings.useTrackers ? settings.trackers : []);
      nostr.setUrls(settings.useNostr ? settings.relays : []);
      changed();
    },

    /**
     * Joins a room made by the worker ({roomId, announceId}). `allowed()`
     * gives the fingerprints that may join; `onFailedAttempt` hears of
     * refused ones. A room with a frame table of its own (a benchmark's)
     * passes `limitFor` and `onMessage`; one whose sessions are not
     * contacts' (our own devices') passes its own `registry`. A group's
     * room passes `meshTarget()` (net/room.js: a partial mesh).
     */
    join({ room, allowed, onFailedAttempt, limitFor = frameLimit, onMessage = dispatch, registry = sessions, meshTarget = undefined }) {
      const joined = createRoom({
        cryptoClient,
        roomId: room.roomId,
        announceId: room.announceId,
        self: { peerId, instance },
        allowed,
        iceServers: () => settings.iceServers,
        limitFor,
        meshTarget,
        identityOf: (id) => identities.get(id) ?? null,
        handlers: {
          announce: (r) => {
            for (const strategy of strategies()) strategy.announce(r);
          },
          onSession: ({ fingerprint, link, via, peerId: id }) => {
            learnIdentity(id, fingerprint);
            registry.add(fingerprint, link, { via });
          },
          onSessionEnd: ({ fingerprint, link }) => registry.remove(fingerprint, link),
          onMessage,
          onFailedAttempt,
          onChange: changed,
        },
      });
      tracker.addRoom(joined);
      nostr.addRoom(joined);
      rooms.add(joined);
      changed();
      return joined;
    },

    leave(room) {
      tracker.removeRoom(room);
      nostr.removeRoom(room);
      room.leave();
      rooms.delete(room);
      changed();
    },

    status() {
      let peers = 0;
      for (const room of rooms) peers += room.peers().length;
      return {
        peerId,
        trackers: settings.useTrackers ? tracker.status() : [],
        relays: settings.useNostr ? nostr.status() : [],
        rooms: rooms.size,
        peers,
      };
    },

    close() {
      for (const room of [...rooms]) this.leave(room);
      tracker.close();
      nostr.close();
      stopWake();
      removeEventListener('pagehide', onPageHide);
    },
  };
}
