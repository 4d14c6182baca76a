// @ts-check
// The outbox's bookkeeping (chat/outbox.js), apart from its I/O: what an
// entry holds and keeps across reloads, and when a recipient's envelope is
// due again — over its session, with backoff, or through its mailbox.

import { RELEASE_TIMING } from '../core/timing.js';
import { pending } from './delivery.js';

const RESEND_BASE_MS = 4_000;
const RESEND_MAX_MS = 60_000;
/** How long a recipient without a session may take to connect before the envelope goes through the mailbox. */
export const RELAY_AFTER_MS = RELEASE_TIMING.relayAfterMs;
/** A mailbox post no relay accepted is tried again after this. */
export const RELAY_RETRY_MS = 30_000;
/** Wraps still unacknowledged after this are replaced by fresh ones. */
export const MAILBOX_RESEND_MS = 6 * 3600_000;

/**
 * @typedef {import('./delivery.js').DeliveryState} DeliveryState
 * @typedef {{ at: number, list: Array<{id: string, nonce: string}> }} Wraps  what lies on the relays for one recipient
 * One message of ours on its way: each recipient's delivery state and the
 * wraps left in its mailbox (both kept across reloads), and, for this page
 * load only, when it was last handed to each recipient's session, how often,
 * whose mailbox post is under way and when one was last tried.
 * @typedef {{ id: string, conv: string, seq: number, at: number, recipients: Record<string, DeliveryState>, wraps: Record<string, Wraps>,
 *   lastSent: Map<string, number>, attempts: Map<string, number>, relaying: Set<string>, relayTried: Map<string, number> }} Entry
 * @typedef {{ id: string, conv: string, seq: number, at: number, recipients: Record<string, DeliveryState>, wraps: Record<string, Wraps> }} SavedEntry
 */

/**
 * An entry as kept across reloads, with what only this page load tracks
 * started afresh.
 * @param {SavedEntry} saved @returns {Entry}
 */
export const entryOf = ({ id, conv, seq, at, recipients, wraps }) => ({
  id,
  conv,
  seq,
  at,
  recipients,
  wraps,
  lastSent: new Map(),
  attempts: new Map(),
  relaying: new Set(),
  relayTried: new Map(),
});

/**
 * A new entry for message `id`, queued for each of `recipients`.
 * @param {{ id: string, conv: string, seq: number, at: number, recipients: string[] }} message @returns {Entry}
 */
export const newEntry = ({ id, conv, seq, at, recipients }) =>
  entryOf({
    id,
    conv,
    seq,
    at,
    recipients: Object.fromEntries(recipients.map((fingerprint) => [fingerprint, /** @type {DeliveryState} */ ('queued')])),
    wraps: {},
  });

/**
 * An entry saved by an earlier page load. Entries saved before delivery
 * states were kept list pending fingerprints only, and older ones may
 * lack a time or wraps.
 * @param {any} saved @returns {Entry}
 */
export function restoredEntry(saved) {
  const recipients = saved.recipients ?? Object.fromEntries((saved.pending ?? []).map((/** @type {string} */ fp) => [fp, 'queued']));
  return entryOf({ id: saved.id, conv: saved.conv, seq: saved.seq, at: saved.at ?? 0, recipients, wraps: saved.wraps ?? {} });
}

/** What is kept of an entry across reloads. @param {Entry} entry @returns {SavedEntry} */
export const savedEntry = ({ id, conv, seq, at, recipients, wraps }) => ({ id, conv, seq, at, recipients, wraps });

/** Whether `fingerprint` still lacks the message of `entry` (no entry: it has it). @param {Entry | undefined} entry @param {string} fingerprint */
export const awaitedBy = (entry, fingerprint) => pending(entry?.recipients[fingerprint] ?? 'delivered');

/** The envelope is being handed to `fingerprint`'s session at `now`. @param {Entry} entry @param {string} fingerprint @param {number} now */
export function noteSent(entry, fingerprint, now) {
  entry.lastSent.set(fingerprint, now);
  entry.attempts.set(fingerprint, (entry.attempts.get(fingerprint) ?? 0) + 1);
}

/**
 * Whether an envelope `fingerprint` has not acknowledged goes to its session
 * again at `now`: 4 s after the first try, then twice as long after each
 * further one, at most a minute apart.
 * @param {Entry} entry @param {string} fingerprint @param {number} now
 */
export function resendDue(entry, fingerprint, now) {
  const last = entry.lastSent.get(fingerprint) ?? 0;
  const attempts = entry.attempts.get(fingerprint) ?? 0;
  const wait = Math.min(RESEND_MAX_MS, RESEND_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return now - last >= wait;
}

/**
 * Whether the envelope goes to `fingerprint`'s mailbox at `now`: it is
 * still pending and no post is under way; once, after a bounded wait for a
 * direct session (none for someone we reach only through relays lately),
 * then again only to replace wraps older than MAILBOX_RESEND_MS; and a post
 * no relay accepted not again before RELAY_RETRY_MS.
 * @param {Entry} entry @param {string} fingerprint @param {number} now @param {boolean} onlyByRelays
 * @param {number} relayAfterMs  the wait for a direct session (core/timing.js)
 */
export function relayDue(entry, fingerprint, now, onlyByRelays, relayAfterMs = RELAY_AFTER_MS) {
  if (!pending(entry.recipients[fingerprint]) || entry.relaying.has(fingerprint)) return false;
  const previous = entry.wraps[fingerprint];
  const wait = onlyByRelays ? 0 : relayAfterMs;
  if (previous ? now - previous.at < MAILBOX_RESEND_MS : now - entry.at < wait) return false;
  return now - (entry.relayTried.get(fingerprint) ?? 0) >= RELAY_RETRY_MS;
}
