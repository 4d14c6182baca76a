// @ts-check
// The courier's decisions (net/courier.js), without sockets or timers: what
// it keeps for each relay it writes to, who waits for which answer, which
// queued events one connection takes next, what a relay's message says, and
// how long a relay is left alone after "rate-limited" or a failure. The
// courier opens the connections and applies what these decide.

import { backoffDelay } from './backoff.js';

/** Events one connection carries at most. */
export const MAX_BATCH = 16;
/** How long a connection stays open after its answers, for what a caller publishes next (a browser takes a second or more to open one). */
export const LINGER_MS = 3_000;
/** Events waiting for one relay, at most (past it, the newest give way: what is already queued keeps its order). */
export const MAX_QUEUED = 500;
/** Largest message accepted from a relay. */
const MAX_INCOMING = 64 * 1024;
/** Longest AUTH challenge we answer. */
const MAX_CHALLENGE = 512;
/** The growing pause after "rate-limited", and the growing wait before a relay that could not be reached is tried again. */
const RATE_LIMIT_BACKOFF = Object.freeze({ baseMs: 1_000, maxMs: 60_000 });
const FAILURE_BACKOFF = Object.freeze({ baseMs: 2_000, maxMs: 5 * 60_000 });

/**
 * @typedef {import('../core/crypto-client.js').NostrEvent} NostrEvent
 * @typedef {{ event: NostrEvent, alone: boolean, group: string, entry: Entry | null }} Item
 * @typedef {{ event: NostrEvent, waiting: Set<string>, accepted: Set<string>, done: () => void }} Entry
 * @typedef {{ queue: Item[], timer: any, active: { more: () => void } | null, lastTripAt: number, pausedUntil: number, pauses: number, failures: number,
 *   lastError: string | null, lastErrorAt: number | null, lastOkAt: number | null, maxMessage: number | null, infoAsked: boolean }} Relay
 * @typedef {{ type: 'AUTH', challenge: string } | { type: 'NOTICE', text: string } | { type: 'OK', id: string, kind: string, reason: unknown }} RelayMessage
 */

/** A relay nothing was sent to yet. @returns {Relay} */
export function newRelay() {
  return {
    queue: [],
    timer: null,
    active: null,
    lastTripAt: 0,
    pausedUntil: 0,
    pauses: 0,
    failures: 0,
    lastError: null,
    lastErrorAt: null,
    lastOkAt: null,
    maxMessage: null,
    infoAsked: false,
  };
}

/**
 * A publication of `event` waiting for the answers of `urls`: `done()` (at
 * the first relay that took it, once every relay said no, or when the wait
 * runs out) stops the waiting and hands `onDone` the relays that took it.
 * @param {NostrEvent} event @param {string[]} urls @param {(accepted: string[]) => void} onDone @returns {Entry}
 */
export function newEntry(event, urls, onDone) {
  /** @type {Entry} */
  const entry = {
    event,
    waiting: new Set(urls),
    accepted: new Set(),
    done: () => {
      entry.waiting.clear();
      onDone([...entry.accepted]);
    },
  };
  return entry;
}

/** What a relay's "OK false" / "CLOSED" reason asks of us (NIP-01 machine-readable prefixes). */
export function refusalKind(/** @type {unknown} */ reason) {
  const text = typeof reason === 'string' ? reason : '';
  const prefix = text.split(':', 1)[0];
  if (text.includes(':') && ['rate-limited', 'auth-required', 'duplicate', 'restricted', 'blocked', 'invalid', 'pow', 'error'].includes(prefix)) return prefix;
  return 'other';
}

/** Whether a relay that takes messages of at most `maxMessage` characters (null: no limit known) never takes `event`. */
export const tooLarge = (/** @type {number | null} */ maxMessage, /** @type {NostrEvent} */ event) =>
  typeof maxMessage === 'number' && JSON.stringify(['EVENT', event]).length > maxMessage;

/**
 * An entry's relay `url` gave its answer (or gave up): the entry is done at
 * the first relay that took it (one copy on one relay is what a caller
 * needs; the others still get theirs), or once every relay said no.
 */
export function settle(/** @type {Entry | null} */ entry, /** @type {string} */ url, /** @type {boolean} */ ok) {
  if (!entry || !entry.waiting.has(url)) return;
  entry.waiting.delete(url);
  if (ok) entry.accepted.add(url);
  if (ok || !entry.waiting.size) entry.done();
}

/** `item` kept for a later connection, with nobody waiting for its answer any more. @param {Item} item @returns {Item} */
const unawaited = (item) => ({ ...item, entry: null });

/**
 * What one connection takes next from the front of `queue`, having carried
 * `carried` events of `group` so far: `taken` items leave the queue, of which
 * `send` go out and `refused` are too large for this relay (it never takes
 * them). A batch holds at most MAX_BATCH events of one group (our own history
 * or profile beside a contact's mail would tell the relay who sent that
 * mail); an event that travels alone (a deletion) shares its connection with
 * nothing, and `alone` says one went.
 * @param {readonly Item[]} queue
 * @param {{ carried: number, group: string | null, maxMessage: number | null }} sofar
 * @returns {{ taken: number, send: Item[], refused: Item[], carried: number, group: string | null, alone: boolean }}
 */
export function nextBatch(queue, { carried, group, maxMessage }) {
  /** @type {Item[]} */
  const send = [];
  /** @type {Item[]} */
  const refused = [];
  let taken = 0;
  let alone = false;
  while (taken < queue.length && carried < MAX_BATCH) {
    const item = queue[taken];
    if (carried > 0 && (item.alone || item.group !== group)) break;
    group = item.group;
    taken += 1;
    if (tooLarge(maxMessage, item.event)) {
      refused.push(item);
      continue;
    }
    send.push(item);
    carried += 1;
    if (item.alone) {
      alone = true;
      break;
    }
  }
  return { taken, send, refused, carried, group, alone };
}

/**
 * What a connection that failed (`opened`: whether it ever opened) leaves:
 * what got no answer (`unanswered`) goes back to the front of the queue
 * (order kept), and whoever waited for it hears that this relay did not take
 * it (`givenUp`: a dead relay must not hold up the others' answers); so does
 * whoever waited for anything queued, if the relay could not even be reached.
 * @param {readonly Item[]} queue @param {readonly Item[]} unanswered @param {boolean} opened
 * @returns {{ queue: Item[], givenUp: Item[] }}
 */
export function afterFailure(queue, unanswered, opened) {
  return {
    givenUp: opened ? [...unanswered] : [...unanswered, ...queue],
    queue: [...unanswered.map(unawaited), ...(opened ? queue : queue.map(unawaited))],
  };
}

/**
 * What a relay's message says, or null for anything the courier does not
 * read (not text, too large, not JSON, unknown or malformed).
 * @param {unknown} data @returns {RelayMessage | null}
 */
export function readRelayMessage(data) {
  if (typeof data !== 'string' || data.length > MAX_INCOMING) return null;
  let parsed;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const [type, id, ok, reason] = parsed;
  if (type === 'AUTH' && typeof id === 'string' && id.length <= MAX_CHALLENGE) return { type, challenge: id };
  if (type === 'NOTICE') return { type, text: String(id) };
  if (type !== 'OK' || typeof id !== 'string') return null;
  return { type, id, kind: ok === true ? 'ok' : refusalKind(reason), reason };
}

/**
 * How long to wait before a connection to `relay` opens: `wait` if given
 * (null: a random `delay()`, unless a connection was busy a moment ago and
 * the backlog goes on at once), and never before a pause ends.
 * @param {Relay} relay @param {number | null} wait @param {number} now @param {() => number} delay
 */
export function tripWait(relay, wait, now, delay) {
  if (wait === null && now - relay.lastTripAt < LINGER_MS) wait = 0;
  return Math.max(wait ?? delay(), relay.pausedUntil - now, 0);
}

/** Until when a relay that said "rate-limited" for the `pauses`+1-th time in a row gets nothing. */
export const rateLimitedUntil = (/** @type {number} */ now, /** @type {number} */ pauses) => now + backoffDelay(pauses, RATE_LIMIT_BACKOFF);

/** Until when a relay that just failed for the `failures`-th time in a row is not tried (a pause until `pausedUntil` already longer stays). */
export const failedUntil = (/** @type {number} */ now, /** @type {number} */ pausedUntil, /** @type {number} */ failures) =>
  Math.max(pausedUntil, now + backoffDelay(failures - 1, FAILURE_BACKOFF));

/** What the status of the courier shows of one relay. @param {string} url @param {Relay} relay @param {number} now */
export const relayStatus = (url, relay, now) => ({
  url,
  queued: relay.queue.length,
  sending: relay.active !== null,
  pausedUntil: relay.pausedUntil > now ? relay.pausedUntil : 0,
  lastError: relay.lastError,
  lastErrorAt: relay.lastErrorAt,
  lastOkAt: relay.lastOkAt,
  maxMessage: relay.maxMessage,
});
