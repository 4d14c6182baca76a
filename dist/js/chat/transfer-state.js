// @ts-check
// A received file's transfer (chat/transfers.js), as a state machine with an
// explicit transition table: every change of a file's state goes through
// transition().
//
//   waiting ──ask/chunk──▶ downloading ──verified──▶ complete
//      ▲                      │  │
//      ├──────unreachable─────┘  ├──mismatch──▶ waiting (someone else is asked)
//      │                         └──exhausted─▶ failed
//      └──unreachable── failed ──ask/chunk──▶ downloading
//
// A file is announced 'waiting'; one of ours is 'complete' from the start.
// 'complete' is final: a file whose chunks matched the root hash its sender
// signed is never fetched or checked again. 'failed' (a bad copy, and nobody
// left to ask) is not final: the user may ask for the file again (a reload
// forgets whom we suspect, and the conversation may have new members), and
// a chunk from someone we do not suspect is still taken. Every state but
// 'complete' takes every event: a copy whose chunks are all here is checked
// whatever the file waited for before (chunks can arrive before the
// announcement, or be found in the store after a reload).

/**
 * @typedef {'waiting' | 'downloading' | 'complete' | 'failed'} TransferState
 * @typedef {'ask' | 'unreachable' | 'chunk' | 'verified' | 'mismatch' | 'exhausted'} TransferEvent
 */

/** The states a file's transfer can be in. @type {readonly TransferState[]} */
export const STATES = Object.freeze(['waiting', 'downloading', 'complete', 'failed']);

/** Events: ask (a member was asked for the chunks we lack), unreachable
 *  (nobody we may ask is reachable now), chunk (a chunk came and was kept),
 *  verified (all chunks here match the signed root hash), mismatch (they do
 *  not; someone who did not give us that copy is left to ask), exhausted
 *  (they do not, and nobody else is left). */
/** @type {Readonly<Record<TransferState, Readonly<Partial<Record<TransferEvent, TransferState>>>>>} */
export const TRANSITIONS = Object.freeze({
  waiting: Object.freeze({
    ask: 'downloading',
    unreachable: 'waiting',
    chunk: 'downloading',
    verified: 'complete',
    mismatch: 'waiting',
    exhausted: 'failed',
  }),
  downloading: Object.freeze({
    ask: 'downloading',
    unreachable: 'waiting',
    chunk: 'downloading',
    verified: 'complete',
    mismatch: 'waiting',
    exhausted: 'failed',
  }),
  failed: Object.freeze({
    ask: 'downloading',
    unreachable: 'waiting',
    chunk: 'downloading',
    verified: 'complete',
    mismatch: 'waiting',
    exhausted: 'failed',
  }),
  complete: Object.freeze({}),
});

/**
 * The state after `event`. Throws on a transition the table does not allow
 * (anything out of 'complete') and on a state or event outside it: a
 * programming error, since peers' frames are checked before anything moves.
 * @param {TransferState} state @param {TransferEvent} event @returns {TransferState}
 */
export function transition(state, event) {
  const moves = Object.hasOwn(TRANSITIONS, state) ? TRANSITIONS[state] : null;
  const next = moves && Object.hasOwn(moves, event) ? moves[event] : undefined;
  if (!next) throw new Error(`transfers: no transition from ${String(state)} on ${String(event)}`);
  return next;
}

/** Whether a file in `state` is fetched again when a peer comes online. @param {TransferState} state */
export const resumable = (state) => state === 'waiting' || state === 'downloading';
