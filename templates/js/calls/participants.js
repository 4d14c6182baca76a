// @ts-check
// One participant of a call, as a state machine with an explicit transition
// table: every state change of calls.js goes through transition(), fed by
// call messages from the peer and by events of its session.
//
//   ringing ──accept/here──▶ joined ──lost──▶ reconnecting ──back──▶ joined
//      │                       │                   │
//      ├─decline──▶ declined   ├─hangup/goodbye─▶ left ◀──expire/hangup/goodbye
//      ├─busy─────▶ busy       │
//      └─timeout──▶ no-answer  └─(accept again after a reload: joined)

/**
 * @typedef {'ringing' | 'joined' | 'reconnecting' | 'declined' | 'busy' | 'left' | 'no-answer'} ParticipantState
 * @typedef {'accept' | 'here' | 'decline' | 'busy' | 'hangup' | 'lost' | 'back' | 'expire' | 'goodbye' | 'timeout'} ParticipantEvent
 */

/** Events: accept/here (they are in), decline, busy, hangup (or cancel),
 *  lost (their session dropped), back (a new session), expire (the grace to
 *  come back ran out), goodbye (their tab said so), timeout (never answered). */
/** @type {Readonly<Record<ParticipantState, Readonly<Record<ParticipantEvent, ParticipantState>>>>} */
export const TRANSITIONS = Object.freeze({
  ringing: Object.freeze({
    accept: 'joined',
    here: 'joined',
    decline: 'declined',
    busy: 'busy',
    hangup: 'left',
    lost: 'ringing',
    back: 'ringing',
    expire: 'ringing',
    goodbye: 'ringing',
    timeout: 'no-answer',
  }),
  joined: Object.freeze({
    accept: 'joined',
    here: 'joined',
    decline: 'joined',
    busy: 'joined',
    hangup: 'left',
    lost: 'reconnecting',
    back: 'joined',
    expire: 'joined',
    goodbye: 'left',
    timeout: 'joined',
  }),
  reconnecting: Object.freeze({
    accept: 'joined',
    here: 'joined',
    decline: 'reconnecting',
    busy: 'reconnecting',
    hangup: 'left',
    lost: 'reconnecting',
    back: 'joined',
    expire: 'left',
    goodbye: 'left',
    timeout: 'reconnecting',
  }),
  declined: Object.freeze({
    accept: 'joined',
    here: 'declined',
    decline: 'declined',
    busy: 'declined',
    hangup: 'declined',
    lost: 'declined',
    back: 'declined',
    expire: 'declined',
    goodbye: 'declined',
    timeout: 'declined',
  }),
  busy: Object.freeze({
    accept: 'joined',
    here: 'busy',
    decline: 'busy',
    busy: 'busy',
    hangup: 'busy',
    lost: 'busy',
    back: 'busy',
    expire: 'busy',
    goodbye: 'busy',
    timeout: 'busy',
  }),
  left: Object.freeze({
    accept: 'joined',
    here: 'left',
    decline: 'left',
    busy: 'left',
    hangup: 'left',
    lost: 'left',
    back: 'left',
    expire: 'left',
    goodbye: 'left',
    timeout: 'left',
  }),
  'no-answer': Object.freeze({
    accept: 'joined',
    here: 'joined',
    decline: 'declined',
    busy: 'busy',
    hangup: 'left',
    lost: 'no-answer',
    back: 'no-answer',
    expire: 'no-answer',
    goodbye: 'no-answer',
    timeout: 'no-answer',
  }),
});

/**
 * The state after `event`; throws on a state or event outside the table (a
 * programming error: peer messages are parsed into known events first).
 * @param {ParticipantState} state @param {ParticipantEvent} event @returns {ParticipantState}
 */
export function transition(state, event) {
  const next = TRANSITIONS[state]?.[event];
  if (!next) throw new Error(`calls: no transition from ${state} on ${event}`);
  return next;
}

/** Whether a participant in `state` is part of the media mesh. @param {ParticipantState} state */
export const inCall = (state) => state === 'joined' || state === 'reconnecting';
