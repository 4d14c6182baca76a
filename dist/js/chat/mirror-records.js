// @ts-check
// The records chat/mirror.js exchanges between our own devices, read from
// and kept in the store: a stored message as a record (sealed as stored),
// and records from another device (online, or through the relays) checked,
// reopened with our own keys and kept — new ones stored, the others merged
// into the copy held — one batch after the other. What is decided about
// them (merging, order, bounds) is chat/mirror-merge.js.

import { fromBase64, fromUtf8, toBase64 } from '../core/encoding.js';
import { checkContent, isHiddenContent, preview } from './content.js';
import { messageKey } from './keys.js';
import { metaContext } from '../core/store.js';
import {
  dedupeByKey,
  inKeepingOrder,
  isMetaOf,
  isRecordShape,
  keptMeta,
  mergeHeld,
  readAtOf,
  readKeys,
  recordBytes,
  recordState,
  reopenedAsClaimed,
  shownOf,
  splitFresh,
  startsNewBatch,
} from './mirror-merge.js';

/** Mirrored records opened at once (in parallel). */
const OPEN_AT_ONCE = 64;
/** Reads held for records not stored yet (bounded like the records waiting for their conversation). */
const MAX_READ_BEFORE_KEPT = 20_000;

/**
 * @typedef {ReturnType<typeof createMirrorRecords>} MirrorRecords
 * A mirrored record checked and reopened with our own keys (prepare), ready to keep; `item` is the record as it came (JSON).
 * @typedef {{ conv: import('./conversations.js').Conversation, item: any, key: string, sender: string, env: Uint8Array, rcpt: Uint8Array,
 *   opened: import('../core/crypto-client.js').EnvelopeHeader & { content: Uint8Array }, content: import('./content.js').Content,
 *   theirs: import('./history.js').Meta, shown: import('./delivery.js').ShownState | null }} Kept
 */

/**
 * deps: cryptoClient, store, identity, conversations, history, stateOf(id)
 * (as chat/mirror.js has them), and events, on which what is stored or
 * merged is said ('message-copied', 'copy-merged').
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   identity: { fingerprint: string },
 *   conversations: import('./conversations.js').Conversations,
 *   history: import('./history.js').ChatHistory,
 *   stateOf: (id: string) => import('./delivery.js').DeliveryState | null,
 *   events: import('./chat-events.js').ChatEvents,
 * }} deps
 */
export function createMirrorRecords({ cryptoClient, store, identity, conversations, history, stateOf, events }) {
  const mine = (/** @type {string} */ fingerprint) => fingerprint === identity.fingerprint;
  /**
   * Message key -> when another device read it, for reads that came before
   * the record they name (relays return wraps in any order): applied when
   * the record is stored.
   * @type {Map<string, number>}
   */
  const readBeforeKept = new Map();
  /** Mirrored records are kept one batch after the other (each takes the next seq). @type {Promise<unknown>} */
  let keeping = Promise.resolve();

  /** The stored record under `key`, as a 'mirror' frame carries it, or null. */
  async function recordFor(/** @type {string} */ key) {
    const place = await store.messages.locate(key);
    if (!place) return null;
    const record = await store.messages.get(place);
    const conv = conversations.list().find((c) => c.tag === place[0]);
    if (!record || !conv) return null;
    return {
      conv: conv.id,
      id: record.id,
      sender: record.sender,
      env: toBase64(record.env),
      rcpt: toBase64(record.rcpt),
      meta: toBase64(record.meta),
      state: recordState(mine(record.sender), stateOf(record.id)),
    };
  }

  /**
   * The records stored under `keys` (those still stored), handed to `send`
   * a batch of about `maxBytes` at a time as they are read (one larger
   * record goes alone). Resolves to the last batch, which is not sent: what
   * goes with it is the caller's to say.
   */
  async function inBatches(
    /** @type {string[]} */ keys,
    /** @type {number} */ maxBytes,
    /** @type {(batch: object[]) => Promise<unknown> | undefined} */ send,
  ) {
    /** @type {object[]} */
    let batch = [];
    let size = 0;
    for (const key of keys) {
      const record = await recordFor(key).catch(() => null);
      if (!record) continue;
      const bytes = recordBytes(record);
      if (startsNewBatch(batch.length, size, bytes, maxBytes)) {
        await send(batch);
        batch = [];
        size = 0;
      }
      batch.push(record);
      size += bytes;
    }
    return batch;
  }

  /**
   * Checks and opens one mirrored record: null if it is not ours, altered
   * or malformed; 'unknown' if its conversation is not known here (yet).
   * @param {any} item  as another device sent it @returns {Promise<Kept | 'unknown' | null>}
   */
  async function prepare(item) {
    if (!isRecordShape(item)) return null;
    const conv = conversations.get(item.conv);
    if (!conv) return 'unknown';
    const env = fromBase64(item.env);
    const rcpt = fromBase64(item.rcpt);
    const metaBytes = fromBase64(item.meta);
    // Reopened with our own keys: only our identity can have sealed it.
    const opened = await cryptoClient.openStored(env, rcpt);
    if (!reopenedAsClaimed(item, conv, opened, identity.fingerprint)) return null;
    const sender = opened.sender;
    const content = checkContent(JSON.parse(fromUtf8(opened.content)));
    if (!content) return null;
    const theirs = await store.open(metaContext(item.id), metaBytes);
    if (!isMetaOf(theirs, mine(sender))) return null;
    return { conv, item, key: messageKey(sender, item.id), sender, env, rcpt, opened, content, theirs, shown: shownOf(item.state) };
  }

  /**
   * Keeps mirrored records, oldest first (relays return them in any order),
   * or (`older`) below what is held, newest first; each is reported on
   * `events`. A record of a conversation not known here goes to
   * `onUnknown`, when given; any other record that is not ours, altered or
   * malformed is dropped.
   */
  async function keepAll(/** @type {unknown[]} */ items, { older = false, onUnknown = /** @type {((item: any) => void) | null} */ (null) } = {}) {
    /** @type {Kept[]} */
    const ready = [];
    // Opened a slice at a time, in parallel (the worker pipelines them).
    for (let i = 0; i < items.length; i += OPEN_AT_ONCE) {
      const slice = items.slice(i, i + OPEN_AT_ONCE);
      const opened = await Promise.all(slice.map((item) => prepare(item).catch(() => null)));
      opened.forEach((prepared, j) => {
        if (prepared === 'unknown') onUnknown?.(slice[j]);
        else if (prepared) ready.push(prepared);
      });
    }
    // The inbox may be storing one of these very messages (it reached us directly too).
    const mineNow = inKeepingOrder(dedupeByKey(ready), older).filter((prepared) => history.claim(prepared.key));
    try {
      const { fresh, held } = splitFresh(mineNow, await Promise.all(mineNow.map((prepared) => store.messages.locate(prepared.key))));
      for (const prepared of held) {
        const event = await mergeRecord(prepared).catch(() => null);
        if (event) events.emit('copy-merged', event);
      }
      for (const event of await addRecords(fresh, older).catch(() => [])) events.emit('message-copied', event);
    } finally {
      history.release(mineNow.map((prepared) => prepared.key));
    }
  }

  /** Merges a mirrored record into the one we hold: its ticks and reads. */
  async function mergeRecord(/** @type {Kept} */ { conv, item, key, sender, theirs, shown }) {
    let changed = false;
    const meta = await history.updateMeta(key, (m) => {
      const before = JSON.stringify(m);
      Object.assign(m, mergeHeld(m, theirs, shown, stateOf(item.id) === null));
      changed = JSON.stringify(m) !== before;
    });
    if (!changed || !meta) return null;
    if (meta.mine) return { conversation: conv.id, message: item.id, sender, state: history.stateFor(meta, item.id, conv) };
    return { conversation: conv.id, message: item.id, sender, readElsewhere: Boolean(meta.readAt) };
  }

  /**
   * Stores records new here in one write, in the order given: after what is
   * held, or (`older`) each below the oldest held. Resolves to the events
   * the views need.
   */
  async function addRecords(/** @type {Kept[]} */ fresh, older = false) {
    if (!fresh.length) return [];
    /** @type {Map<string, number>} conversation tag -> the oldest seq held, for older history */
    const lowest = new Map();
    const entries = [];
    for (const prepared of fresh) {
      const { conv, item, theirs, shown } = prepared;
      const readAt = readBeforeKept.get(prepared.key);
      readBeforeKept.delete(prepared.key);
      const meta = keptMeta(theirs, shown, readAt);
      let seq;
      if (older) {
        if (!lowest.has(conv.tag)) lowest.set(conv.tag, (await store.messages.oldest(conv.tag))?.seq ?? 1);
        seq = /** @type {number} */ (lowest.get(conv.tag)) - 1;
        lowest.set(conv.tag, seq);
      } else {
        seq = conversations.nextSeq(conv);
      }
      entries.push({ prepared, meta, seq, sealed: history.sealMeta(item.id, meta) });
    }
    await store.messages.add(
      await Promise.all(
        entries.map(async ({ prepared, seq, sealed }) => ({
          place: [prepared.conv.tag, seq],
          key: prepared.key,
          record: { id: prepared.item.id, sender: prepared.sender, env: prepared.env, rcpt: prepared.rcpt, meta: await sealed },
        })),
      ),
    );
    return entries.map(({ prepared, meta, seq }) => {
      const { conv, item, key, sender, opened, content } = prepared;
      conversations.observe(conv, opened.lamport);
      if (!meta.mine && content.n !== undefined) conversations.noteName(conv, sender, content.n);
      // Older history is not news: it neither moves the conversation up nor counts as unread.
      if (!older) conversations.noteActivity(conv, key, preview(content), opened.timestampMs, !meta.mine && !meta.readAt, { quiet: isHiddenContent(content) });
      const message = {
        id: item.id,
        seq,
        sender,
        mine: meta.mine,
        timestampMs: opened.timestampMs,
        lamport: opened.lamport,
        content,
        state: history.stateFor(meta, item.id, conv),
        delivered: meta.delivered ?? {},
        read: meta.read ?? {},
        readAt: meta.readAt ?? null,
      };
      return { conversation: conv.id, message: item.id, added: message };
    });
  }

  /** Marks these messages read (another device showed them); `clearAll` when the whole conversation was read there. */
  async function applyRead(/** @type {import('./conversations.js').Conversation} */ conv, /** @type {any} */ message, /** @type {boolean} */ clearAll) {
    const at = readAtOf(message.at, Date.now());
    let newlyRead = 0;
    for (const key of readKeys(message.keys, identity.fingerprint)) {
      const meta = await history.updateMeta(key, (m) => {
        if (!m.readAt) newlyRead += 1;
        m.readAt = m.readAt ?? at;
      });
      if (!meta && readBeforeKept.size < MAX_READ_BEFORE_KEPT) readBeforeKept.set(key, at);
    }
    if (clearAll) conversations.clearUnread(conv);
    else if (newlyRead) conversations.lessUnread(conv, newlyRead);
  }

  return {
    inBatches,
    keepAll,
    applyRead,
    /**
     * Runs `task` once what is being kept is kept, and resolves to the end
     * of it. A `settled` task's failure goes no further; when one that is
     * not settled fails, the tasks queued after it are skipped, up to and
     * including the next settled one.
     */
    inTurn(/** @type {() => Promise<unknown>} */ task, { settled = false } = {}) {
      const next = keeping.then(task);
      keeping = settled ? next.catch(() => {}) : next;
      return keeping;
    },
    /** Resolves once what is being kept now is kept. */
    kept: () => keeping,
  };
}
