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
//
// Relays return at most some number of stored events per request (500 is
// common), newest first. A catch-up that brought anything asks again for
// what is older than the oldest it got (`until`, a short-lived third
// subscription), page after page, until a page brings nothing new: a long
// absence, or a fresh device reading its history, gets everything the
// relay holds, newest first. The cursor moves only once the last page is in.
//
// Politeness with public relays: each relay's NIP-11 document is read once
// for its `max_message_length` (events larger are not sent to it); an
// `OK false` or `CLOSED` saying "rate-limited:" pauses that relay with a
// growing delay (what it refused is sent again after); "auth-required:" is
// answered with NIP-42 AUTH by our mailbox key — on relays we read our mail
// from only, as anywhere else it would tie our one-time wraps to us. One
// relay refusing, dead or slow never holds up the others.

import { createSocketPool } from './signal/sockets.js';
import { backoffDelay } from './backoff.js';

/** NIP-59 gift-wrap kind. */
export const WRAP_KIND = 1059;
/** Wraps' created_at go back up to two days (worker/src/web/bindings/mailbox.rs), plus an hour of clock skew. */
export const CATCH_UP_MARGIN_S = 2 * 24 * 3600 + 3600;
/** How long a publish waits for the relays' OK before it counts what it has. */
const OK_WAIT_MS = 8_000;
/** Events kept for relays that are not connected yet. */
const MAX_WAITING = 500;
const SUBSCRIPTION = 'trustero-mailbox';
/** The second subscription per relay: our roaming profile's records. */
const PROFILE_SUBSCRIPTION = 'trustero-profile';
/** The third, short-lived: one older page of a catch-up at a time. */
const PAGE_SUBSCRIPTION = 'trustero-mailbox-older';
/** Pages one catch-up asks for at most (a hostile relay could feed new ids for ever). */
export const MAX_PAGES = 100;
/** Wrap ids one catch-up remembers to tell a page with something new from a repeat. */
const MAX_PAGE_IDS = 50_000;
/** A page not answered (EOSE) within this long ends the catch-up without moving the cursor. */
const PAGE_TIMEOUT_MS = 20_000;
/** NIP-78 addressable application data: the roaming profile's records. */
export const PROFILE_KIND = 30078;
/** A NIP-11 document larger than this, or slower than the timeout, is ignored. */
const MAX_INFO_BYTES = 64 * 1024;
const INFO_TIMEOUT_MS = 5_000;
/** Subscriptions a relay may close for want of AUTH before we stop asking, per connection. */
const MAX_AUTH_RETRIES = 3;

/**
 * The limits we honour from a relay's NIP-11 document (anything malformed
 * or implausible is ignored: a relay's word cannot make us send nothing).
 * @returns {{ maxMessage: number | null, authRequired: boolean }}
 */
export function parseRelayInfo(/** @type {unknown} */ info) {
  const limitation = /** @type {any} */ (info)?.limitation;
  const max = limitation?.max_message_length;
  return {
    maxMessage: Number.isSafeInteger(max) && max >= 1024 ? max : null,
    authRequired: limitation?.auth_required === true,
  };
}

/** The NIP-11 address of a relay's WebSocket URL (same host, http(s)). */
export function infoUrl(/** @type {string} */ relayUrl) {
  return relayUrl.replace(/^ws(s?):\/\//, 'http$1://');
}

/** What a relay's "OK false" / "CLOSED" reason asks of us (NIP-01 machine-readable prefixes). */
export function refusalKind(/** @type {unknown} */ reason) {
  const text = typeof reason === 'string' ? reason : '';
  const prefix = text.split(':', 1)[0];
  if (text.includes(':') && ['rate-limited', 'auth-required', 'duplicate', 'restricted', 'blocked', 'invalid', 'pow', 'error'].includes(prefix)) return prefix;
  return 'other';
}

/** Fetches a relay's NIP-11 document, bounded in size and time; null when there is none. */
async function fetchRelayInfo(/** @type {string} */ relayUrl) {
  try {
    const response = await fetch(infoUrl(relayUrl), {
      headers: { Accept: 'application/nostr+json' },
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(INFO_TIMEOUT_MS),
    });
    if (!response.ok || Number(response.headers.get('content-length') ?? 0) > MAX_INFO_BYTES) return null;
    const text = await response.text();
    return text.length > MAX_INFO_BYTES ? null : JSON.parse(text);
  } catch {
    return null; // no document, not JSON, refused by CORS or CSP: no limits known
  }
}

/**
 * @typedef {import('../core/crypto-client.js').NostrEvent} NostrEvent
 * @typedef {{ url: string, state: string, lastError: string | null, lastErrorAt: number | null, send: (value: unknown) => boolean }} Endpoint
 * @typedef {{ maxMessage: number | null, infoAsked: boolean, challenge: string | null, auth: 'none' | 'pending' | 'ok' | 'refused', authRetries: number,
 *   subscription: 'none' | 'asked' | 'live' | 'waiting-auth' | 'paused' | 'closed', pausedUntil: number, pauses: number, timer: any }} RelayState
 */

/**
 * mailboxKey: ours (x-only hex). cursors: {get(url) → seconds | undefined,
 * set(url, seconds)} (persisted by the caller). retentionS(): how far back a
 * first catch-up looks. onEvent(event, url, live) → Promise (resolves once
 * the event is handled; `live` is false while the relay is still sending
 * what it held). onCaughtUp(url): that relay sent everything it held, and
 * it was handled. onStatus(). authenticate({relay, challenge}) → a signed
 * NIP-42 event (by our mailbox key). relayInfo(url) → its NIP-11 document
 * or null (default: fetched over http(s)). profileAuthor (hex) and
 * onProfileEvent(event): our roaming profile's records, fetched whole at
 * every (re)connection (a relay keeps only the latest of each).
 * pageTimeoutMs: how long an older page may go unanswered. onRelayOpen(url):
 * a relay (re)connected (what failed to reach any relay may go now).
 */
export function createMailboxRelays({
  mailboxKey,
  cursors,
  retentionS,
  onEvent,
  onCaughtUp,
  onStatus,
  authenticate,
  relayInfo = fetchRelayInfo,
  profileAuthor = /** @type {string | null} */ (null),
  onProfileEvent = /** @type {((event: unknown) => void) | null} */ (null),
  pageTimeoutMs = PAGE_TIMEOUT_MS,
  onRelayOpen = /** @type {((url: string) => void) | null} */ (null),
}) {
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
  /** @type {Map<string, RelayState>} what we know of each relay beyond its socket */
  const relays = new Map();
  /**
   * The catch-up running on each relay: its `since`, the ids it brought, the
   * oldest created_at of the current page and whether that page was new.
   * @type {Map<string, {since: number, ids: Set<string>, oldest: number, fresh: number, pages: number, pageTimer: any}>}
   */
  const catchUps = new Map();
  /** @type {Map<string, string>} id of an AUTH event we sent -> its relay */
  const authSent = new Map();
  /** @type {Map<string, NostrEvent[]>} url -> events it refused until we authenticate */
  const awaitingAuth = new Map();
  /** @type {Map<string, NostrEvent>} events sent lately, by id: what a refusal refers to */
  const recent = new Map();
  const remember = (/** @type {NostrEvent} */ event) => {
    recent.set(event.id, event);
    if (recent.size > MAX_WAITING * 2) recent.delete(recent.keys().next().value ?? '');
  };

  function stateOf(/** @type {string} */ url) {
    let state = relays.get(url);
    if (!state) {
      /** @type {RelayState} */
      const fresh = {
        maxMessage: null,
        infoAsked: false,
        challenge: null,
        auth: 'none',
        authRetries: 0,
        subscription: 'none',
        pausedUntil: 0,
        pauses: 0,
        timer: null,
      };
      relays.set(url, fresh);
      state = fresh;
    }
    return state;
  }

  const paused = (/** @type {string} */ url) => (relays.get(url)?.pausedUntil ?? 0) > Date.now();
  const tooLarge = (/** @type {string} */ url, /** @type {NostrEvent} */ event) => {
    const max = relays.get(url)?.maxMessage;
    return typeof max === 'number' && JSON.stringify(['EVENT', event]).length > max;
  };

  function queue(/** @type {string} */ url, /** @type {NostrEvent} */ event) {
    const list = waiting.get(url) ?? [];
    if (list.length < MAX_WAITING && !list.some((e) => e.id === event.id)) list.push(event);
    waiting.set(url, list);
  }

  /** Sends what waited for `endpoint` (unless it is paused). */
  function flush(/** @type {Endpoint} */ endpoint) {
    if (paused(endpoint.url)) return;
    for (const event of waiting.get(endpoint.url) ?? []) {
      remember(event);
      endpoint.send(['EVENT', event]);
    }
    waiting.delete(endpoint.url);
  }

  /** The relay said "rate-limited": leave it alone for a growing while, then resume. */
  function pause(/** @type {Endpoint} */ endpoint) {
    const state = stateOf(endpoint.url);
    const delay = backoffDelay(state.pauses++, { baseMs: 5_000, maxMs: 10 * 60_000 });
    state.pausedUntil = Date.now() + delay;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.pausedUntil = 0; // timers may fire a hair before the clock says so
      const current = pool.open().find((/** @type {Endpoint} */ e) => e.url === endpoint.url);
      if (!current) return; // it reconnects (and resubscribes, and flushes) on its own
      if (state.subscription === 'paused') subscribe(current);
      flush(current);
      onStatus?.();
    }, delay);
    onStatus?.();
  }

  function subscribe(/** @type {Endpoint} */ endpoint) {
    if (!inbox.has(endpoint.url)) return;
    const state = stateOf(endpoint.url);
    const now = Math.floor(Date.now() / 1000);
    const cursor = cursors.get(endpoint.url);
    const since = cursor === undefined ? now - retentionS() : Math.max(0, cursor - CATCH_UP_MARGIN_S);
    askedAt.set(endpoint.url, now);
    live.delete(endpoint.url);
    clearTimeout(catchUps.get(endpoint.url)?.pageTimer);
    catchUps.set(endpoint.url, { since, ids: new Set(), oldest: Infinity, fresh: 0, pages: 0, pageTimer: null });
    state.subscription = 'asked';
    endpoint.send(['REQ', SUBSCRIPTION, { kinds: [WRAP_KIND], '#p': [mailboxKey], since }]);
    if (profileAuthor) endpoint.send(['REQ', PROFILE_SUBSCRIPTION, { kinds: [PROFILE_KIND], authors: [profileAuthor] }]);
  }

  /** Answers the relay's challenge with our mailbox key (relays we read from only). */
  async function authenticateTo(/** @type {Endpoint} */ endpoint) {
    const state = stateOf(endpoint.url);
    if (!inbox.has(endpoint.url) || !authenticate || !state.challenge || state.auth === 'pending') return;
    state.auth = 'pending';
    try {
      const event = await authenticate({ relay: endpoint.url, challenge: state.challenge });
      authSent.set(event.id, endpoint.url);
      endpoint.send(['AUTH', event]);
    } catch (error) {
      state.auth = 'refused';
      note(endpoint, `could not authenticate: ${/** @type {Error} */ (error).message}`);
    }
    onStatus?.();
  }

  function authAnswered(/** @type {Endpoint} */ endpoint, /** @type {boolean} */ ok, /** @type {unknown} */ message) {
    const state = stateOf(endpoint.url);
    state.auth = ok ? 'ok' : 'refused';
    if (!ok) {
      note(endpoint, message);
      return;
    }
    if (state.subscription === 'waiting-auth') subscribe(endpoint);
    for (const event of awaitingAuth.get(endpoint.url) ?? []) endpoint.send(['EVENT', event]);
    awaitingAuth.delete(endpoint.url);
    onStatus?.();
  }

  function subscriptionClosed(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ reason) {
    const state = stateOf(endpoint.url);
    live.delete(endpoint.url);
    const kind = refusalKind(reason);
    if (kind === 'auth-required' && inbox.has(endpoint.url) && state.authRetries++ < MAX_AUTH_RETRIES) {
      state.subscription = 'waiting-auth';
      // The challenge may come before or after this CLOSED; with it known, answer now.
      if (state.auth === 'ok') subscribe(endpoint);
      else authenticateTo(endpoint);
    } else if (kind === 'rate-limited') {
      state.subscription = 'paused';
      pause(endpoint);
    } else {
      state.subscription = 'closed';
    }
    note(endpoint, reason);
  }

  function handleEvent(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ event, isLive = live.has(endpoint.url)) {
    if (!isLive) countForPage(endpoint.url, event);
    const previous = chains.get(endpoint.url) ?? Promise.resolve();
    const next = previous.then(() => onEvent(event, endpoint.url, isLive)).catch(() => {});
    chains.set(endpoint.url, next);
  }

  /** A stored event of the running catch-up: is it new, and how old is the page so far. */
  function countForPage(/** @type {string} */ url, /** @type {unknown} */ event) {
    const catchUp = catchUps.get(url);
    const { id, created_at: createdAt } = /** @type {{id?: unknown, created_at?: unknown}} */ (event ?? {});
    if (!catchUp || typeof id !== 'string' || !Number.isSafeInteger(createdAt)) return;
    if (!catchUp.ids.has(id) && catchUp.ids.size < MAX_PAGE_IDS) {
      catchUp.ids.add(id);
      catchUp.fresh += 1;
    }
    catchUp.oldest = Math.min(catchUp.oldest, /** @type {number} */ (createdAt));
  }

  /** The relay sent all it holds for the current request: ask for an older page, or finish. */
  function endOfStored(/** @type {Endpoint} */ endpoint) {
    const asked = askedAt.get(endpoint.url);
    if (asked === undefined) return;
    live.add(endpoint.url);
    stateOf(endpoint.url).subscription = 'live';
    nextPageOrFinish(endpoint, asked);
  }

  function endOfPage(/** @type {Endpoint} */ endpoint) {
    endpoint.send(['CLOSE', PAGE_SUBSCRIPTION]);
    const catchUp = catchUps.get(endpoint.url);
    // Only the page this catch-up asked for (a resubscription starts another).
    if (!catchUp?.pageTimer) return;
    clearTimeout(catchUp.pageTimer);
    catchUp.pageTimer = null;
    const asked = askedAt.get(endpoint.url);
    if (asked !== undefined) nextPageOrFinish(endpoint, asked);
  }

  /**
   * The catch-up on `url` is over: once everything it brought has been
   * handled, the mailbox hears so, and the cursor moves to `asked` (null:
   * it stays, and the next catch-up asks again).
   */
  function finishCatchUp(/** @type {string} */ url, /** @type {number | null} */ asked) {
    clearTimeout(catchUps.get(url)?.pageTimer);
    catchUps.delete(url);
    (chains.get(url) ?? Promise.resolve())
      .then(() => onCaughtUp?.(url))
      .then(() => asked !== null && cursors.set(url, asked))
      .catch(() => {});
  }

  function nextPageOrFinish(/** @type {Endpoint} */ endpoint, /** @type {number} */ asked) {
    const catchUp = catchUps.get(endpoint.url);
    if (catchUp && catchUp.fresh > 0 && catchUp.pages < MAX_PAGES && catchUp.oldest > catchUp.since) {
      // `until` is inclusive: events of that very second come again, and are not new.
      const until = catchUp.oldest;
      Object.assign(catchUp, { fresh: 0, oldest: Infinity, pages: catchUp.pages + 1 });
      catchUp.pageTimer = setTimeout(() => catchUps.get(endpoint.url) === catchUp && finishCatchUp(endpoint.url, null), pageTimeoutMs);
      endpoint.send(['REQ', PAGE_SUBSCRIPTION, { kinds: [WRAP_KIND], '#p': [mailboxKey], since: catchUp.since, until }]);
      return;
    }
    finishCatchUp(endpoint.url, asked);
  }

  function answered(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ id, /** @type {unknown} */ ok, /** @type {unknown} */ message) {
    if (typeof id === 'string' && authSent.get(id) === endpoint.url) {
      authSent.delete(id);
      authAnswered(endpoint, ok === true, message);
      return;
    }
    const entry = typeof id === 'string' ? publishing.get(id) : undefined;
    const kind = ok === true ? 'ok' : refusalKind(message);
    if (kind !== 'ok' && kind !== 'duplicate') {
      note(endpoint, message);
      const event = entry?.event ?? (typeof id === 'string' ? recent.get(id) : undefined);
      // Refused for now, not for ever: it goes again after the pause or the AUTH.
      // A publish still waiting for answers keeps waiting for this relay's
      // next one (within its bounded wait), so one pause costs no retry.
      if (event && kind === 'rate-limited') {
        queue(endpoint.url, event);
        pause(endpoint);
        if (entry) return;
      } else if (event && kind === 'auth-required' && inbox.has(endpoint.url)) {
        awaitingAuth.set(endpoint.url, [...(awaitingAuth.get(endpoint.url) ?? []), event].slice(-MAX_WAITING));
        authenticateTo(endpoint);
        if (entry) return;
      }
    }
    if (!entry) return;
    entry.answered.add(endpoint.url);
    if (kind === 'ok' || kind === 'duplicate') entry.accepted.add(endpoint.url);
    if ([...entry.endpoints].every((url) => entry.answered.has(url))) entry.done();
  }

  function note(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ text) {
    endpoint.lastError = `relay says: ${String(text).slice(0, 200)}`;
    endpoint.lastErrorAt = Date.now();
    onStatus?.();
  }

  const pool = createSocketPool({
    onOpen(/** @type {Endpoint} */ endpoint) {
      // Its NIP-11 limits, read once it proved reachable (no requests to dead hosts).
      const known = stateOf(endpoint.url);
      if (!known.infoAsked) {
        known.infoAsked = true;
        relayInfo(endpoint.url).then((info) => {
          if (info && relays.get(endpoint.url) === known) {
            known.maxMessage = parseRelayInfo(info).maxMessage;
            onStatus?.();
          }
        });
      }
      // A new connection is a new NIP-42 session.
      Object.assign(stateOf(endpoint.url), { challenge: null, auth: 'none', authRetries: 0, subscription: 'none' });
      if (paused(endpoint.url)) stateOf(endpoint.url).subscription = 'paused';
      else subscribe(endpoint);
      flush(endpoint);
      onRelayOpen?.(endpoint.url);
    },
    onMessage(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ message) {
      if (!Array.isArray(message)) return;
      const [type, ...rest] = message;
      if (type === 'EVENT' && rest[0] === SUBSCRIPTION && inbox.has(endpoint.url)) handleEvent(endpoint, rest[1]);
      else if (type === 'EVENT' && rest[0] === PROFILE_SUBSCRIPTION && inbox.has(endpoint.url)) onProfileEvent?.(rest[1]);
      else if (type === 'EVENT' && rest[0] === PAGE_SUBSCRIPTION && inbox.has(endpoint.url)) handleEvent(endpoint, rest[1], false);
      else if (type === 'EOSE' && rest[0] === SUBSCRIPTION) endOfStored(endpoint);
      else if (type === 'EOSE' && rest[0] === PAGE_SUBSCRIPTION) endOfPage(endpoint);
      else if (type === 'OK') answered(endpoint, rest[0], rest[1], rest[2]);
      else if (type === 'NOTICE') note(endpoint, rest[0]);
      else if (type === 'CLOSED' && rest[0] === SUBSCRIPTION) subscriptionClosed(endpoint, rest[1]);
      else if (type === 'CLOSED' && rest[0] === PAGE_SUBSCRIPTION) {
        // A relay refusing a third subscription: what it gave is kept, the rest waits for the next catch-up.
        note(endpoint, rest[1]);
        if (catchUps.get(endpoint.url)?.pageTimer) finishCatchUp(endpoint.url, null);
      } else if (type === 'AUTH' && typeof rest[0] === 'string' && rest[0].length <= 512) {
        // A new challenge: what we answered before no longer counts (unless an answer is on its way).
        const state = stateOf(endpoint.url);
        state.challenge = rest[0];
        if (state.auth !== 'pending') state.auth = 'none';
        authenticateTo(endpoint);
      }
    },
    onStatus,
  });

  return {
    /** Reads mail from `own` relays; also writes to `extra` ones (where contacts read theirs). */
    setUrls(/** @type {string[]} */ own, /** @type {string[]} */ extra = []) {
      inbox = new Set(own);
      const all = [...new Set([...own, ...extra])];
      for (const url of [...relays.keys()]) {
        if (!all.includes(url)) {
          clearTimeout(relays.get(url)?.timer);
          relays.delete(url);
        }
      }
      for (const url of all) stateOf(url);
      pool.setUrls(all);
    },

    /**
     * Publishes `event` to the relays in `urls` (all of ours when omitted).
     * Resolves to the relays that accepted it, once every connected one
     * answered (a paused one after its pause) or after a bounded wait;
     * relays not connected yet get it when they connect.
     */
    publish(/** @type {NostrEvent} */ event, /** @type {string[] | null} */ urls = null) {
      const wanted = urls ? new Set(urls) : null;
      const fits = (/** @type {{url: string}} */ e) => (!wanted || wanted.has(e.url)) && !tooLarge(e.url, event);
      const open = pool.open().filter((/** @type {Endpoint} */ e) => fits(e) && !paused(e.url));
      for (const endpoint of pool.status()) {
        if (!fits(endpoint) || (endpoint.state === 'open' && !paused(endpoint.url))) continue;
        queue(endpoint.url, event); // not connected yet, or paused: it goes when that ends
      }
      // A connected relay that is only paused answers after its pause: worth waiting for (bounded).
      const pausedOpen = pool.open().filter((/** @type {Endpoint} */ e) => fits(e) && paused(e.url));
      if (!open.length && !pausedOpen.length) return Promise.resolve(/** @type {string[]} */ ([]));
      return new Promise((resolve) => {
        const entry = {
          event,
          endpoints: new Set([...open, ...pausedOpen].map((/** @type {Endpoint} */ e) => e.url)),
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
        remember(event);
        for (const endpoint of open) endpoint.send(['EVENT', event]);
      });
    },

    /** Whether any relay we read from is connected. */
    connected: () => pool.open().some((/** @type {Endpoint} */ e) => inbox.has(e.url)),
    wake: pool.wake,
    /** Each relay: its socket, whether we read from it, its mailbox subscription, AUTH, pause and NIP-11 limit. */
    status: () =>
      pool.status().map((/** @type {{url: string}} */ endpoint) => {
        const state = relays.get(endpoint.url);
        return {
          ...endpoint,
          reads: inbox.has(endpoint.url),
          subscription: state?.subscription ?? 'none',
          auth: state?.auth ?? 'none',
          pausedUntil: paused(endpoint.url) ? (state?.pausedUntil ?? 0) : 0,
          maxMessage: state?.maxMessage ?? null,
          waiting: waiting.get(endpoint.url)?.length ?? 0,
        };
      }),
    close() {
      for (const entry of [...publishing.values()]) entry.done();
      for (const state of relays.values()) clearTimeout(state.timer);
      pool.close();
    },
  };
}
