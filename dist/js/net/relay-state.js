// @ts-check
// What the mailbox knows of one relay it reads from, beyond its socket:
// net/mailbox-relays.js keeps one RelayState per relay. Its NIP-42
// authentication and its mailbox subscription are state machines with
// explicit transition tables (in the manner of calls/participants.js); the
// rest is what they need: the relay's challenge, its pause after
// "rate-limited:", its NIP-11 limit, and the reading in progress.
//
// Authentication (one NIP-42 session per connection):
//
//   none ──answering──▶ pending ──accepted──▶ ok
//                          └─────refused───▶ refused
//
// A relay may answer, challenge or be reconnected at any moment, so every
// event is taken in every state, and most lead where they lead from
// anywhere: `connected` (a new connection, a new session) to none,
// `accepted` to ok, `refused` (the relay said no, or we could not sign) to
// refused, `answering` to pending. A new challenge (`challenged`) makes
// what we answered before count for nothing (none) — except while an
// answer is on its way (pending stays: the relay judges it).
//
// Subscription to our mailbox, on the current connection:
//
//   none ──ask──▶ asked ──stored-end──▶ live
//                   └─ CLOSED ─▶ waiting-auth (we answer AUTH, then ask again)
//                              ▶ paused       (rate-limited: asked again later)
//                              ▶ closed       (any other reason)
//
// Here every event leads to the same state from anywhere: what the relay
// said last about the subscription is what holds, and the mailbox asks
// again (`ask`) whenever it reads again — after a pause, after AUTH, on a
// rewind. The table still names each transition, so that one that ought
// not to happen is a one-cell change.

/**
 * @typedef {'none' | 'pending' | 'ok' | 'refused'} AuthState
 * @typedef {'connected' | 'challenged' | 'answering' | 'accepted' | 'refused'} AuthEvent
 * @typedef {'none' | 'asked' | 'live' | 'waiting-auth' | 'paused' | 'closed'} SubscriptionState
 * @typedef {'connected' | 'ask' | 'stored-end' | 'auth-required' | 'rate-limited' | 'closed'} SubscriptionEvent
 * @typedef {import('./catch-up.js').CatchUp} CatchUp
 * @typedef {{
 *   url: string,
 *   maxMessage: number | null,
 *   challenge: string | null,
 *   auth: AuthState,
 *   authRetries: number,
 *   subscription: SubscriptionState,
 *   pausedUntil: number,
 *   pauses: number,
 *   timer: any,
 *   chain: Promise<unknown>,
 *   askedAt: number | null,
 *   catchUp: CatchUp | null,
 * }} RelayState
 *   maxMessage: its NIP-11 `max_message_length`; challenge: its last NIP-42
 *   challenge; authRetries: subscriptions it closed for want of AUTH on this
 *   connection; pausedUntil, pauses, timer: its pause after "rate-limited:"
 *   (how many so far: the next is longer); chain: the events it sent,
 *   handled in order; askedAt: when (seconds) the current subscription was
 *   asked for; catchUp: the catch-up running on it.
 */

/** @type {Readonly<Record<AuthState, Readonly<Record<AuthEvent, AuthState>>>>} */
export const AUTH_TRANSITIONS = Object.freeze({
  none: Object.freeze({ connected: 'none', challenged: 'none', answering: 'pending', accepted: 'ok', refused: 'refused' }),
  pending: Object.freeze({ connected: 'none', challenged: 'pending', answering: 'pending', accepted: 'ok', refused: 'refused' }),
  ok: Object.freeze({ connected: 'none', challenged: 'none', answering: 'pending', accepted: 'ok', refused: 'refused' }),
  refused: Object.freeze({ connected: 'none', challenged: 'none', answering: 'pending', accepted: 'ok', refused: 'refused' }),
});

/** @type {Readonly<Record<SubscriptionState, Readonly<Record<SubscriptionEvent, SubscriptionState>>>>} */
export const SUBSCRIPTION_TRANSITIONS = Object.freeze({
  none: Object.freeze({ connected: 'none', ask: 'asked', 'stored-end': 'live', 'auth-required': 'waiting-auth', 'rate-limited': 'paused', closed: 'closed' }),
  asked: Object.freeze({ connected: 'none', ask: 'asked', 'stored-end': 'live', 'auth-required': 'waiting-auth', 'rate-limited': 'paused', closed: 'closed' }),
  live: Object.freeze({ connected: 'none', ask: 'asked', 'stored-end': 'live', 'auth-required': 'waiting-auth', 'rate-limited': 'paused', closed: 'closed' }),
  'waiting-auth': Object.freeze({
    connected: 'none',
    ask: 'asked',
    'stored-end': 'live',
    'auth-required': 'waiting-auth',
    'rate-limited': 'paused',
    closed: 'closed',
  }),
  paused: Object.freeze({ connected: 'none', ask: 'asked', 'stored-end': 'live', 'auth-required': 'waiting-auth', 'rate-limited': 'paused', closed: 'closed' }),
  closed: Object.freeze({ connected: 'none', ask: 'asked', 'stored-end': 'live', 'auth-required': 'waiting-auth', 'rate-limited': 'paused', closed: 'closed' }),
});

/**
 * `table`'s state after `event`, or a throw for a state or event outside it
 * (a programming error: relay messages are interpreted into known events
 * first, net/relay-messages.js). Own properties only: `toString` is no event.
 * @template {string} S @template {string} E
 * @param {string} name @param {Readonly<Record<S, Readonly<Record<E, S>>>>} table @param {S} state @param {E} event @returns {S}
 */
function step(name, table, state, event) {
  const row = Object.hasOwn(table, state) ? table[state] : null;
  if (!row || !Object.hasOwn(row, event)) throw new Error(`relay ${name}: no transition from ${state} on ${event}`);
  return row[event];
}

/** The authentication state after `event` (throws outside the table). @param {AuthState} state @param {AuthEvent} event */
export const authTransition = (state, event) => step('auth', AUTH_TRANSITIONS, state, event);

/** The subscription state after `event` (throws outside the table). @param {SubscriptionState} state @param {SubscriptionEvent} event */
export const subscriptionTransition = (state, event) => step('subscription', SUBSCRIPTION_TRANSITIONS, state, event);

/** A relay we know nothing of yet. @param {string} url @returns {RelayState} */
export function createRelayState(url) {
  return {
    url,
    maxMessage: null,
    challenge: null,
    auth: 'none',
    authRetries: 0,
    subscription: 'none',
    pausedUntil: 0,
    pauses: 0,
    timer: null,
    chain: Promise.resolve(),
    askedAt: null,
    catchUp: null,
  };
}

/**
 * The state of a relay that left the relays we read from: what we knew of
 * it is forgotten (a new object: answers to what was asked of the old one
 * find it gone), but the reading it had in progress goes on — events
 * already received are still handled in order, and a running catch-up
 * still ends. The caller stops the old one's pause timer.
 * @param {RelayState} relay @returns {RelayState}
 */
export function forgetRelay(relay) {
  return { ...createRelayState(relay.url), chain: relay.chain, askedAt: relay.askedAt, catchUp: relay.catchUp };
}

/** Whether the relay's pause after "rate-limited:" lasts at `now` (ms). @param {RelayState | undefined} relay @param {number} now */
export const isPaused = (relay, now) => (relay?.pausedUntil ?? 0) > now;

/** A new connection: a new NIP-42 session, nothing asked on it yet (its pause and NIP-11 limit stay). @param {RelayState} relay */
export function connected(relay) {
  relay.challenge = null;
  relay.auth = authTransition(relay.auth, 'connected');
  relay.authRetries = 0;
  relay.subscription = subscriptionTransition(relay.subscription, 'connected');
}
