// @ts-check
// The network of one logged-in page: the signalling strategies (WebTorrent
// trackers and Nostr relays, used at the same time), the rooms it has joined
// and the wake-up signals that make them retry. Every session a room
// authenticates is reported to the session registry (sessions.js), and every
// frame on it goes to the protocol's dispatcher (protocol.js): nothing above
// this layer deals with rooms' connections.
//
// What signalling servers can link (DESIGN.md §12): each room has an
// instance id of its own (random load part, this browser's device part), so
// its tracker peer id — made of the random part alone — differs from every
// other room's, and on Nostr each room signs with a throw-away key of its
// own. A room that must not be linked with the others (our devices' room,
// whose announce id nobody can derive from our public identity) uses
// sockets of its own too. The others share one socket per tracker and relay:
// that server still sees them come from one connection (and one IP
// address), which docs/threat-model.md says.

import { createRoom } from './room.js';
import { createTrackerStrategy } from './signal/tracker.js';
import { createNostrStrategy } from './signal/nostr.js';
import { watchWake } from './backoff.js';
import { frameLimit } from './protocol.js';
import { toHex } from '../core/encoding.js';
import { LOAD_BYTES, newInstance } from './instance.js';
import { createEvents } from '../core/events.js';

/**
 * What the network says happened: 'status-changed' — something its status
 * shows (servers connected, rooms joined, peers) changed; read status().
 * @typedef {{ 'status-changed': {} }} NetworkEventMap
 * @typedef {import('../core/crypto-client.js').CryptoClient} CryptoClient
 * @typedef {import('./room.js').Room} Room
 * @typedef {import('./room.js').RoomHandlers} RoomHandlers
 * @typedef {ReturnType<typeof import('./sessions.js').createSessions>} Registry
 * @typedef {Pick<import('../core/settings.js').Settings, 'trackers' | 'relays' | 'iceServers' | 'useTrackers' | 'useNostr'>} NetworkSettings
 * @typedef {{ tracker: ReturnType<typeof createTrackerStrategy>, nostr: ReturnType<typeof createNostrStrategy> }} SignalSet  one tracker and one Nostr strategy
 */

/** A room's own instance id and the peer id trackers see (its random part only). */
function roomSelf(/** @type {string} */ device) {
  const instance = newInstance(device);
  return { instance, peerId: toHex(instance).slice(0, 2 * LOAD_BYTES) };
}

/** Peer ids whose identity we remember (a few per session we have had). */
export const MAX_KNOWN_PEERS = 4096;

/**
 * device: this browser's device id (16 hex digits); sessions: the registry
 * (sessions.js); dispatch(fingerprint, link, type, data): the protocol's
 * dispatcher; timing: the sessions' heartbeat (core/timing.js). Its `events`
 * (NetworkEventMap) say when its status changed.
 * @param {{ cryptoClient: CryptoClient, device: string, sessions: Registry, dispatch: NonNullable<RoomHandlers['onMessage']>,
 *   timing?: import('../core/timing.js').Timing }} options
 */
export function createNetwork({ cryptoClient, device, sessions, dispatch, timing }) {
  /** @type {import('../core/events.js').Events<NetworkEventMap>} */
  const events = createEvents();
  /** @type {Set<Room>} */
  const rooms = new Set();
  // Peer id -> the identity it authenticated as, in any room. A peer id is
  // one page load's, so an entry never goes stale; only sessions teach it
  // (a refused hello's claim is not proof, and would let whoever knows a
  // room's key make us ignore someone's page elsewhere).
  /** @type {Map<string, string>} */
  const identities = new Map();
  const learnIdentity = (/** @type {string} */ peerId, /** @type {string} */ fingerprint) => {
    identities.delete(peerId);
    identities.set(peerId, fingerprint);
    if (identities.size > MAX_KNOWN_PEERS) identities.delete(identities.keys().next().value);
  };
  /** @type {NetworkSettings} */
  let settings = { trackers: [], relays: [], iceServers: [], useTrackers: true, useNostr: true };
  let changeQueued = false;

  function changed() {
    if (changeQueued) return;
    changeQueued = true;
    queueMicrotask(() => {
      changeQueued = false;
      followShared();
      events.emit('status-changed', {});
    });
  }

  /**
   * The separate rooms' sockets go only to servers the shared ones reach:
   * a dead default server is not tried twice over (each failed WebSocket
   * makes the browser slow down every other one of the page).
   */
  let followed = '';
  function followShared() {
    if (!apart) return;
    const reached = (/** @type {Array<{url: string, state: string}>} */ status) => status.filter((e) => e.state === 'open').map((e) => e.url);
    const trackers = settings.useTrackers ? reached(shared.tracker.status()) : [];
    const relays = settings.useNostr ? reached(shared.nostr.status()) : [];
    // Only a change is applied (setting the URLs reports a status change, which calls this again).
    const key = JSON.stringify([trackers, relays]);
    if (key === followed) return;
    followed = key;
    apart.tracker.setUrls(trackers);
    apart.nostr.setUrls(relays);
  }

  /** One tracker and one Nostr strategy, each with its own sockets. */
  /** @returns {SignalSet} */
  const signalling = () => ({ tracker: createTrackerStrategy({ onStatus: changed }), nostr: createNostrStrategy({ cryptoClient, onStatus: changed }) });
  const shared = signalling();
  /** @type {SignalSet | null} */
  let apart = null; // the sockets of rooms that join `separate` (created when one does)
  const all = () => /** @type {SignalSet[]} */ ([shared, apart].filter(Boolean));
  const strategiesOf = (/** @type {SignalSet} */ set) =>
    /** @type {Array<SignalSet['tracker'] | SignalSet['nostr']>} */ ([settings.useTrackers && set.tracker, settings.useNostr && set.nostr].filter(Boolean));
  /** @type {Map<Room, SignalSet>} room -> its signalling set */
  const setOf = new Map();

  /** @param {SignalSet} set */
  function apply(set) {
    if (set === apart) return followShared();
    set.tracker.setUrls(settings.useTrackers ? settings.trackers : []);
    set.nostr.setUrls(settings.useNostr ? settings.relays : []);
  }

  const stopWake = watchWake(() => {
    for (const set of all()) {
      set.tracker.wake();
      set.nostr.wake();
    }
    for (const room of rooms) room.restartWarmup();
  });
  const onPageHide = () => {
    for (const room of rooms) for (const peer of room.peers()) peer.link.close('page-hide');
    for (const set of all()) set.tracker.leavingPage();
  };
  addEventListener('pagehide', onPageHide);

  return {
    /** Applies trackers, relays and ICE servers (see core/settings.js). */
    /** @param {NetworkSettings} next */
    configure(next) {
      settings = next;
      for (const set of all()) apply(set);
      changed();
    },

    /**
     * Joins a room made by the worker ({roomId, announceId}). `allowed()`
     * gives the fingerprints that may join; `onFailedAttempt` hears of
     * refused ones. A room with a frame table of its own (a benchmark's)
     * passes `limitFor` and `onMessage`; one whose sessions are not
     * contacts' (our own devices') passes its own `registry`. A group's
     * room passes `meshTarget()` (net/room.js: a partial mesh). A room
     * that must not be linked with the others passes `separate` (its
     * signalling goes over sockets of its own).
     * @param {{ room: import('../core/crypto-client.js').RoomHandle, allowed: () => string[], onFailedAttempt?: RoomHandlers['onFailedAttempt'],
     *   limitFor?: (type: string) => number | undefined, onMessage?: RoomHandlers['onMessage'], registry?: Registry, meshTarget?: () => number | null,
     *   separate?: boolean }} options
     */
    join({ room, allowed, onFailedAttempt, limitFor = frameLimit, onMessage = dispatch, registry = sessions, meshTarget = undefined, separate = false }) {
      let set = shared;
      if (separate) {
        if (!apart) {
          apart = signalling();
          apply(apart);
        }
        set = apart;
      }
      const joined = createRoom({
        cryptoClient,
        roomId: room.roomId,
        announceId: room.announceId,
        self: roomSelf(device),
        allowed,
        iceServers: () => settings.iceServers,
        limitFor,
        timing,
        meshTarget,
        identityOf: (id) => identities.get(id) ?? null,
        handlers: {
          announce: (r, options) => {
            for (const strategy of strategiesOf(set)) strategy.announce(r, options);
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
      set.tracker.addRoom(joined);
      set.nostr.addRoom(joined);
      setOf.set(joined, set);
      rooms.add(joined);
      changed();
      return joined;
    },

    /** @param {Room} room */
    leave(room) {
      const set = setOf.get(room) ?? shared;
      set.tracker.removeRoom(room);
      set.nostr.removeRoom(room);
      setOf.delete(room);
      room.leave();
      rooms.delete(room);
      changed();
    },

    events,

    status() {
      let peers = 0;
      for (const room of rooms) peers += room.peers().length;
      // What the shared sockets show; a separate room's sockets go to the same servers.
      return {
        trackers: settings.useTrackers ? shared.tracker.status() : [],
        relays: settings.useNostr ? shared.nostr.status() : [],
        rooms: rooms.size,
        peers,
      };
    },

    close() {
      for (const room of [...rooms]) this.leave(room);
      for (const set of all()) {
        set.tracker.close();
        set.nostr.close();
      }
      stopWake();
      removeEventListener('pagehide', onPageHide);
      events.clear();
    },
  };
}
