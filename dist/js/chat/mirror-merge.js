// @ts-check
// What chat/mirror.js decides about the records our own devices exchange,
// as pure functions (data in, data out: no store, no crypto, no network):
// how two copies of one message's sealed state merge, how a batch is
// deduplicated and put in the order it is stored in, which records are new
// here and which only merge, what one device sends another to compare
// histories, and the bounds every frame from a device (or the relays) is
// checked against. The shells that store, seal and send are chat/mirror.js
// (between devices online), chat/mirror-records.js (keeping records) and
// chat/mirror-relays.js (the history left on the relays).

import { fromUtf8 } from '../core/encoding.js';
import { isMessageKey, keySender, messageKey } from './keys.js';
import { isShownState, laterShownState } from './delivery.js';

/**
 * @typedef {import('./history.js').Meta} Meta
 * @typedef {import('./delivery.js').ShownState} ShownState
 */
/**
 * A record reopened and checked, ready to be kept: its message key, the
 * sealed state it came with (`theirs`), and the delivery state the sending
 * device showed for our message (`shown`), with whatever else the shell
 * carries along.
 * @typedef {{ key: string, theirs: Meta, shown: ShownState | null | undefined, opened: {timestampMs: number, lamport: number} }} Prepared
 */

/** Most message keys one inventory names (the newest of a conversation). */
export const MAX_HAVE = 5000;
/** Messages per conversation a device that meets another is sent at once, at most (the newest it lacks). */
export const INITIAL_HISTORY = 1000;
/** Messages one `mirror-older` page carries, at most. */
export const OLDER_PAGE = 200;
/** Message keys one read (a 'mirror-read' frame, or all the entries one read leaves on the relays) names, at most. */
export const MAX_READ_KEYS = 1000;
/** Message keys one read entry left on the relays names, at most. */
export const MAX_RELAY_READ_KEYS = 500;
/** Records one history payload from the relays may bring, at most (more are dropped). */
export const MAX_PAYLOAD_RECORDS = 1000;
/** Reads one history payload from the relays may bring, at most (more are dropped). */
export const MAX_PAYLOAD_READS = 100;
/** Records and reads from the relays waiting for their conversation to become known, at most. */
export const MAX_WAITING = 20_000;
/** Longest conversation id something may wait for (ids come from the relays). */
const MAX_CONVERSATION_ID = 200;
/** What a record costs in a frame besides its three sealed parts (ids, state, JSON). */
const RECORD_OVERHEAD = 400;

/** A frame's JSON body, or null when it is not JSON (peers send bytes). */
export function parseFrame(/** @type {Uint8Array} */ data) {
  try {
    return JSON.parse(fromUtf8(data));
  } catch {
    return null;
  }
}

/** Whether `value` is a well-formed message id (as senders choose them: 16 bytes, hex). */
export const isMessageId = (/** @type {unknown} */ value) => typeof value === 'string' && /^[0-9a-f]{32}$/.test(value);

/** Whether a mirrored record is worth opening: an object with a well-formed id (the rest is checked as it is opened). */
export const isRecordShape = (/** @type {any} */ item) => Boolean(item) && typeof item === 'object' && isMessageId(item.id);

/**
 * Whether a record reopened (with our own keys) as the message it claims to
 * be, in the conversation it names, from us or a member of it.
 * @param {{id: string}} item @param {{id: string, members: Array<{fingerprint: string}>}} conv
 * @param {{conversationId: string, messageId: string, sender: string}} opened @param {string} self our fingerprint
 */
export function reopenedAsClaimed(item, conv, opened, self) {
  if (opened.conversationId !== conv.id || opened.messageId !== item.id) return false;
  return opened.sender === self || conv.members.some((member) => member.fingerprint === opened.sender);
}

/** Whether a record's sealed state, once opened, is one: an object that says rightly whether the message is ours. */
export const isMetaOf = (/** @type {any} */ theirs, /** @type {boolean} */ mine) => Boolean(theirs) && typeof theirs === 'object' && theirs.mine === mine;

/** The delivery state a record says its device showed, if it is one a device may show (anything else is dropped). */
export const shownOf = (/** @type {unknown} */ state) => (isShownState(state) ? state : null);

/**
 * Two copies of one message's sealed state, merged: every delivery and read
 * either knows. Where both know one (or both say when it was read), the
 * first copy's stays.
 * @param {Meta} a @param {Meta} b @returns {Meta}
 */
export const mergeMeta = (a, b) => ({
  ...a,
  delivered: { ...b.delivered, ...a.delivered },
  read: { ...b.read, ...a.read },
  readAt: a.readAt ?? b.readAt ?? null,
});

/**
 * The state a message held here has once another device's copy is merged
 * in. The tick that device showed for our message counts only once the
 * message left our outbox (`settled`): until then what this device knows
 * first-hand says it; and a tick never goes back.
 * @param {Meta} held @param {Meta} theirs @param {ShownState | null | undefined} shown @param {boolean} settled @returns {Meta}
 */
export function mergeHeld(held, theirs, shown, settled) {
  const merged = mergeMeta(held, theirs);
  if (held.mine && shown && settled) merged.shown = /** @type {ShownState} */ (laterShownState(held.shown, shown));
  return merged;
}

/**
 * The state a record new here is stored with: as its device sealed it, the
 * tick it showed for our message, and the read another device reported
 * before the record came (`readElsewhereAt`; reads of our own messages are
 * not ours to note).
 * @param {Meta} theirs @param {ShownState | null | undefined} shown @param {number | undefined} readElsewhereAt @returns {Meta}
 */
export function keptMeta(theirs, shown, readElsewhereAt) {
  const meta = { ...theirs, ...(theirs.mine && shown ? { shown } : {}) };
  if (readElsewhereAt !== undefined && !meta.mine) meta.readAt = meta.readAt ?? readElsewhereAt;
  return meta;
}

/**
 * A batch with each message once: one message may come twice (left on the
 * relays when stored, and again once delivered), and its copies merge,
 * keeping the further tick. The first copy's place in the batch is kept.
 * @template {Prepared} T @param {T[]} batch @returns {T[]}
 */
export function dedupeByKey(batch) {
  /** @type {Map<string, T>} */
  const byKey = new Map();
  for (const item of batch) {
    const same = byKey.get(item.key);
    byKey.set(item.key, same ? { ...same, theirs: mergeMeta(same.theirs, item.theirs), shown: laterShownState(same.shown, item.shown) } : item);
  }
  return [...byKey.values()];
}

/**
 * A batch in the order it is stored in: oldest first, by timestamp then
 * lamport clock (relays return records in any order); `older` history goes
 * below what is held, newest first (each takes the seq under the oldest).
 * @template {Prepared} T @param {T[]} batch @param {boolean} older @returns {T[]}
 */
export function inKeepingOrder(batch, older) {
  const ordered = [...batch].sort((a, b) => a.opened.timestampMs - b.opened.timestampMs || a.opened.lamport - b.opened.lamport);
  return older ? ordered.reverse() : ordered;
}

/**
 * Which records of a batch are new here and which only merge into the copy
 * held, from where each is stored (`places[i]` for `batch[i]`: falsy when it
 * is not), each in the batch's order.
 * @template T @param {T[]} batch @param {unknown[]} places @returns {{fresh: T[], held: T[]}}
 */
export function splitFresh(batch, places) {
  return { fresh: batch.filter((_, i) => !places[i]), held: batch.filter((_, i) => places[i]) };
}

/**
 * The delivery state a record of ours carries to another device: the
 * outbox's, or, once it left the outbox, delivered (or read: its sealed
 * read map says so). A contact's message carries none.
 * @param {boolean} mine @param {string | null} outboxState
 */
export const recordState = (mine, outboxState) => (mine ? (outboxState ?? 'delivered') : null);

/** Whether a change of state is left on the relays too: our message, once delivered or read. */
export const stateGoesToRelays = (/** @type {boolean} */ mine, /** @type {string} */ state) => mine && (state === 'delivered' || state === 'read');

/** What a record costs in a frame, about. */
export const recordBytes = (/** @type {{env: string, rcpt: string, meta: string}} */ r) => r.env.length + r.rcpt.length + r.meta.length + RECORD_OVERHEAD;

/** Whether a record of `bytes` starts a new frame after a batch of `count` records and `size` bytes (one larger record goes alone). */
export const startsNewBatch = (/** @type {number} */ count, /** @type {number} */ size, /** @type {number} */ bytes, /** @type {number} */ maxBytes) =>
  count > 0 && size + bytes > maxBytes;

/** The inventory of a conversation one device tells another: the keys of its newest messages. */
export const inventory = (/** @type {string} */ conv, /** @type {Array<{key: string}>} */ newest) => ({ conv, keys: newest.map((n) => n.key) });

/**
 * What a device that told us its inventory (`theirKeys`, as it sent them)
 * lacks of ours (`ours`, newest first): the newest INITIAL_HISTORY it does
 * not hold, oldest first. Only the first MAX_HAVE well-formed keys it names
 * count.
 * @param {Array<{key: string}>} ours @param {unknown[]} theirKeys @returns {string[]}
 */
export function lackedKeys(ours, theirKeys) {
  const theirs = new Set(theirKeys.slice(0, MAX_HAVE).filter(isMessageKey));
  return ours
    .filter((n) => !theirs.has(n.key))
    .slice(0, INITIAL_HISTORY)
    .reverse()
    .map((n) => n.key);
}

/** How many messages an older page asked for carries: what was asked, within 1..OLDER_PAGE (OLDER_PAGE when not a number). */
export const olderLimit = (/** @type {unknown} */ limit) =>
  Number.isSafeInteger(limit) ? Math.min(Math.max(/** @type {number} */ (limit), 1), OLDER_PAGE) : OLDER_PAGE;

/** The keys of an older page (stored records, newest first) in the order they are sent: oldest first. */
export const pageKeys = (/** @type {Array<{sender: string, id: string}>} */ page) => page.map((r) => messageKey(r.sender, r.id)).reverse();

/** Whether something that says messages were read elsewhere is shaped like a read (its keys are checked one by one). */
export const isRead = (/** @type {any} */ read) => Boolean(read) && typeof read === 'object' && Array.isArray(read.keys);

/** When another device read something: when it says, but never later than `now`; `now` when what it says is not a time. */
export const readAtOf = (/** @type {unknown} */ at, /** @type {number} */ now) => (Number.isSafeInteger(at) ? Math.min(/** @type {number} */ (at), now) : now);

/** The keys a read from another device marks read here: the first MAX_READ_KEYS it names, well-formed, of messages not ours. */
export const readKeys = (/** @type {unknown[]} */ keys, /** @type {string} */ self) =>
  /** @type {string[]} */ (keys.slice(0, MAX_READ_KEYS).filter(isMessageKey)).filter((key) => keySender(key) !== self);

/** The 'mirror-read' frame our devices online get when a conversation is read here. */
export const readFrame = (/** @type {string} */ conv, /** @type {string[]} */ keys, /** @type {number} */ at) => ({
  conv,
  keys: keys.slice(0, MAX_READ_KEYS),
  at,
});

/** The read entries left on the relays when a conversation is read here: the same keys, MAX_RELAY_READ_KEYS an entry. */
export function relayReads(/** @type {string} */ conv, /** @type {string[]} */ keys, /** @type {number} */ at) {
  const entries = [];
  for (let i = 0; i < keys.length && i < MAX_READ_KEYS; i += MAX_RELAY_READ_KEYS) entries.push({ conv, keys: keys.slice(i, i + MAX_RELAY_READ_KEYS), at });
  return entries;
}

/**
 * The records and reads of history payloads from our own mailbox, each
 * payload bounded (MAX_PAYLOAD_RECORDS, MAX_PAYLOAD_READS); what is not
 * JSON, or not lists, is dropped. Records and reads are checked one by one
 * as they are kept.
 * @param {Uint8Array[]} payloads @returns {{records: unknown[], reads: unknown[]}}
 */
export function collectHistory(payloads) {
  /** @type {unknown[]} */
  const records = [];
  /** @type {unknown[]} */
  const reads = [];
  for (const payload of payloads) {
    const body = parseFrame(payload);
    if (Array.isArray(body?.records)) records.push(...body.records.slice(0, MAX_PAYLOAD_RECORDS));
    if (Array.isArray(body?.reads)) reads.push(...body.reads.slice(0, MAX_PAYLOAD_READS));
  }
  return { records, reads };
}

/** Whether something from the relays may wait for conversation `convId` to become known, with `waitingCount` already waiting. */
export const mayWait = (/** @type {unknown} */ convId, /** @type {number} */ waitingCount) =>
  typeof convId === 'string' && convId.length <= MAX_CONVERSATION_ID && waitingCount < MAX_WAITING;
