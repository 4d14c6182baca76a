// @ts-check
// The lifecycle of one peer session (net/link.js), as an explicit transition
// table: every state change of a link goes through transition().
//
//   connecting ──open──▶ handshake ──verified──▶ verified ──device──▶ ready
//       │                    │                       │                  │
//       └──────close─────────┴─────────close─────────┴──────close───────┴──▶ closed
//
// connecting: the data channel is not open yet. handshake: hello and finish
// are exchanged (worker/src/handshake.rs). verified: the peer proved who it
// is, and its device part (its first sealed frame) is on its way. ready: its
// instance id is whole; messages flow. Nothing leaves closed: whatever
// finishes after a link closed (a handshake step in the worker, a channel
// that opened late) cannot bring it back.

/**
 * @typedef {'connecting' | 'handshake' | 'verified' | 'ready' | 'closed'} LinkState
 * @typedef {'open' | 'verified' | 'device' | 'close'} LinkEvent
 */

/** Events: open (the data channel opened), verified (the handshake finished),
 *  device (the verified peer's device part came), close (the link ends, for any reason). */
/** @type {Readonly<Record<LinkState, Readonly<Partial<Record<LinkEvent, LinkState>>>>>} */
export const TRANSITIONS = Object.freeze({
  connecting: Object.freeze({ open: 'handshake', close: 'closed' }),
  handshake: Object.freeze({ verified: 'verified', close: 'closed' }),
  verified: Object.freeze({ device: 'ready', close: 'closed' }),
  ready: Object.freeze({ close: 'closed' }),
  closed: Object.freeze({}),
});

/**
 * The state after `event`; throws on a transition the table does not allow
 * (a link that closed meanwhile, or a step out of order).
 * @param {LinkState} state @param {LinkEvent} event @returns {LinkState}
 */
export function transition(state, event) {
  const next = Object.hasOwn(TRANSITIONS, state) && Object.hasOwn(TRANSITIONS[state], event) ? TRANSITIONS[state][event] : undefined;
  if (!next) throw new Error(`link: no transition from ${state} on ${event}`);
  return next;
}

/** Whether a link in `state` seals and sends frames (from verified on, our device part goes first). @param {LinkState} state */
export const sealsFrames = (state) => state === 'verified' || state === 'ready';

/**
 * Why a link in `state` closes when a received frame could not be taken
 * (`code`: the error's code): a refused frame says so; a failure during the
 * handshake is the peer's refusal; anything later breaks the protocol.
 * @param {LinkState} state @param {string | undefined} code
 */
export const failureReason = (state, code) => (code === 'frame-rejected' ? 'frame-rejected' : state === 'handshake' ? 'rejected' : 'protocol-error');
