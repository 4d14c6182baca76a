// @ts-check
// Delivery of one message to one recipient, as a state machine with an
// explicit transition table (DESIGN.md §6):
//
//   queued ──handed──▶ sent ──acked──▶ delivered ──read──▶ read
//
// `handed`: the envelope was given to an authenticated session; `acked`: the
// recipient stored it durably; `read`: the recipient showed it (read
// receipts). Events that arrive late or out of order never move a recipient
// backwards (an ack after a read receipt stays read). The state of a message
// is the least advanced state of its recipients.

/** @typedef {'queued' | 'sent' | 'delivered' | 'read'} DeliveryState */
/** @typedef {'handed' | 'acked' | 'read'} DeliveryEvent */

/** States from least to most advanced. @type {readonly DeliveryState[]} */
export const STATES = Object.freeze(['queued', 'sent', 'delivered', 'read']);

/** @type {Readonly<Record<DeliveryState, Readonly<Record<DeliveryEvent, DeliveryState>>>>} */
export const TRANSITIONS = Object.freeze({
  queued: Object.freeze({ handed: 'sent', acked: 'delivered', read: 'read' }),
  sent: Object.freeze({ handed: 'sent', acked: 'delivered', read: 'read' }),
  delivered: Object.freeze({ handed: 'delivered', acked: 'delivered', read: 'read' }),
  read: Object.freeze({ handed: 'read', acked: 'read', read: 'read' }),
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
export const pending = (state) => state === 'queued' || state === 'sent';

/**
 * The state of a message from its recipients' states (the least advanced);
 * a message with no recipients (a note to oneself) counts as delivered.
 * @param {DeliveryState[]} states @returns {DeliveryState}
 */
export function messageState(states) {
  if (!states.length) return 'delivered';
  return STATES[Math.min(...states.map((s) => STATES.indexOf(s)))];
}
