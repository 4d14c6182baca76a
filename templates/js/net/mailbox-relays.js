// @ts-check
// The mailbox's side of the Nostr relays (NIP-01 subscriptions, NIP-09
// deletions, NIP-40 expirations, NIP-59-style wraps): one subscription per
// relay for the wraps addressed to our mailbox key, whatever the number of
// contacts, and publishing with each relay's OK.
//
// Catch-up without polling: every (re)connection asks for the wraps created
// since the last catch-up that completed on that relay (its end of stored
// events, EOSE), moved back by the wraps' time jitter; the same subscription
// then brings new wraps live. A wake-up (network back, machine awake)
// reconnects whatever is down, which catches up again.

import { createSocketPool } from './signal/sockets.js';

/** NIP-59 gift-wrap kind. */
export const WRAP_KIND = 1059;
/** Wraps' created_at go back up to two days (worker/src/web/bindings/mailbox.rs), plus an hour of clock skew. */
export const CATCH_UP_MARGIN_S = 2 * 24 * 3600 + 3600;
/** How long a publish waits for the relays' OK before it counts what it has. */
const OK_WAIT_MS = 8_000;
/** Events kept for relays that are not connected yet. */
const MAX_WAITING = 500;
const SUBSCRIPTION = 'trustero-mailbox';

/**
 * @typedef {import('../core/crypto-client.js').NostrEvent} NostrEvent
 * @typedef {{ url: string, state: string, lastError: string | null, lastErrorAt: number | null, send: (value: unknown) => boolean }} Endpoint
 */

/**
 * mailboxKey: ours (x-only hex). cursors: {get(url) → seconds | undefined,
 * set(url, seconds)} (persisted by the caller). retentionS(): how far back a
 * first catch-up looks. onEvent(event, url, live) → Promise (resolves once
 * the event is handled; `live` is false while the relay is still sending
 * what it held). onCaughtUp(url): that relay sent everything it held, and
 * it was handled. onStatus().
 */
export function createMailboxRelays({ mailboxKey, cursors, retentionS, onEvent, onCaughtUp, onStatus }) {
  /** @type {Set<string>} relays we read our mail from (the others are only written to) */
  let inbox = new Set();
  /** @type {Map<string, {event: NostrEvent, endpoints: Set<string>, accepted: Set<string>, answered: Set<string>, done: () => void}>} */
  const publishing = new Map();
  /** @type {Map<string, NostrEvent[]>} url -> events to send once it connects */
  const waiting = new Map();
  /** @type {Map<string, Promise<unknown>>} url -> its chain of received events, handled in order */
  const chains = new Map();
  /** @type {Map<string, number>} url -> when its current subscription was asked for */
  const askedAt = new Map();
  /** relays whose current subscription is past its stored events */
  const live = new Set();

  function subscribe(/** @type {Endpoint} */ endpoint) {
    if (!inbox.has(endpoint.url)) return;
    const now = Math.floor(Date.now() / 1000);
    const cursor = cursors.get(endpoint.url);
    const since = cursor === undefined ? now - retentionS() : Math.max(0, cursor - CATCH_UP_MARGIN_S);
    askedAt.set(endpoint.url, now);
    live.delete(endpoint.url);
    endpoint.send(['REQ', SUBSCRIPTION, { kinds: [WRAP_KIND], '#p': [mailboxKey], since }]);
  }

  function handleEvent(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ event) {
    const previous = chains.get(endpoint.url) ?? Promise.resolve();
    const isLive = live.has(endpoint.url);
    const next = previous.then(() => onEvent(event, endpoint.url, isLive)).catch(() => {});
    chains.set(endpoint.url, next);
  }

  function endOfStored(/** @type {Endpoint} */ endpoint) {
    const asked = askedAt.get(endpoint.url);
    if (asked === undefined) return;
    live.add(endpoint.url);
    // Only once everything the relay held has been handled does the cursor move.
    (chains.get(endpoint.url) ?? Promise.resolve())
      .then(() => onCaughtUp?.(endpoint.url))
      .then(() => cursors.set(endpoint.url, asked))
      .catch(() => {});
  }

  function answered(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ id, /** @type {unknown} */ ok, /** @type {unknown} */ message) {
    const entry = typeof id === 'string' ? publishing.get(id) : undefined;
    if (!entry) {
      if (ok === false) note(endpoint, message);
      return;
    }
    entry.answered.add(endpoint.url);
    if (ok === true) entry.accepted.add(endpoint.url);
    else note(endpoint, message);
    if ([...entry.endpoints].every((url) => entry.answered.has(url))) entry.done();
  }

  function note(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ text) {
    endpoint.lastError = `relay says: ${String(text).slice(0, 200)}`;
    endpoint.lastErrorAt = Date.now();
    onStatus?.();
  }

  const pool = createSocketPool({
    onOpen(/** @type {Endpoint} */ endpoint) {
      subscribe(endpoint);
      for (const event of waiting.get(endpoint.url) ?? []) endpoint.send(['EVENT', event]);
      waiting.delete(endpoint.url);
    },
    onMessage(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ message) {
      if (!Array.isArray(message)) return;
      const [type, ...rest] = message;
      if (type === 'EVENT' && rest[0] === SUBSCRIPTION && inbox.has(endpoint.url)) handleEvent(endpoint, rest[1]);
      else if (type === 'EOSE' && rest[0] === SUBSCRIPTION) endOfStored(endpoint);
      else if (type === 'OK') answered(endpoint, rest[0], rest[1], rest[2]);
      else if (type === 'NOTICE') note(endpoint, rest[0]);
      else if (type === 'CLOSED' && rest[0] === SUBSCRIPTION) note(endpoint, rest[1]);
    },
    onStatus,
  });

  return {
    /** Reads mail from `own` relays; also writes to `extra` ones (where contacts read theirs). */
    setUrls(/** @type {string[]} */ own, /** @type {string[]} */ extra = []) {
      inbox = new Set(own);
      pool.setUrls([...new Set([...own, ...extra])]);
    },

    /**
     * Publishes `event` to the relays in `urls` (all of ours when omitted).
     * Resolves to the relays that accepted it, once every connected one
     * answered or after a bounded wait; relays not connected yet get it when
     * they connect.
     */
    publish(/** @type {NostrEvent} */ event, /** @type {string[] | null} */ urls = null) {
      const wanted = urls ? new Set(urls) : null;
      const open = pool.open().filter((/** @type {Endpoint} */ e) => !wanted || wanted.has(e.url));
      for (const endpoint of pool.status()) {
        if (endpoint.state === 'open' || (wanted && !wanted.has(endpoint.url))) continue;
        const list = waiting.get(endpoint.url) ?? [];
        if (list.length < MAX_WAITING) list.push(event);
        waiting.set(endpoint.url, list);
      }
      if (!open.length) return Promise.resolve(/** @type {string[]} */ ([]));
      return new Promise((resolve) => {
        const entry = {
          event,
          endpoints: new Set(open.map((/** @type {Endpoint} */ e) => e.url)),
          accepted: new Set(),
          answered: new Set(),
          done: () => {
            clearTimeout(timer);
            publishing.delete(event.id);
            resolve([...entry.accepted]);
          },
        };
        const timer = setTimeout(entry.done, OK_WAIT_MS);
        publishing.set(event.id, entry);
        for (const endpoint of open) endpoint.send(['EVENT', event]);
      });
    },

    /** Whether any relay we read from is connected. */
    connected: () => pool.open().some((/** @type {Endpoint} */ e) => inbox.has(e.url)),
    wake: pool.wake,
    status: pool.status,
    close() {
      for (const entry of [...publishing.values()]) entry.done();
      pool.close();
    },
  };
}
