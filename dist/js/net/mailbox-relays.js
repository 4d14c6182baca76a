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
import { createEvents } from '../core/events.js';
import { authTransition, connected, createRelayState, forgetRelay, isPaused, subscriptionTransition } from './relay-state.js';
import { authMessage, closeOlderPage, interpretMessage, mailboxRequest, olderPageRequest, profileRequest } from './relay-messages.js';
import { MAX_PAGES, countForPage, createCatchUp, emptyPage, movesCursor, olderPageUntil } from './catch-up.js';

export { refusalKind };
export { MAX_PAGES };

/** Wraps' created_at go back up to two days (worker/src/web/bindings/mailbox.rs), plus an hour of clock skew. */
export const CATCH_UP_MARGIN_S = 2 * 24 * 3600 + 3600;
/** A stored wrap dated later than this after a catch-up began is ignored by it (clock skew allowance). */
export const FUTURE_MARGIN_S = 15 * 60;
/** Wraps one catch-up hands over to be opened, at most (each costs a Schnorr check, an ECDH and an AES-GCM). */
export const MAX_CATCH_UP_WRAPS = 20_000;
/** Ids of wraps that did not open, remembered so that no catch-up pays for them twice. */
const MAX_JUNK_IDS = 50_000;
/** A page not answered (EOSE) within this long ends the catch-up without moving the cursor. */
const PAGE_TIMEOUT_MS = 20_000;
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
 * @typedef {import('../core/crypto-client.js').NostrEvent} NostrEvent
 * @typedef {import('./relay-state.js').RelayState} RelayState
 * @typedef {{ url: string, state: string, lastError: string | null, lastErrorAt: number | null, send: (value: unknown) => boolean }} Endpoint
 * @typedef {{ url: string, queued: number, sending: boolean, pausedUntil: number, lastError: string | null, lastErrorAt: number | null,
 *   lastOkAt: number | null, maxMessage: number | null }} CourierStatus
 */

/**
 * What the relays say happened, by name (net/mailbox-relays.js emits,
 * chat/mailbox.js listens): 'profile-record' — a record of our roaming
 * profile came from a relay we read from (`event` as the relay sent it,
 * unchecked); 'relay-open' — our reading socket to `url` (re)connected (it
 * is asked for our mail again); 'reachable' — `url` took what the courier
 * publishes again after failing (what no relay took may go now);
 * 'status-changed' — something status() reports may have changed.
 * @typedef {{ 'profile-record': { event: unknown }, 'relay-open': { url: string }, 'reachable': { url: string }, 'status-changed': {} }} MailboxRelayEventMap
 */

/**
 * Each relay's line of status(): those we read from first (`reading`, the
 * socket pool's endpoints, with what we know of each in `relays`), then
 * those we only write to; what the courier says of each (`written`) fills
 * in its queue, pause and limit, and its last error when that is newer.
 * @param {Array<{url: string, lastError: string | null, lastErrorAt: number | null}>} reading
 * @param {CourierStatus[]} written @param {Map<string, RelayState>} relays @param {number} now
 */
function statusRows(reading, written, relays, now) {
  const sent = new Map(written.map((c) => [c.url, c]));
  const read = reading.map((endpoint) => {
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
      pausedUntil: Math.max(isPaused(state, now) ? (state?.pausedUntil ?? 0) : 0, out?.pausedUntil ?? 0),
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
  return [...read, ...writing];
}

/**
 * The reading of each relay's mailbox subscription (the file's header says
 * how): hands the wraps it sends to onEvent, in order; pages back through
 * what it held; and once a catch-up is complete, tells onCaughtUp and moves
 * the relay's cursor. `relays`: the per-relay states it shares with
 * createMailboxRelays (their chain, askedAt and catchUp are its own).
 * @param {{ relays: Map<string, RelayState>, mailboxKey: string, cursors: { set: (url: string, seconds: number) => void },
 *   onEvent: (event: unknown, url: string, live: boolean) => Promise<unknown>, onCaughtUp: ((url: string) => unknown) | undefined,
 *   budget: number, pageTimeoutMs: number }} options
 */
function createReader({ relays, mailboxKey, cursors, onEvent, onCaughtUp, budget, pageTimeoutMs }) {
  /** ids of wraps that did not open (junk), oldest first */
  const junk = new Set();

  /**
   * A wrap from `relay`: a live one is handled at once; a stored one counts
   * for its page first, and is handled only if it is within the catch-up's
   * bounds and budget, and not known junk.
   */
  function handleEvent(/** @type {RelayState} */ relay, /** @type {unknown} */ event, /** @type {boolean} */ isLive) {
    const { id } = /** @type {{id?: unknown}} */ (event ?? {});
    if (typeof id !== 'string') return;
    const catchUp = isLive ? null : relay.catchUp;
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
    relay.chain = relay.chain
      .then(() => onEvent(event, relay.url, isLive))
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
  }

  /** The relay sent all it holds for our subscription, which is now live: ask for an older page, or finish. */
  function endOfStored(/** @type {Endpoint} */ endpoint) {
    const relay = relays.get(endpoint.url);
    if (!relay || relay.askedAt === null) return;
    relay.subscription = subscriptionTransition(relay.subscription, 'stored-end');
    nextPageOrFinish(endpoint, relay.askedAt);
  }

  function endOfPage(/** @type {Endpoint} */ endpoint) {
    endpoint.send(closeOlderPage());
    const relay = relays.get(endpoint.url);
    const catchUp = relay?.catchUp;
    // Only the page this catch-up asked for (a resubscription starts another).
    if (!relay || !catchUp?.pageTimer) return;
    clearTimeout(catchUp.pageTimer);
    catchUp.pageTimer = null;
    if (relay.askedAt !== null) nextPageOrFinish(endpoint, relay.askedAt);
  }

  /** A relay refusing a third subscription: what it gave is kept, the rest waits for the next catch-up. */
  function pageClosed(/** @type {Endpoint} */ endpoint) {
    if (relays.get(endpoint.url)?.catchUp?.pageTimer) finishCatchUp(endpoint.url, null);
  }

  /**
   * The catch-up on `url` is over: once everything it brought has been
   * handled, the mailbox hears so, and the cursor moves to `asked` — unless
   * the catch-up may not move it (net/catch-up.js movesCursor), or was cut
   * short (null: it stays, and the next catch-up asks again).
   */
  function finishCatchUp(/** @type {string} */ url, /** @type {number | null} */ asked) {
    const relay = relays.get(url);
    const catchUp = relay?.catchUp;
    clearTimeout(catchUp?.pageTimer);
    if (relay) relay.catchUp = null;
    (relay?.chain ?? Promise.resolve())
      .then(() => onCaughtUp?.(url))
      .then(() => {
        if (asked === null || !catchUp || !movesCursor(catchUp)) return;
        cursors.set(url, asked);
      })
      .catch(() => {});
  }

  function nextPageOrFinish(/** @type {Endpoint} */ endpoint, /** @type {number} */ asked) {
    const catchUp = relays.get(endpoint.url)?.catchUp;
    if (!catchUp) return finishCatchUp(endpoint.url, asked);
    const until = olderPageUntil(catchUp);
    if (until === null) return finishCatchUp(endpoint.url, asked);
    catchUp.pages += 1;
    catchUp.page = emptyPage(until);
    catchUp.pageTimer = setTimeout(() => relays.get(endpoint.url)?.catchUp === catchUp && finishCatchUp(endpoint.url, null), pageTimeoutMs);
    endpoint.send(olderPageRequest(mailboxKey, catchUp.since, until));
  }

  return { handleEvent, endOfStored, endOfPage, pageClosed };
}

/**
 * mailboxKey: ours (x-only hex). cursors: {get(url) → seconds | undefined,
 * set(url, seconds)} (persisted by the caller). retentionS(): how far back a
 * first catch-up looks. onEvent(event, url, live) → Promise<boolean |
 * 'unverified' | void> (resolves once the event is handled: to false when it
 * was not a wrap that opened for us, or its seal failed — junk, never opened
 * again; to 'unverified' when its seal waits for a sender not known yet;
 * `live` is false while the relay is still sending what it held). onCaughtUp(url): that relay sent everything it held, and it was
 * handled. authenticate({relay, challenge}) → a signed NIP-42
 * event (by our mailbox key). signAuth({relay, challenge}) → one by a
 * throw-away key (for relays that want AUTH before they take an event from
 * the courier). relayInfo(url) → its NIP-11 document or null (default:
 * fetched over http(s)). profileAuthor (hex): our roaming profile's records
 * are fetched whole at every (re)connection (a relay keeps only the latest
 * of each) and said as 'profile-record'. pageTimeoutMs: how long an older
 * page may go unanswered. courier: options for net/courier.js (a test's
 * delays and sockets). budget: wraps one catch-up hands over at most.
 * What happens is said on `events` (MailboxRelayEventMap).
 * (onEvent's outcome is read only for false and 'unverified': anything else is handled.)
 * @param {{
 *   mailboxKey: string, cursors: { get: (url: string) => number | undefined, set: (url: string, seconds: number) => void }, retentionS: () => number,
 *   onEvent: (event: unknown, url: string, live: boolean) => Promise<unknown>, onCaughtUp: (url: string) => void,
 *   authenticate: (args: { relay: string, challenge: string }) => Promise<NostrEvent>,
 *   signAuth?: ((args: { relay: string, challenge: string }) => Promise<NostrEvent>) | null, relayInfo?: (url: string) => Promise<unknown>,
 *   profileAuthor?: string | null, pageTimeoutMs?: number, courier?: Parameters<typeof createCourier>[0], budget?: number,
 * }} options
 */
export function createMailboxRelays({
  mailboxKey,
  cursors,
  retentionS,
  onEvent,
  onCaughtUp,
  authenticate,
  signAuth = /** @type {((args: {relay: string, challenge: string}) => Promise<NostrEvent>) | null} */ (null),
  relayInfo = fetchRelayInfo,
  profileAuthor = /** @type {string | null} */ (null),
  pageTimeoutMs = PAGE_TIMEOUT_MS,
  courier: courierOptions = {},
  budget = MAX_CATCH_UP_WRAPS,
}) {
  /** @type {import('../core/events.js').Events<MailboxRelayEventMap>} */
  const events = createEvents();
  const statusChanged = () => events.emit('status-changed', {});
  /** @type {Set<string>} relays we read our mail from (the others are only written to) */
  let inbox = new Set();
  /**
   * @type {Map<string, RelayState>} each relay we read from, and each we
   * did (what it had in progress goes on: net/relay-state.js forgetRelay)
   */
  const relays = new Map();
  /** @type {Map<string, string>} id of an AUTH event we sent -> its relay */
  const authSent = new Map();
  /** @type {Map<string, Promise<any>>} url -> its NIP-11 document, read once for both sides */
  const infos = new Map();
  const infoOf = (/** @type {string} */ url) => {
    let info = infos.get(url);
    if (!info) infos.set(url, (info = relayInfo(url).catch(() => null)));
    return info;
  };

  const courier = createCourier({
    relayInfo: async (url) => {
      const info = await infoOf(url);
      return info ? { maxMessage: parseRelayInfo(info).maxMessage } : null;
    },
    signAuth,
    onStatus: statusChanged,
    onReachable: (url) => events.emit('reachable', { url }),
    // A relay we read from is tried only while our reading socket to it is
    // open: a dead one is not tried twice over (its reopening resumes the courier).
    canTry: (url) => !inbox.has(url) || pool.open().some((/** @type {Endpoint} */ e) => e.url === url),
    ...courierOptions,
  });

  function stateOf(/** @type {string} */ url) {
    let relay = relays.get(url);
    if (!relay) relays.set(url, (relay = createRelayState(url)));
    return relay;
  }

  const paused = (/** @type {string} */ url) => isPaused(relays.get(url), Date.now());

  /** The relay said "rate-limited" to our subscription: leave it alone for a growing while, then resume. */
  function pause(/** @type {Endpoint} */ endpoint) {
    const relay = stateOf(endpoint.url);
    const delay = backoffDelay(relay.pauses++, { baseMs: 5_000, maxMs: 10 * 60_000 });
    relay.pausedUntil = Date.now() + delay;
    clearTimeout(relay.timer);
    relay.timer = setTimeout(() => {
      relay.pausedUntil = 0; // timers may fire a hair before the clock says so
      const current = pool.open().find((/** @type {Endpoint} */ e) => e.url === endpoint.url);
      if (!current) return; // it reconnects (and resubscribes) on its own
      if (relay.subscription === 'paused') subscribe(current);
      statusChanged();
    }, delay);
    statusChanged();
  }

  function subscribe(/** @type {Endpoint} */ endpoint) {
    if (!inbox.has(endpoint.url)) return;
    const relay = stateOf(endpoint.url);
    const now = Math.floor(Date.now() / 1000);
    const cursor = cursors.get(endpoint.url);
    const since = cursor === undefined ? now - retentionS() : Math.max(0, cursor - CATCH_UP_MARGIN_S);
    relay.askedAt = now;
    clearTimeout(relay.catchUp?.pageTimer);
    relay.catchUp = createCatchUp({ since, upper: now + FUTURE_MARGIN_S });
    relay.subscription = subscriptionTransition(relay.subscription, 'ask');
    endpoint.send(mailboxRequest(mailboxKey, since));
    if (profileAuthor) endpoint.send(profileRequest(profileAuthor));
  }

  /** Answers the relay's challenge with our mailbox key (relays we read from only). */
  async function authenticateTo(/** @type {Endpoint} */ endpoint) {
    const relay = stateOf(endpoint.url);
    if (!inbox.has(endpoint.url) || !authenticate || !relay.challenge || relay.auth === 'pending') return;
    relay.auth = authTransition(relay.auth, 'answering');
    try {
      const event = await authenticate({ relay: endpoint.url, challenge: relay.challenge });
      authSent.set(event.id, endpoint.url);
      endpoint.send(authMessage(event));
    } catch (error) {
      relay.auth = authTransition(relay.auth, 'refused');
      note(endpoint, `could not authenticate: ${/** @type {Error} */ (error).message}`);
    }
    statusChanged();
  }

  /** The relay answered the AUTH event `id` (ignored unless it is one we sent it). */
  function answered(/** @type {Endpoint} */ endpoint, /** @type {string} */ id, /** @type {boolean} */ ok, /** @type {unknown} */ message) {
    if (authSent.get(id) !== endpoint.url) return;
    authSent.delete(id);
    const relay = stateOf(endpoint.url);
    relay.auth = authTransition(relay.auth, ok ? 'accepted' : 'refused');
    if (!ok) {
      note(endpoint, message);
      return;
    }
    if (relay.subscription === 'waiting-auth') subscribe(endpoint);
    statusChanged();
  }

  function subscriptionClosed(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ reason) {
    const relay = stateOf(endpoint.url);
    const kind = refusalKind(reason);
    if (kind === 'auth-required' && inbox.has(endpoint.url) && relay.authRetries++ < MAX_AUTH_RETRIES) {
      relay.subscription = subscriptionTransition(relay.subscription, 'auth-required');
      // The challenge may come before or after this CLOSED; with it known, answer now.
      if (relay.auth === 'ok') subscribe(endpoint);
      else authenticateTo(endpoint);
    } else if (kind === 'rate-limited') {
      relay.subscription = subscriptionTransition(relay.subscription, 'rate-limited');
      pause(endpoint);
    } else {
      relay.subscription = subscriptionTransition(relay.subscription, 'closed');
    }
    note(endpoint, reason);
  }

  function note(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ text) {
    endpoint.lastError = `relay says: ${String(text).slice(0, 200)}`;
    endpoint.lastErrorAt = Date.now();
    statusChanged();
  }

  const reader = createReader({ relays, mailboxKey, cursors, onEvent, onCaughtUp, budget, pageTimeoutMs });

  const pool = createSocketPool({
    onOpen(/** @type {Endpoint} */ endpoint) {
      // Its NIP-11 limits, read once it proved reachable (no requests to dead hosts).
      const known = stateOf(endpoint.url);
      infoOf(endpoint.url).then((info) => {
        if (info && relays.get(endpoint.url) === known) {
          known.maxMessage = parseRelayInfo(info).maxMessage;
          statusChanged();
        }
      });
      connected(known);
      if (paused(endpoint.url)) known.subscription = subscriptionTransition(known.subscription, 'rate-limited');
      else subscribe(endpoint);
      // Reachable again: what the courier keeps for it goes now, not after its backoff.
      courier.reachable(endpoint.url);
      events.emit('relay-open', { url: endpoint.url });
    },
    onMessage(/** @type {Endpoint} */ endpoint, /** @type {unknown} */ message) {
      const said = interpretMessage(message);
      const reads = inbox.has(endpoint.url);
      if (said?.type === 'wrap' && reads) {
        const relay = stateOf(endpoint.url);
        reader.handleEvent(relay, said.event, relay.subscription === 'live');
      } else if (said?.type === 'profile-record' && reads) events.emit('profile-record', { event: said.event });
      else if (said?.type === 'older-wrap' && reads) reader.handleEvent(stateOf(endpoint.url), said.event, false);
      else if (said?.type === 'stored-end') reader.endOfStored(endpoint);
      else if (said?.type === 'page-end') reader.endOfPage(endpoint);
      else if (said?.type === 'ok') answered(endpoint, said.id, said.accepted, said.message);
      else if (said?.type === 'notice') note(endpoint, said.text);
      else if (said?.type === 'closed') subscriptionClosed(endpoint, said.reason);
      else if (said?.type === 'page-closed') {
        note(endpoint, said.reason);
        reader.pageClosed(endpoint);
      } else if (said?.type === 'challenge') {
        // A new challenge: what we answered before no longer counts (unless an answer is on its way).
        const relay = stateOf(endpoint.url);
        relay.challenge = said.challenge;
        relay.auth = authTransition(relay.auth, 'challenged');
        authenticateTo(endpoint);
      }
    },
    onStatus: statusChanged,
  });

  return {
    /** What happens on the relays, by name (MailboxRelayEventMap). */
    events: { on: events.on },

    /** Reads mail from `own` relays; publishing goes to them and to `extra` ones (where contacts read theirs). */
    setUrls(/** @type {string[]} */ own, /** @type {string[]} */ extra = []) {
      inbox = new Set(own);
      for (const [url, relay] of relays) {
        if (inbox.has(url)) continue;
        clearTimeout(relay.timer);
        relays.set(url, forgetRelay(relay));
      }
      for (const url of own) stateOf(url);
      pool.setUrls(own);
      courier.keepOnly([...new Set([...own, ...extra])]);
    },

    /**
     * Publishes `event` to the relays in `urls` on the courier's
     * connections, never on a reading socket (net/courier.js: what it
     * resolves to, and its options `alone` and `group`).
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
    status: () => statusRows(pool.status(), courier.status(), relays, Date.now()),
    close() {
      for (const relay of relays.values()) clearTimeout(relay.timer);
      courier.close();
      pool.close();
    },
  };
}
