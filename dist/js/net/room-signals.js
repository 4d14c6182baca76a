// @ts-check
// What a room (net/room.js) reads in an opened signal: an offer, an answer,
// or trickled candidates, each taken only when well-formed, recent, from the
// peer id that carried it and meant for us. Anything else is ignored
// quietly (a replay, a signal for someone else, a tracker's garbage).

import { isCandidate } from './peer.js';

/** Sealed offers and answers carry their time; older (or later) than this
 *  is refused: a tracker or relay that replays one gets nothing. Generous,
 *  because the two clocks may differ. */
export const SIGNAL_MAX_AGE_MS = 10 * 60_000;
/** Candidates per trickle message, at most. */
export const MAX_CANDIDATES_PER_MESSAGE = 8;

/**
 * @typedef {'offer' | 'answer' | 'candidates'} SignalKind
 * @typedef {{ kind?: unknown, from?: unknown, to?: unknown, offerId?: unknown, sdp?: unknown, candidates?: unknown, at?: unknown }} Signal
 */

/** Whether a sealed signal's time is recent enough to act on. @param {Signal} message @param {number} now */
export const fresh = (message, now) => typeof message.at === 'number' && Number.isFinite(message.at) && Math.abs(now - message.at) <= SIGNAL_MAX_AGE_MS;

/** Whether `list` is one trickle message's worth of well-formed candidates. @param {unknown} list */
const candidateBatch = (list) => Array.isArray(list) && list.length <= MAX_CANDIDATES_PER_MESSAGE && list.every(isCandidate);

/**
 * What `message` (an opened signal carried from peer id `from`) is, or null
 * to ignore it: an offer, addressed to us (`self`) or to nobody in
 * particular, or an answer or candidates addressed to us; each from `from`,
 * fresh at `now`, and with an offer id and what its kind carries.
 * @param {unknown} message @param {string} from @param {string} self @param {number} now @returns {SignalKind | null}
 */
export function signalKind(message, from, self, now) {
  if (message === null || typeof message !== 'object') return null;
  const signal = /** @type {Signal} */ (message);
  if (signal.from !== from || !fresh(signal, now) || typeof signal.offerId !== 'string') return null;
  if (signal.kind === 'offer') return (!signal.to || signal.to === self) && typeof signal.sdp === 'string' ? 'offer' : null;
  if (signal.to !== self) return null;
  if (signal.kind === 'answer') return typeof signal.sdp === 'string' ? 'answer' : null;
  if (signal.kind === 'candidates') return candidateBatch(signal.candidates) ? 'candidates' : null;
  return null;
}

/** `candidates` cut into trickle messages. @template T @param {readonly T[]} candidates @returns {T[][]} */
export function trickleBatches(candidates) {
  const batches = [];
  for (let i = 0; i < candidates.length; i += MAX_CANDIDATES_PER_MESSAGE) batches.push(candidates.slice(i, i + MAX_CANDIDATES_PER_MESSAGE));
  return batches;
}
