// @ts-check
// The bookkeeping of trickled candidates for one connection being set up
// (net/room.js): an offer or answer carries the candidates of its first
// burst; later ones go as sealed `candidates` messages once the other end
// is known and reachable. Until then ours wait in the trickle's outbox, and
// a peer's that overtook the answer wait as `early` ones until the answer
// names who answered; both bounded. The room keeps the trickles (and their
// timers), seals what these functions say to send and applies what they
// say to apply.

import { MAX_TRICKLED_CANDIDATES } from './peer.js';

/**
 * @typedef {{ candidate: string, sdpMid: string | null, sdpMLineIndex: number | null }} Candidate
 * @typedef {{ add: (candidates: Candidate[]) => void, flush: () => void }} Inbound
 * @typedef {{ key: string, offerId: string, remote: string | null, reply: ((payload: string) => void) | null,
 *   outbox: Candidate[], early: { from: string, candidates: Candidate[] }[], inbound: Inbound | null, timer: any }} Trickle
 */

/** Where the room keeps a trickle: our offer's id, or "<peer id> <offer id>" of an offer we answer. @param {string} offerId @param {string | null} remote */
export const trickleKey = (offerId, remote) => (remote ? `${remote} ${offerId}` : offerId);

/** The trickle of a connection being set up for offer `offerId`; `remote`: the other end's peer id once known (the offerer learns it from the answer). */
export function newTrickle(/** @type {string} */ offerId, /** @type {string | null} */ remote = null) {
  /** @type {Trickle} */
  const trickle = { key: trickleKey(offerId, remote), offerId, remote, reply: null, outbox: [], early: [], inbound: null, timer: null };
  return trickle;
}

/**
 * A local candidate found after the offer or answer went out: what to send
 * now (nothing while the other end cannot be reached yet: it waits, bounded).
 * @param {Trickle} trickle @param {Candidate} candidate @returns {Candidate[]}
 */
export function outgoing(trickle, candidate) {
  if (trickle.reply) return [candidate];
  if (trickle.outbox.length < MAX_TRICKLED_CANDIDATES) trickle.outbox.push(candidate);
  return [];
}

/**
 * The other end is known (`remote`) and, when `reply` is given, reachable
 * through it: `send`, ours that waited (they wait on without a way back);
 * `apply`, the batches that came early from that peer (early ones from
 * anyone else are dropped).
 * @param {Trickle} trickle @param {string} remote @param {((payload: string) => void) | null | undefined} reply
 * @returns {{ send: Candidate[], apply: Candidate[][] }}
 */
export function connected(trickle, remote, reply) {
  trickle.remote = remote;
  trickle.reply = reply ?? null;
  const apply = trickle.early.splice(0).flatMap((early) => (early.from === remote ? [early.candidates] : []));
  return { send: trickle.reply ? trickle.outbox.splice(0) : [], apply };
}

/**
 * A peer's later candidates (`candidates`, from peer id `from`): what to
 * apply now. Before the answer names who answered they wait (bounded); then
 * only those of the peer that answered count.
 * @param {Trickle} trickle @param {string} from @param {Candidate[]} candidates @returns {Candidate[] | null}
 */
export function incoming(trickle, from, candidates) {
  if (!trickle.remote) {
    if (trickle.early.length < MAX_TRICKLED_CANDIDATES) trickle.early.push({ from, candidates });
    return null;
  }
  return from === trickle.remote ? candidates : null;
}
