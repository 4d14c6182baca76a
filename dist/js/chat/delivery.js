// @ts-check
// Delivery of one message to one recipient, as a state machine with an
// explicit transition table (DESIGN.md §6):
//
//   queued ──relayed──▶ relayed ──handed──▶ sent ──acked──▶ delivered ──read──▶ read
//      └─────────────────handed─────────────▲
//
// `relayed`: the envelope sits on at least one Nostr relay, wrapped for the
// recipient's mailbox (chat/mailbox.js) — "on relays"; `handed`: it was
// given to an authenticated session; `acked`: the
// recipient stored it durably; `read`: the recipient showed it (read
// receipts). Events that arrive late or out of order never move a recipient
// backwards (an ack after a read receipt stays read). The state of a message
// is the least advanced state of its recipients.

/** @typedef {'queued' | 'relayed' | 'sent' | 'delivered' | 'read'} DeliveryState */
/** @typedef {'relayed' | 'handed' | 'acked' | 'read'} DeliveryEvent */

/** States from least to most advanced. @type {readonly DeliveryState[]} */
export const STATES = Object.freeze(['queued', 'relayed', 'sent', 'delivered', 'read']);

/** @type {Readonly<Record<DeliveryState, Readonly<Record<DeliveryEvent, DeliveryState>>>>} */
export const TRANSITIONS = Object.freeze({
  queued: Object.freeze({ relayed: 'relayed', handed: 'sent', acked: 'delivered', read: 'read' }),
  relayed: Object.freeze({ relayed: 'relayed', handed: 'sent', acked: 'delivered', read: 'read' }),
  sent: Object.freeze({ relayed: 'sent', handed: 'sent', acked: 'delivered', read: 'read' }),
  delivered: Object.freeze({ relayed: 'delivered', handed: 'delivered', acked: 'delivered', read: 'read' }),
  read: Object.freeze({ relayed: 'read', handed: 'read', acked: 'read', read: 'read' }),
});

/**
 * The state after `event`. Throws on a state or event outside the table
 * (a programming error, never peer input).
 * @param {DeliveryState} state @param {DeliveryEvent} event @returns {DeliveryState}
 */
export function transition(state, event) {
  const next = TRANSITIONS[state]?.[event];
  if (!next) throw new Error(`delivery: no transition from ${state} on ${event}`);
  return next;
}

/** Whether a recipient in `state` still needs the envelope sent. @param {DeliveryState} state */
export const pending = (state) => state === 'queued' || state === 'relayed' || state === 'sent';

/**
 * The state of a message from its recipients' states (the least advanced);
 * a message with no recipients (a note to oneself) counts as delivered.
 * @param {DeliveryState[]} states @returns {DeliveryState}
 */
export function messageState(states) {
  if (!states.length) return 'delivered';
  return STATES[Math.min(...states.map((s) => STATES.indexOf(s)))];
}

/** @typedef {DeliveryState | 'failed'} ShownState  what a device of ours shows for our message */

/** Delivery states a device shows for our message that another device sent, by how far along they are. */
const SHOWN_RANK = Object.freeze({ failed: 0, queued: 1, sent: 2, relayed: 2, delivered: 3, read: 4 });

/** Whether `state` is one a device of ours may show (chat/mirror.js takes only these from another device). @returns {state is ShownState} */
export const isShownState = (/** @type {unknown} */ state) => typeof state === 'string' && Object.hasOwn(SHOWN_RANK, state);

/**
 * The further along of two shown states (records may arrive out of order: a
 * tick never goes back); with a tie, the first.
 * @param {ShownState | null | undefined} a @param {ShownState | null | undefined} b
 */
export function laterShownState(a, b) {
  if (!a) return b;
  if (!b) return a;
  const rank = /** @type {Record<string, number>} */ (SHOWN_RANK);
  return rank[b] > rank[a] ? b : a;
}
