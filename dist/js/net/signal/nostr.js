// @ts-check
// Signalling over Nostr relays (NIP-01): ephemeral events tagged with the
// room's announce id, signed in the worker with a throw-away key of that
// room's own (a relay cannot link rooms by key), carrying sealed
// announce/offer/answer messages and trickled candidates. Whoever sees an
// announce from a peer it is not connected to sends that peer an offer.
//
// A room with everyone present does not announce: its subscription stays,
// so a newcomer's announce still reaches it and gets an offer. While
// someone is missing, the warm-up announces, then one steady tick in four
// (about every 16 minutes): the missing peer announces when it comes online.

import { createSocketPool } from './sockets.js';
import { backoffDelay } from '../backoff.js';

/** Ephemeral event kind (20000-29999: relays forward, never store). */
export const EVENT_KIND = 29333;
/** Events older than this are ignored (relays may replay recent ones). */
const MAX_AGE_S = 60;
const SEEN_LIMIT = 2000;

/**
 * @typedef {import('../room.js').Room} Room
 * @typedef {import('./sockets.js').Endpoint} Endpoint
 */

/** @param {{ cryptoClient: import('../../core/crypto-client.js').CryptoClient, onStatus?: () => void }} options */
export function createNostrStrategy({ cryptoClient, onStatus }) {
  /** @type {Map<string, Room>} subscription id -> room */
  const rooms = new Map();
  /** @type {Set<string>} */
  const seen = new Set();

  const subscriptionId = (/** @type {Room} */ room) => `trustero-${room.announceId.slice(0, 16)}`;
  const signerOf = (/** @type {Room} */ room) => `room ${room.announceId} ${room.peerId}`;

  /** @type {Map<string, { until: number, pauses: number }>} url -> {until, pauses}: a relay that said "rate-limited" gets nothing from us for a growing while. */
  const paused = new Map();
  const isPaused = (/** @type {Endpoint} */ endpoint) => (paused.get(endpoint.url)?.until ?? 0) > Date.now();

  /** @param {Room} room @param {string} content */
  async function publish(room, content, endpoints = pool.open()) {
    const createdAt = Math.floor(Date.now() / 1000);
    const tags = [['t', room.announceId]];
    const signed = await cryptoClient.nostrSign({ createdAt, kind: EVENT_KIND, tags, content, signer: signerOf(room) });
    const event = { ...signed, created_at: createdAt, kind: EVENT_KIND, tags, content };
    // Signalling is worth little once late: what a paused relay misses is not kept.
    for (const endpoint of endpoints) if (!isPaused(endpoint)) endpoint.send(['EVENT', event]);
  }

  /** The relay answered one of our events: "rate-limited" pauses it (1 s, doubling to 5 min), a success resets that. */
  /** @param {Endpoint} endpoint @param {boolean} ok @param {unknown} reason */
  function answered(endpoint, ok, reason) {
    const state = paused.get(endpoint.url) ?? { until: 0, pauses: 0 };
    if (ok) {
      state.pauses = 0;
    } else if (String(reason).startsWith('rate-limited')) {
      state.until = Date.now() + backoffDelay(state.pauses++, { baseMs: 1_000, maxMs: 5 * 60_000 });
    }
    paused.set(endpoint.url, state);
  }

  /** @param {Endpoint} endpoint @param {Room} room */
  function subscribe(endpoint, room) {
    const since = Math.floor(Date.now() / 1000) - 10;
    endpoint.send(['REQ', subscriptionId(room), { kinds: [EVENT_KIND], '#t': [room.announceId], since }]);
  }

  /** @param {Room} room @param {Endpoint[]} endpoints */
  async function announceRoom(room, endpoints) {
    await publish(room, await room.seal({ kind: 'announce', from: room.peerId }), endpoints).catch(() => {});
  }

  /** @param {Endpoint} endpoint @param {Room} room @param {any} event  parsed JSON from the relay: checked before use */
  async function onEvent(endpoint, room, event) {
    if (typeof event?.id !== 'string' || seen.has(event.id)) return;
    if (event.kind !== EVENT_KIND || typeof event.content !== 'string') return;
    if (Math.abs(Date.now() / 1000 - Number(event.created_at)) > MAX_AGE_S) return;
    seen.add(event.id);
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value);
    const message = await room.open(event.content);
    if (!message || message.from === room.peerId || typeof message.from !== 'string') return;
    const via = endpoint.url;
    const reply = (/** @type {string} */ payload) => publish(room, payload).catch(() => {});
    if (message.kind === 'announce') {
      if (!room.shouldOfferTo(message.from)) return;
      const { payload } = await room.makeOffer({ to: message.from });
      await publish(room, payload);
    } else if (message.kind === 'offer' && message.to === room.peerId) {
      const answer = await room.handleOffer({ from: message.from, payload: event.content, via, reply });
      if (answer) await publish(room, answer);
    } else if (message.kind === 'answer' && message.to === room.peerId) {
      await room.handleAnswer({ from: message.from, payload: event.content, via, reply });
    } else if (message.kind === 'candidates' && message.to === room.peerId) {
      await room.handleCandidates({ from: message.from, payload: event.content });
    }
  }

  /** @param {Endpoint} endpoint @param {unknown} text */
  function note(endpoint, text) {
    endpoint.lastError = `relay says: ${String(text).slice(0, 200)}`;
    endpoint.lastErrorAt = Date.now();
    onStatus?.();
  }

  const pool = createSocketPool({
    onOpen(endpoint) {
      for (const room of rooms.values()) {
        subscribe(endpoint, room);
        announceRoom(room, [endpoint]);
      }
    },
    onMessage(endpoint, message) {
      if (!Array.isArray(message)) return;
      const [type, ...rest] = message;
      if (type === 'EVENT') {
        const room = rooms.get(rest[0]);
        if (room) onEvent(endpoint, room, rest[1]).catch(() => {});
      } else if (type === 'OK') {
        answered(endpoint, rest[1] === true, rest[2]);
        if (rest[1] === false) note(endpoint, rest[2]);
      } else if (type === 'NOTICE' || type === 'CLOSED') {
        note(endpoint, type === 'NOTICE' ? rest[0] : rest[1]);
      }
    },
    onStatus,
  });

  return {
    name: 'nostr',
    setUrls: pool.setUrls,
    /** @param {Room} room */
    addRoom(room) {
      rooms.set(subscriptionId(room), room);
      for (const endpoint of pool.open()) subscribe(endpoint, room);
    },
    /** @param {Room} room */
    removeRoom(room) {
      rooms.delete(subscriptionId(room));
      for (const endpoint of pool.open()) endpoint.send(['CLOSE', subscriptionId(room)]);
      cryptoClient.nostrForget?.(signerOf(room))?.catch?.(() => {});
    },
    /**
     * `keepalive`: everyone the room seeks is here; the subscription is
     * enough. Past the warm-up, only one steady announce in four goes
     * (`retry`): a peer that comes online announces itself, and our
     * subscription hears it, so the others would only repeat ours.
     */
    /** @param {Room} room @param {{ keepalive?: boolean, retry?: boolean }} [options] */
    announce(room, { keepalive = false, retry = true } = {}) {
      if (!keepalive && retry) announceRoom(room, pool.open());
    },
    wake: pool.wake,
    status: pool.status,
    close: pool.close,
  };
}
