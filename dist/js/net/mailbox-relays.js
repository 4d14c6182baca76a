// @ts-check
// The mailbox's side of the Nostr relays (NIP-01 subscriptions, NIP-09
// deletions, NIP-40 expirations, NIP-59-style wraps): one reading socket per
// relay we read our mail from, subscribed to the wraps addressed to our
// mailbox key (and our roaming profile's records), whatever the number of
// contacts; and a courier (net/courier.js) that publishes.
//
// The reading socket never publishes (DESIGN.md §12). It subscribes to our
// mailbox address and may authenticate as it (NIP-42), so anything sent on
// it would be tied to us: whom we mail, which wraps are our own history,
// our profile records, when we read our mail. Wraps, history, profile
// records and deletions leave on the courier's short-lived connections.
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
// subscription), page after page: a long absence, or a fresh device reading
// its history, gets everything the relay holds, newest first. The cursor
// moves only once the last page is in.
//
// Against someone who knows our mailbox address and fills it with junk
// (docs/mailbox.md "Junk"): a stored wrap dated more than FUTURE_MARGIN_S
// after the catch-up began is ignored (a junk wrap from the future would
// otherwise head every page), and no page asks beyond that; a page whose
// every wrap is old news at the second it asked for (junk sharing one
// `created_at`) goes on from the second before; the cursor does not move
// past a catch-up whose last page brought only wraps that did not open; and
// one catch-up hands at most MAX_CATCH_UP_WRAPS wraps to be opened (each a
// Schnorr check, an ECDH and an AES-GCM) — past that, it stops and the next
// one starts from the same cursor, skipping the junk it already knows.
//
// Politeness with public relays: each relay's NIP-11 document is read once
// for its `max_message_length` (events larger are not sent to it); a
// `CLOSED` saying "rate-limited:" pauses that relay's subscription with a
// growing delay; "auth-required:" is answered with NIP-42 AUTH by our
// mailbox key — on relays we read our mail from only (the key they see in
// our subscription). One relay refusing, dead or slow never holds up the
// others.

import { createSocketPool } from './signal/sockets.js';
import { backoffDelay } from './backoff.js';
import { createCourier, refusalKind } from './courier.js';

export { refusalKind };

/** NIP-59 gift-wrap kind. */
export const WRAP_KIND = 1059;
/** Wraps' created_at go back up to two days (worker/src/web/bindings/mailbox.rs), plus an hour of clock skew. */
export const CATCH_UP_MARGIN_S = 2 * 24 * 3600 + 3600;
/** A stored wrap dated later than this after a catch-up began is ignored by it (clock skew allowance). */
export const FUTURE_MARGIN_S = 15 * 60;
const SUBSCRIPTION = 'trustero-mailbox';
/** The second subscription per relay: our roaming profile's records. */
const PROFILE_SUBSCRIPTION = 'trustero-profile';
/** The third, short-lived: one older page of a catch-up at a time. */
const PAGE_SUBSCRIPTION = 'trustero-mailbox-older';
/** Pages one catch-up asks for at most (a hostile relay could feed new ids for ever). */
export const MAX_PAGES = 100;
/** Wraps one catch-up hands over to be opened, at most (each costs a Schnorr check, an ECDH and an AES-GCM). */
export const MAX_CATCH_UP_WRAPS = 20_000;
/** Wrap ids one catch-up remembers to tell a page with something new from a repeat. */
const MAX_PAGE_IDS = 50_000;
/** Ids of wraps that did not open, remembered so that no catch-up pays for them twice. */
const MAX_JUNK_IDS = 50_000;
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
 * What one page of a catch-up tells about the next (a pure step, tested
 * alone): `page` counts the in-range wraps it brought (`inRange`), the new
 * ones (`fresh`), the oldest `created_at` among them, whether they all sat
 * at the second it asked up to (`atUntil`), and whether it brought wraps
 * dated beyond the catch-up's upper bound (`beyond`). `until` is what the
 * page asked up to (null: the first request, which has no `until`).
 * Returns the next `until` to ask for, or null: the catch-up is complete.
 * @param {{ since: number, upper: number }} catchUp
 * @param {{ until: number | null, inRange: number, fresh: number, oldest: number, atUntil: boolean, beyond: number }} page
 * @returns {number | null}
 */
export function nextPageUntil({ since, upper }, page) {
  let next = null;
  if (page.fresh > 0) {
    // `until` is inclusive: events of that very second come again, and are not new.
    next = Math.min(page.oldest, upper);
  } else if (page.inRange >= 2 && page.atUntil && page.until !== null) {
    // Saturated at one second (junk sharing a created_at): go on from the second before.
    next = page.until - 1;
  } else if (page.until === null && page.beyond > 0) {
    // The first answer was taken up by wraps from the future: ask again, bounded.
    next = upper;
  }
  return next !== null && next > since ? next : null;
}

/**
 * @typedef {import('../core/crypto-client.js').NostrEvent} NostrEvent
 * @typedef {{ url: string, state: string, lastError: string | null, lastErrorAt: number | null, send: (value: unknown) => boolean }} Endpoint
 * @typedef {{ maxMessage: number | null, challenge: string | null, auth: 'none' | 'pending' | 'ok' | 'refused', authRetries: number,
 *   subscription: 'none' | 'asked' | 'live' | 'waiting-auth' | 'paused' | 'closed', pausedUntil: number, pauses: number, timer: any }} RelayState
 * @typedef {{ since: number, upper: number, ids: Set<string>, pages: number, pageTimer: any, handed: number, over: boolean,
 *   page: { until: number | null, inRange: number, fresh: number, oldest: number, atUntil: boolean, beyond: number, opened: number, junk: number } }} CatchUp
 */

/**
 * mailboxKey: ours (x-only hex). cursors: {get(url) → seconds | undefined,
 * set(url, seconds)} (persisted by the caller). retentionS(): how far back a
 * first catch-up looks. onEvent(event, url, live) → Promise<boolean |
 * 'unverified' | void> (resolves once the event is handled: to false when it
 * was not a wrap that opened for us, or its seal failed — junk, never opened
 * again; to 'unverified' when its seal waits for a sender not known yet;
 * `live` is false while the relay is still sending what it held). onCaughtUp(url): that relay sent everything it held, and it was
 * handled. onStatus(). authenticate({relay, challenge}) → a signed NIP-42
 * event (by our mailbox key). signAuth({relay, challenge}) → one by a
 * throw-away key (for relays that want AUTH before they take an event from
 * the courier). relayInfo(url) → its NIP-11 document or null (default:
 * fetched over http(s)). profileAuthor (hex) and onProfileEvent(event): our
 * roaming profile's records, fetched whole at every (re)connection (a relay
 * keeps only the latest of each). pageTimeoutMs: how long an older page may
 * go unanswered. onRelayOpen(url): a relay (re)connected, or took what we
 * publish again (what failed to reach any relay may go now). courier:
 * options for net/courier.js (a test's delays and sockets). budget: wraps
 * one catch-up hands over at most.
 */
export function createMailboxRelays({
  mailboxKey,
  cursors,
  retentionS,
  onEvent,
  onCaughtUp,
  onStatus,
  authenticate,
  signAuth = /** @type {((args: {relay: string, challenge: string}) => Promise<NostrEvent>) | null} */ (null),
  relayInfo = fetchRelayInfo,
  profileAuthor = /** @type {string | null} */ (null),
  onProfileEvent = /** @type {((event: unknown) => void) | null} */ (null),
  pageTimeoutMs = PAGE_TIMEOUT_MS,
  onRelayOpen = /** @type {((url: string) => void) | null} */ (null),
  courier: courierOptions = {},
  budget = MAX_CATCH_UP_WRAPS,
}) {
  /** @type {Set<string>} relays we read our mail from (the others are only written to) */
  let inbox = new Set();
  /** @type {Map<string, Promise<unknown>>} url -> its chain of received events, handled in order */
  const chains = new Map();
  /** @type {Map<string, number>} url -> when its current subscription was asked for */
  const askedAt = new Map();
  /** @type {Map<string, RelayState>} what we know of each relay beyond its socket */
  const relays = new Map();
  /** @type {Map<string, CatchUp>} the catch-up running on each relay */
  const catchUps = new Map();
  /** @type {Map<string, string>} id of an AUTH event we sent -> its relay */
  const authSent = new Map();
  /** ids of wraps that did not open (junk), oldest first */
  const junk = new Set();
  /** @type {Map<string, Promise<any>>} url -> its NIP-11 document, read once for both sides */
  const infos = new Map();
  const infoOf = (/** @type {string} */ url) => {
    if (!infos.has(url))
      infos.set(
        url,
        relayInfo(url).catch(() => null),
      );
    return /** @type {Promise<any>} */ (infos.get(url));
  };

  const courier = createCourier({
    relayInfo: async (url) => {
      const info = await infoOf(url);
      return info ? { maxMessage: parseRelayInfo(info).maxMessage } : null;
    },
    signAuth,
    onStatus: () => onStatus?.(),
    onReachable: (url) => onRelayOpen?.(url),
    // A relay we read from is tried only while our reading socket to it is
    // open: a dead one is not tried twice over (its reopening resumes the courier).
    canTry: (url) => !inbox.has(url) || pool.open().some((/** @type {Endpoint} */ e) => e.url === url),
    ...courierOptions,
  });

  function stateOf(/** @type {string} */ url) {
    let state = relays.get(url);
    if (!state) {
      /** @type {RelayState} */
      const fresh = {
        maxMessage: null,
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

  /** The relay said "rate-limited" to our subscription: leave it alone for a growing while, then resume. */
  function pause(/** @type {Endpoint} */ endpoint) {
    const state = stateOf(endpoint.url);
    const delay = backoffDelay(state.pauses++, { baseMs: 5_000, maxMs: 10 * 60_000 });
    state.pausedUntil = Date.now() + delay;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.pausedUntil = 0; // timers may fire a hair before the clock says so
      const current = pool.open().find((/** @type {Endpoint} */ e) => e.url === endpoint.url);
      if (!current) return; // it reconnects (and resubscribes) on its own
      if (state.subscription === 'paused') subscribe(current);
      onStatus?.();
    }, delay);
    onStatus?.();
  }

  const emptyPage = (/** @type {number | null} */ until) => ({ until, inRange: 0, fresh: 0, oldest: Infinity, atUntil: true, beyond: 0, opened: 0, junk: 0 });

  function subscribe(/** @type {Endpoint} */ endpoint) {
    if (!inbox.has(endpoint.url)) return;
    const state = stateOf(endpoint.url);
    const now = Math.floor(Date.now() / 1000);
    const cursor = cursors.get(endpoint.url);
    const since = cursor === undefined ? now - retentionS() : Math.max(0, cursor - CATCH_UP_MARGIN_S);
    askedAt.set(endpoint.url, now);
    clearTimeout(catchUps.get(endpoint.url)?.pageTimer);
    catchUps.set(endpoint.url, {
      since,
      upper: now + FUTURE_MARGIN_S,
      ids: new Set(),
      pages: 0,
      pageTimer: null,
      handed: 0,
      over: false,
      page: emptyPage(null),
    });
    state.subscription = 'asked';
    // No `until` here: the same subscription brings new wraps live, whose
    // created_at lie in the past by up to two days but can be later than any
    // bound set now. The catch-up applies its bound itself.
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
    onStatus?.();
  }

  function subscriptionClosed(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ reason) {
    const state = stateOf(endpoint.url);
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

  /**
   * A wrap from the relay: a live one is handled at once; a stored one
   * counts for its page first, and is handled only if it is within the
   * catch-up's bounds and budget, and not known junk.
   */
  function handleEvent(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ event, isLive = stateOf(endpoint.url).subscription === 'live') {
    const { id } = /** @type {{id?: unknown}} */ (event ?? {});
    if (typeof id !== 'string') return;
    const catchUp = isLive ? null : catchUps.get(endpoint.url);
    // Known junk still counts for its page (a page of repeats is what tells
    // a saturated second), but is not opened again.
    if (!isLive && (!catchUp || !countForPage(catchUp, event))) return;
    if (junk.has(id)) {
      if (catchUp) catchUp.page.junk += 1;
      return;
    }
    if (catchUp) {
      if (catchUp.handed >= budget) {
        catchUp.over = true;
        return;
      }
      catchUp.handed += 1;
    }
    const page = catchUp?.page ?? null;
    const previous = chains.get(endpoint.url) ?? Promise.resolve();
    const next = previous
      .then(() => onEvent(event, endpoint.url, isLive))
      .then((outcome) => {
        if (outcome === false) {
          junk.add(id);
          if (junk.size > MAX_JUNK_IDS) junk.delete(junk.values().next().value ?? '');
        }
        // 'unverified' (a seal from someone not known yet) may be real: not
        // remembered as junk, but it does not vouch for its page either.
        if (page) page[outcome === false || outcome === 'unverified' ? 'junk' : 'opened'] += 1;
      })
      .catch(() => {});
    chains.set(endpoint.url, next);
  }

  /** A stored event of the running catch-up: counts it for its page; whether it is within the bounds. */
  function countForPage(/** @type {CatchUp} */ catchUp, /** @type {unknown} */ event) {
    const { id, created_at: createdAt } = /** @type {{id?: unknown, created_at?: unknown}} */ (event ?? {});
    if (typeof id !== 'string' || !Number.isSafeInteger(createdAt)) return false;
    const at = /** @type {number} */ (createdAt);
    const page = catchUp.page;
    if (at > catchUp.upper) {
      page.beyond += 1; // from the future: not handled, and no page is sized by it
      return false;
    }
    if (at < catchUp.since) return false;
    page.inRange += 1;
    if (!catchUp.ids.has(id) && catchUp.ids.size < MAX_PAGE_IDS) {
      catchUp.ids.add(id);
      page.fresh += 1;
    }
    page.oldest = Math.min(page.oldest, at);
    if (page.until === null || at !== page.until) page.atUntil = false;
    return true;
  }

  /** The relay sent all it holds for the current request: ask for an older page, or finish. */
  function endOfStored(/** @type {Endpoint} */ endpoint) {
    const asked = askedAt.get(endpoint.url);
    if (asked === undefined) return;
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
   * handled, the mailbox hears so, and the cursor moves to `asked` — unless
   * its last page brought nothing but wraps that did not open (junk ended
   * it: what lies behind may be real), or it ran out of budget (null: it
   * stays, and the next catch-up asks again).
   */
  function finishCatchUp(/** @type {string} */ url, /** @type {number | null} */ asked) {
    const catchUp = catchUps.get(url);
    clearTimeout(catchUp?.pageTimer);
    catchUps.delete(url);
    const page = catchUp?.page;
    (chains.get(url) ?? Promise.resolve())
      .then(() => onCaughtUp?.(url))
      .then(() => {
        const endedByJunk = page && page.junk > 0 && page.opened === 0;
        if (asked === null || !catchUp || endedByJunk || catchUp.over) return;
        cursors.set(url, asked);
      })
      .catch(() => {});
  }

  function nextPageOrFinish(/** @type {Endpoint} */ endpoint, /** @type {number} */ asked) {
    const catchUp = catchUps.get(endpoint.url);
    if (!catchUp) return finishCatchUp(endpoint.url, asked);
    const until = catchUp.over || catchUp.pages >= MAX_PAGES ? null : nextPageUntil(catchUp, catchUp.page);
    if (until === null) return finishCatchUp(endpoint.url, asked);
    catchUp.pages += 1;
    catchUp.page = emptyPage(until);
    catchUp.pageTimer = setTimeout(() => catchUps.get(endpoint.url) === catchUp && finishCatchUp(endpoint.url, null), pageTimeoutMs);
    endpoint.send(['REQ', PAGE_SUBSCRIPTION, { kinds: [WRAP_KIND], '#p': [mailboxKey], since: catchUp.since, until }]);
  }

  function answered(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ id, /** @type {unknown} */ ok, /** @type {unknown} */ message) {
    if (typeof id === 'string' && authSent.get(id) === endpoint.url) {
      authSent.delete(id);
      authAnswered(endpoint, ok === true, message);
    }
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
      infoOf(endpoint.url).then((info) => {
        if (info && relays.get(endpoint.url) === known) {
          known.maxMessage = parseRelayInfo(info).maxMessage;
          onStatus?.();
        }
      });
      // A new connection is a new NIP-42 session.
      Object.assign(known, { challenge: null, auth: 'none', authRetries: 0, subscription: 'none' });
      if (paused(endpoint.url)) known.subscription = 'paused';
      else subscribe(endpoint);
      // Reachable again: what the courier keeps for it goes now, not after its backoff.
      courier.reachable(endpoint.url);
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
    /** Reads mail from `own` relays; publishing goes to them and to `extra` ones (where contacts read theirs). */
    setUrls(/** @type {string[]} */ own, /** @type {string[]} */ extra = []) {
      inbox = new Set(own);
      for (const url of [...relays.keys()]) {
        if (!inbox.has(url)) {
          clearTimeout(relays.get(url)?.timer);
          relays.delete(url);
        }
      }
      for (const url of own) stateOf(url);
      pool.setUrls(own);
      courier.keepOnly([...new Set([...own, ...extra])]);
    },

    /**
     * Publishes `event` to the relays in `urls` on the courier's
     * connections, never on a reading socket. Resolves to the first relay
     * that accepted it (a list), or none once each said no or after a
     * bounded wait; the others still get it, a relay that could not be
     * reached later. `alone`: on a connection of its
     * own; `group`: shares a connection only with events of that group
     * (net/courier.js).
     */
    publish: courier.publish,

    /**
     * Reads again, on every relay we read from, what was created since
     * `seconds` (less the time jitter): mail we had to let go before it
     * could be checked (chat/mailbox.js) is fetched once more.
     */
    rewind(/** @type {number} */ seconds) {
      for (const url of inbox) {
        const cursor = cursors.get(url);
        if (cursor !== undefined && cursor > seconds) cursors.set(url, seconds);
      }
      for (const endpoint of pool.open()) if (inbox.has(endpoint.url) && !paused(endpoint.url)) subscribe(endpoint);
    },

    /** Whether any relay we read from is connected. */
    connected: () => pool.open().some((/** @type {Endpoint} */ e) => inbox.has(e.url)),
    wake() {
      pool.wake();
      courier.wake();
    },
    /**
     * Each relay: its reading socket (for relays we read from), its mailbox
     * subscription, AUTH, pause and NIP-11 limit; what the courier has
     * waiting for it and its last error.
     */
    status() {
      const sent = new Map(courier.status().map((c) => [c.url, c]));
      const reading = pool.status().map((/** @type {{url: string, lastError: string | null, lastErrorAt: number | null}} */ endpoint) => {
        const state = relays.get(endpoint.url);
        const out = sent.get(endpoint.url);
        sent.delete(endpoint.url);
        const newer = out?.lastErrorAt && (!endpoint.lastErrorAt || out.lastErrorAt > endpoint.lastErrorAt);
        return {
          ...endpoint,
          lastError: newer ? out.lastError : endpoint.lastError,
          lastErrorAt: newer ? out.lastErrorAt : endpoint.lastErrorAt,
          reads: true,
          subscription: state?.subscription ?? 'none',
          auth: state?.auth ?? 'none',
          pausedUntil: Math.max(paused(endpoint.url) ? (state?.pausedUntil ?? 0) : 0, out?.pausedUntil ?? 0),
          maxMessage: state?.maxMessage ?? out?.maxMessage ?? null,
          waiting: out?.queued ?? 0,
        };
      });
      // Relays we only write to have no socket of their own between publications.
      const writing = [...sent.values()].map((out) => ({
        url: out.url,
        state: out.sending ? 'open' : out.lastErrorAt && (!out.lastOkAt || out.lastErrorAt > out.lastOkAt) && out.queued ? 'retrying' : 'idle',
        lastError: out.lastError,
        lastErrorAt: out.lastErrorAt,
        reads: false,
        subscription: 'none',
        auth: 'none',
        pausedUntil: out.pausedUntil,
        maxMessage: out.maxMessage,
        waiting: out.queued,
      }));
      return [...reading, ...writing];
    },
    close() {
      for (const state of relays.values()) clearTimeout(state.timer);
      courier.close();
      pool.close();
    },
  };
}
