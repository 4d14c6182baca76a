// @ts-check
// Publishing to Nostr relays without saying who publishes (DESIGN.md §12).
//
// The socket that reads our mail subscribes to our mailbox address and may
// authenticate as it (net/mailbox-relays.js). Anything published on that
// socket would be tied to us by the relay, exactly and without looking at
// IP addresses: who we mail, which wraps are our own history, that the
// profile key is ours, when we read our mail (the deletions). So nothing is
// ever published there. The courier carries each event instead on a
// connection of its own: opened after a random delay, carrying a small batch
// of events (or one alone), closed as soon as the relay answered them, and
// never subscribing or authenticating as anything of ours (a relay that asks
// for NIP-42 before it takes an event gets a throw-away key's answer).
// One connection at a time per relay, in the order events were queued: what
// was sent first is on the relay first (an invitation before the group
// message it opens). A backlog goes connection after connection at once;
// only the first waits.
//
// What a relay still sees: the IP address of each connection and its time,
// which a relay can correlate with the reading socket (docs/threat-model.md).
//
// Politeness: a relay's NIP-11 `max_message_length` is read once (events
// larger are not sent to it); "rate-limited:" pauses that relay for a short,
// growing while and what it refused goes again as soon as the pause ends; a
// relay that cannot be reached is retried with backoff, what waited for it
// kept (bounded). One relay never holds up another.

import {
  afterFailure,
  failedUntil,
  LINGER_MS,
  MAX_BATCH,
  MAX_QUEUED,
  newEntry,
  newRelay,
  nextBatch,
  rateLimitedUntil,
  readRelayMessage,
  refusalKind,
  relayStatus,
  settle,
  tripWait,
} from './courier-state.js';

// The bookkeeping and decisions live in net/courier-state.js; these stay part of the courier's API.
export { refusalKind };

/** How long a connection may take to open and get its events answered. */
export const TRIP_TIMEOUT_MS = 8_000;
/** The random wait before a connection opens. */
export const DELAY_MS = Object.freeze({ min: 200, max: 2_000 });

/** A random delay before a connection opens. */
export const randomDelay = () => DELAY_MS.min + Math.random() * (DELAY_MS.max - DELAY_MS.min);

/**
 * @typedef {import('./courier-state.js').NostrEvent} NostrEvent
 * @typedef {import('./courier-state.js').Item} Item
 * @typedef {import('./courier-state.js').Relay} Relay
 */

/**
 * relayInfo(url) → the relay's limits ({maxMessage}) or null; signAuth({relay,
 * challenge}) → a NIP-42 event by a throw-away key (null: never answer);
 * onStatus(); onReachable(url): a relay took events again after failing;
 * delay() → ms before a connection opens; openSocket(url) → a WebSocket;
 * canTry(url) → whether to try a connection now (false: another socket to
 * that relay is known to be down; `reachable(url)` says when it is up);
 * answerWaitMs: how long a publication waits for its relays' answers at most.
 */
export function createCourier({
  relayInfo = /** @type {(url: string) => Promise<{maxMessage: number | null} | null>} */ (async () => null),
  signAuth = /** @type {((args: {relay: string, challenge: string}) => Promise<NostrEvent>) | null} */ (null),
  onStatus = /** @type {(() => void) | null} */ (null),
  onReachable = /** @type {((url: string) => void) | null} */ (null),
  delay = randomDelay,
  openSocket = (/** @type {string} */ url) => new WebSocket(url),
  answerWaitMs = DELAY_MS.max + 2 * TRIP_TIMEOUT_MS,
  canTry = /** @type {(url: string) => boolean} */ (() => true),
} = {}) {
  /** @type {Map<string, Relay>} */
  const relays = new Map();
  /** @type {Set<WebSocket>} */
  const sockets = new Set();
  let closed = false;

  function stateOf(/** @type {string} */ url) {
    if (!relays.has(url)) relays.set(url, newRelay());
    return /** @type {Relay} */ (relays.get(url));
  }

  /** A relay's NIP-11 limits, read once it proved reachable (no requests to dead hosts). */
  function askInfo(/** @type {string} */ url, /** @type {Relay} */ relay) {
    if (relay.infoAsked) return;
    relay.infoAsked = true;
    relayInfo(url)
      .then((info) => {
        if (info && relays.get(url) === relay) relay.maxMessage = info.maxMessage;
      })
      .catch(() => {});
  }

  function note(/** @type {Relay} */ relay, /** @type {string} */ text) {
    relay.lastError = text.slice(0, 200);
    relay.lastErrorAt = Date.now();
    onStatus?.();
  }

  /**
   * Starts a connection to `url` after `wait` (a random delay, unless it
   * goes on with a backlog), if it has work and none is open; a connection
   * still open (lingering after its answers) takes the work itself.
   */
  function schedule(/** @type {string} */ url, /** @type {number | null} */ wait = null) {
    const relay = relays.get(url);
    if (closed || !relay || !relay.queue.length) return;
    if (relay.active) {
      relay.active.more();
      return;
    }
    if (relay.timer) return;
    // Known to be down another way: no connection attempt (each failed one
    // makes the browser slow down every WebSocket of the page); reachable() resumes.
    if (!canTry(url)) return;
    relay.timer = setTimeout(
      () => {
        relay.timer = null;
        trip(url, relay);
      },
      tripWait(relay, wait, Date.now(), delay),
    );
  }

  /**
   * One connection: open, send what is queued (a batch, or one event that
   * travels alone), wait for every answer (bounded); then linger a moment
   * for what a caller publishes right after (a serial publisher pays one
   * connection, not one delay per event), and close.
   */
  function trip(/** @type {string} */ url, /** @type {Relay} */ relay) {
    if (closed || relays.get(url) !== relay || !relay.queue.length || relay.active) return;
    /** @type {Map<string, Item>} event id -> item, until the relay answers */
    const open = new Map();
    /** @type {string | null} */
    let challenge = null;
    /** @type {Promise<void> | null} our AUTH on its way, once asked for */
    let authSent = null;
    /** ids the relay refused for want of AUTH once (sent again after it) */
    const authRefused = new Set();
    let opened = false;
    let finished = false;
    let carried = 0;
    let carriedAlone = false;
    /** @type {string | null} the group of what this connection carries */
    let group = null;
    /** @type {any} */
    let linger = null;
    /** @type {WebSocket} */
    let ws;
    try {
      ws = openSocket(url);
    } catch (error) {
      giveUp(url, relay, [], false);
      fail(url, relay, `invalid address: ${/** @type {Error} */ (error).message}`);
      return;
    }
    sockets.add(ws);
    let timer = setTimeout(() => finish(opened ? 'the relay did not answer in time' : 'could not connect'), TRIP_TIMEOUT_MS);
    relay.active = { more };

    /** Sends what is queued, as far as this connection may carry it. */
    function more() {
      if (!opened || finished || carriedAlone) return;
      const batch = nextBatch(relay.queue, { carried, group, maxMessage: relay.maxMessage });
      relay.queue.splice(0, batch.taken);
      ({ carried, group } = batch);
      carriedAlone = batch.alone;
      for (const item of batch.refused) settle(item.entry, url, false); // this relay never takes it
      for (const item of batch.send) {
        open.set(item.event.id, item);
        ws.send(JSON.stringify(['EVENT', item.event]));
      }
      if (batch.send.length) {
        clearTimeout(linger);
        linger = null;
        clearTimeout(timer);
        timer = setTimeout(() => finish('the relay did not answer in time'), TRIP_TIMEOUT_MS);
      }
      settled();
    }

    /** Every answer is in: linger for more, or close (full, alone, or nothing came). */
    function settled() {
      if (finished || open.size) return;
      if (carriedAlone || carried >= MAX_BATCH || relay.queue.length) {
        finish(null);
        return;
      }
      if (!linger) linger = setTimeout(() => finish(null), LINGER_MS);
    }

    function finish(/** @type {string | null} */ problem) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(linger);
      sockets.delete(ws);
      relay.active = null;
      if (opened) relay.lastTripAt = Date.now();
      try {
        ws.close();
      } catch {
        // already closing
      }
      // What got no answer waits for the next connection, and whoever waits
      // for it hears now that this relay did not take it.
      const unanswered = [...open.values()];
      if (problem && (unanswered.length || !opened)) {
        giveUp(url, relay, unanswered, opened);
        trimQueue(url, relay);
        fail(url, relay, problem);
        return;
      }
      relay.failures = 0;
      schedule(url, 0); // the backlog goes on at once
    }

    ws.onopen = () => {
      opened = true;
      askInfo(url, relay);
      const recovered = relay.failures > 0;
      relay.failures = 0;
      more();
      if (recovered) onReachable?.(url);
      onStatus?.();
    };
    ws.onmessage = (message) => {
      const said = readRelayMessage(message.data);
      if (said?.type === 'AUTH') challenge = said.challenge;
      if (said?.type === 'NOTICE') note(relay, `relay says: ${said.text}`);
      if (said?.type !== 'OK') return;
      const { id, kind, reason } = said;
      const item = open.get(id);
      if (!item) return;
      if (kind === 'auth-required' && challenge && signAuth && !authRefused.has(id)) {
        // Authenticate this throw-away connection as nobody of ours, then
        // send again what it refused (a second refusal is final).
        authRefused.add(id);
        authSent ??= signAuth({ relay: url, challenge }).then((auth) => {
          if (!finished) ws.send(JSON.stringify(['AUTH', auth]));
        });
        authSent.then(
          () => !finished && open.has(id) && ws.send(JSON.stringify(['EVENT', item.event])),
          () => finish('could not authenticate'),
        );
        return;
      }
      open.delete(id);
      if (kind === 'rate-limited') {
        // Not refused for good: it goes again once the pause is over, on a
        // later connection (this one carries nothing more).
        relay.queue.unshift(item);
        pause(relay, reason);
        carriedAlone = true;
      } else if (kind === 'ok' || kind === 'duplicate') {
        relay.pauses = 0;
        relay.lastOkAt = Date.now();
        settle(item.entry, url, true);
      } else {
        note(relay, `relay says: ${String(reason)}`);
        settle(item.entry, url, false);
      }
      settled();
    };
    ws.onerror = () => {}; // a close follows, which says what happened
    ws.onclose = () => finish(opened ? 'the relay closed the connection before answering' : 'could not connect');
  }

  function pause(/** @type {Relay} */ relay, /** @type {unknown} */ reason) {
    relay.pausedUntil = rateLimitedUntil(Date.now(), relay.pauses++);
    note(relay, `relay says: ${String(reason)}`);
  }

  function fail(/** @type {string} */ url, /** @type {Relay} */ relay, /** @type {string} */ problem) {
    relay.failures += 1;
    relay.pausedUntil = failedUntil(Date.now(), relay.pausedUntil, relay.failures);
    note(relay, problem);
    schedule(url);
  }

  /** A connection failed: what it leaves waits for the next one, and nobody waits for this relay's answer to it (net/courier-state.js afterFailure). */
  function giveUp(/** @type {string} */ url, /** @type {Relay} */ relay, /** @type {Item[]} */ unanswered, /** @type {boolean} */ opened) {
    const after = afterFailure(relay.queue, unanswered, opened);
    for (const item of after.givenUp) settle(item.entry, url, false);
    relay.queue = after.queue;
  }

  /** Beyond MAX_QUEUED, the events at the back of the queue are dropped (the last first), and nobody waits for them here. */
  function trimQueue(/** @type {string} */ url, /** @type {Relay} */ relay) {
    for (const dropped of relay.queue.splice(MAX_QUEUED).reverse()) settle(dropped.entry, url, false);
  }

  return {
    /**
     * Publishes `event` to `urls`, each on a connection of the courier's own.
     * Resolves to the first relay that accepted it (as a list), or to none
     * once each said no or after a bounded wait; the other relays still get
     * it, and one that could not be reached gets it later (bounded queue). `group`: only events of one group share a connection
     * (what would tell the relay something if seen together is kept apart:
     * our own history and profile records from mail to contacts). `alone`:
     * the event shares its connection with nothing (a deletion, which would
     * link the wraps of one batch).
     */
    publish(/** @type {NostrEvent} */ event, /** @type {string[]} */ urls, { alone = false, group = 'mail' } = {}) {
      const targets = [...new Set(urls)];
      if (closed || !targets.length) return Promise.resolve(/** @type {string[]} */ ([]));
      return new Promise((resolve) => {
        const entry = newEntry(event, targets, (accepted) => {
          clearTimeout(bound);
          resolve(accepted);
        });
        const bound = setTimeout(entry.done, answerWaitMs);
        for (const url of targets) {
          const relay = stateOf(url);
          if (relay.queue.some((item) => item.event.id === event.id)) {
            settle(entry, url, false);
            continue;
          }
          // A relay that could not be reached lately gets it when it can;
          // nobody waits for its answer meanwhile.
          const down = relay.failures > 0 || !canTry(url);
          relay.queue.push({ event, alone, group, entry: down ? null : entry });
          if (down) settle(entry, url, false);
          trimQueue(url, relay);
          schedule(url);
        }
      });
    },

    /** Forgets relays not in `urls` (what waited for them is dropped). */
    keepOnly(/** @type {string[]} */ urls) {
      const wanted = new Set(urls);
      for (const [url, relay] of relays) {
        if (wanted.has(url) || relay.active) continue;
        clearTimeout(relay.timer);
        for (const item of relay.queue) settle(item.entry, url, false);
        relays.delete(url);
      }
    },

    /** Each relay written to: queued events, pause, last error and success. */
    status: () => [...relays].map(([url, relay]) => relayStatus(url, relay, Date.now())),

    /**
     * `url` proved reachable another way (our reading socket to it just
     * opened): what waits for it goes now, and it counts as up again.
     */
    reachable(/** @type {string} */ url) {
      const relay = relays.get(url);
      if (!relay) return;
      relay.failures = 0;
      relay.pausedUntil = 0;
      clearTimeout(relay.timer);
      relay.timer = null;
      schedule(url, 0);
    },

    /** A relay that failed is tried again now (network back, machine awake). */
    wake() {
      for (const [url, relay] of relays) {
        if (!relay.failures) continue;
        relay.pausedUntil = 0;
        clearTimeout(relay.timer);
        relay.timer = null;
        schedule(url);
      }
    },

    close() {
      closed = true;
      for (const [url, relay] of relays) {
        clearTimeout(relay.timer);
        for (const item of relay.queue) settle(item.entry, url, false);
      }
      for (const ws of sockets) ws.close();
    },
  };
}
