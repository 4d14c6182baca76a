// @ts-check
// Signalling over WebTorrent trackers (the protocol of `bittorrent-tracker`'s
// WebSocket server, which public trackers and `builder serve` speak). An
// announce carries sealed offers; the tracker hands each to a random member
// of the swarm, whose sealed answer comes back addressed to us. Trickled
// candidates travel the way answers do (`answer` + `to_peer_id`, which the
// tracker forwards to that member whoever offered), in both directions. The
// reply to our own announce counts the swarm (`complete` + `incomplete`);
// the room sizes its next announce's offers by it (net/room.js).
//
// Each room has a peer id of its own (net/network.js): the tracker cannot
// tell from the ids that two rooms' members are one page. Once everyone a
// room seeks is connected, its announces only keep it in the swarm (so a
// newcomer's offers still reach it): at the interval the tracker asks for,
// between KEEPALIVE_MIN_MS and KEEPALIVE_MAX_MS, not at every room tick.

import { createSocketPool } from './sockets.js';

/**
 * @typedef {import('../room.js').Room} Room
 * @typedef {import('./sockets.js').Endpoint} Endpoint
 */

/** A room with everyone present announces at most this often... */
export const KEEPALIVE_MIN_MS = 2 * 60_000;
/** ...and at least this often (public trackers forget a silent peer after some minutes). */
export const KEEPALIVE_MAX_MS = 10 * 60_000;
/** The keepalive interval when the tracker has not said (bittorrent-tracker forgets peers after 20 min by default). */
const KEEPALIVE_DEFAULT_MS = 5 * 60_000;

/** @param {{ onStatus?: () => void }} options */
export function createTrackerStrategy({ onStatus }) {
  /** @type {Map<string, Room>} info_hash -> room */
  const rooms = new Map();
  /** @type {Set<string>} `${url} ${info_hash}` already announced with event=started */
  const started = new Set();
  /** @type {Map<string, string[]>} `${url} ${info_hash}` -> offer ids of the latest announce */
  const lastOffers = new Map();
  /** @type {Map<string, number>} `${url} ${info_hash}` -> other members the tracker last counted */
  const swarmOthers = new Map();
  /** @type {Map<string, number>} `${url} ${info_hash}` -> when we last announced there */
  const lastAnnounce = new Map();
  /** @type {Map<string, number>} url -> the announce interval the tracker asked for (ms) */
  const intervals = new Map();

  /** How long a room with everyone present waits between announces on `url`. */
  const keepaliveFor = (/** @type {string} */ url) => Math.min(KEEPALIVE_MAX_MS, Math.max(KEEPALIVE_MIN_MS, intervals.get(url) ?? KEEPALIVE_DEFAULT_MS));

  /** @param {Endpoint} endpoint @param {Room} room @param {{ keepalive?: boolean }} [options] */
  async function announceOn(endpoint, room, { keepalive = false } = {}) {
    /** @type {Array<{ offer_id: string, offer: { type: 'offer', sdp: string } }>} */
    const offers = [];
    const key = `${endpoint.url} ${room.infoHash}`;
    if (keepalive && started.has(key) && Date.now() - (lastAnnounce.get(key) ?? 0) < keepaliveFor(endpoint.url) - 1_000) return;
    lastAnnounce.set(key, Date.now());
    const count = room.offerCount(swarmOthers.get(key) ?? 0);
    for (let i = 0; i < count; i++) {
      try {
        const { offerId, payload } = await room.makeOffer();
        offers.push({ offer_id: offerId, offer: { type: 'offer', sdp: payload } });
      } catch {
        break; // the room was left, or WebRTC refused: announce what we have
      }
    }
    room.dropOffers(lastOffers.get(key) ?? []);
    lastOffers.set(
      key,
      offers.map((o) => o.offer_id),
    );
    endpoint.send({
      action: 'announce',
      info_hash: room.infoHash,
      peer_id: room.peerId,
      numwant: offers.length,
      uploaded: 0,
      downloaded: 0,
      left: 1,
      event: started.has(key) ? undefined : 'started',
      offers,
    });
    started.add(key);
  }

  /** @param {Endpoint} endpoint @param {any} message  parsed JSON from the tracker: each field is checked as it is read */
  async function onMessage(endpoint, message) {
    if (message['failure reason']) {
      endpoint.lastError = `tracker says: ${String(message['failure reason']).slice(0, 200)}`;
      endpoint.lastErrorAt = Date.now();
      onStatus?.();
      return;
    }
    if (message.action !== 'announce') return;
    const room = rooms.get(message.info_hash);
    if (!room) return;
    if (message.interval !== undefined) {
      // Our announce's reply. Alone in the swarm, its offers went to
      // nobody: do not keep their connections open.
      const key = `${endpoint.url} ${room.infoHash}`;
      const interval = Number(message.interval);
      if (Number.isFinite(interval) && interval > 0) intervals.set(endpoint.url, interval * 1000);
      const members = swarmCount(message);
      if (members !== null) swarmOthers.set(key, Math.max(0, members - 1));
      if (members !== null && members <= 1) {
        room.dropOffers(lastOffers.get(key) ?? []);
        return;
      }
    }
    if (typeof message.peer_id !== 'string' || message.peer_id === room.peerId) return;
    const from = message.peer_id;
    // Later sealed messages (trickled candidates) for this peer and offer.
    const reply = (/** @type {string} */ payload) =>
      endpoint.send({
        action: 'announce',
        info_hash: room.infoHash,
        peer_id: room.peerId,
        to_peer_id: from,
        offer_id: message.offer_id,
        answer: { type: 'answer', sdp: payload },
      });
    if (message.offer && typeof message.offer.sdp === 'string' && typeof message.offer_id === 'string') {
      const answer = await room.handleOffer({ from, payload: message.offer.sdp, via: endpoint.url, reply }).catch(() => null);
      if (answer) reply(answer);
    } else if (message.answer && typeof message.answer.sdp === 'string' && typeof message.offer_id === 'string') {
      await room.handleAnswer({ from, payload: message.answer.sdp, via: endpoint.url, reply }).catch(() => {});
    }
  }

  /** Members of the swarm a tracker's reply counts (null: it gave no usable count). */
  /** @param {any} message  the tracker's parsed reply */
  function swarmCount(message) {
    if (message.complete === undefined && message.incomplete === undefined) return null;
    const count = Number(message.complete ?? 0) + Number(message.incomplete ?? 0);
    return Number.isSafeInteger(count) && count >= 0 ? count : null;
  }

  /** Tells the tracker at `endpoint` that `room`'s peer id left its swarm. */
  /** @param {Endpoint} endpoint @param {Room} room */
  function stop(endpoint, room) {
    endpoint.send({ action: 'announce', info_hash: room.infoHash, peer_id: room.peerId, numwant: 0, uploaded: 0, downloaded: 0, left: 1, event: 'stopped' });
    started.delete(`${endpoint.url} ${room.infoHash}`);
  }

  const pool = createSocketPool({
    onOpen(endpoint) {
      for (const key of [...started]) if (key.startsWith(`${endpoint.url} `)) started.delete(key);
      for (const room of rooms.values()) announceOn(endpoint, room);
    },
    onMessage,
    onStatus,
  });

  return {
    name: 'tracker',
    setUrls: pool.setUrls,
    /** @param {Room} room */
    addRoom(room) {
      rooms.set(room.infoHash, room);
    },
    /** @param {Room} room */
    removeRoom(room) {
      rooms.delete(room.infoHash);
      for (const map of [swarmOthers, lastAnnounce]) for (const key of [...map.keys()]) if (key.endsWith(` ${room.infoHash}`)) map.delete(key);
      for (const endpoint of pool.open()) stop(endpoint, room);
    },
    /**
     * The page is going away: tell each tracker we left every room (public
     * trackers drop a closed socket's members by its first peer id only; the
     * others would linger, taking offers, until they time out). Rooms stay:
     * a page restored from the back-forward cache announces again.
     */
    leavingPage() {
      for (const endpoint of pool.open()) for (const room of rooms.values()) stop(endpoint, room);
    },
    /** `keepalive`: everyone the room seeks is here; only stay in the swarm. */
    /** @param {Room} room @param {{ keepalive?: boolean }} [options] */
    announce(room, { keepalive = false } = {}) {
      for (const endpoint of pool.open()) announceOn(endpoint, room, { keepalive });
    },
    wake: pool.wake,
    status: pool.status,
    close: pool.close,
  };
}
