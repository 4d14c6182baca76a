// @ts-check
// Reading what is stored: pages of a conversation, each message reopened
// with its receipt (two AES-GCM operations, no RSA), and its delivery state
// (sealed beside it as `meta`). Also the one place that reads and rewrites
// that sealed state.

import { fromUtf8 } from '../core/encoding.js';
import { checkContent } from './content.js';
import { messageKey } from './keys.js';
import { keyedQueue } from './batcher.js';
import { metaContext } from '../core/store.js';

export const PAGE_SIZE = 50;

/**
 * @typedef {{ mine: boolean, delivered?: Record<string, number>, read?: Record<string, number>, readAt?: number | null,
 *   shown?: import('./delivery.js').ShownState }} Meta
 * @typedef {{ id: string, seq: number, sender?: string, mine?: boolean, timestampMs?: number, lamport?: number,
 *   content: Record<string, any>, state?: string, delivered?: Record<string, number>, read?: Record<string, number>,
 *   readAt?: number | null, broken?: boolean }} Message
 * @typedef {ReturnType<typeof createHistory>} ChatHistory
 */

/**
 * deps: cryptoClient, store, conversations, and stateOf(id) → the outbox's
 * delivery state of our message `id` (null once it left the outbox).
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   conversations: import('./conversations.js').Conversations,
 *   stateOf: (id: string) => import('./delivery.js').DeliveryState | null,
 * }} deps
 */
export function createHistory({ cryptoClient, store, conversations, stateOf }) {
  /**
   * The state a message shows: from the outbox, else (once delivered, or
   * sent from another device of ours: `shown`) its meta.
   * @returns {import('./delivery.js').ShownState | 'received'}
   */
  function stateFor(/** @type {Meta} */ meta, /** @type {string} */ id, /** @type {string[]} */ members) {
    if (!meta.mine) return 'received';
    const all = (/** @type {Record<string, number> | undefined} */ map) => members.length > 0 && members.every((fp) => map?.[fp]);
    if (all(meta.read)) return 'read';
    // What this device knows first-hand wins over a state another device showed.
    return stateOf(id) ?? (all(meta.delivered) ? 'delivered' : (meta.shown ?? 'delivered'));
  }
  /** One rewrite of a message's meta at a time. */
  const inTurn = keyedQueue();
  /** @type {Map<string, {updates: Array<(meta: Meta) => void>, run: Promise<Meta | null>}>} message key -> updates waiting for the rewrite under way */
  const waiting = new Map();
  async function rewriteMeta(/** @type {string} */ key, /** @type {(meta: Meta) => void} */ update) {
    const place = await store.messages.locate(key);
    if (!place) return null;
    const record = await store.messages.get(place);
    if (!record) return null;
    /** @type {Meta} */
    const meta = await store.open(metaContext(record.id), record.meta);
    const before = JSON.stringify(meta);
    update(meta);
    if (JSON.stringify(meta) === before) return meta;
    record.meta = await store.seal(metaContext(record.id), meta);
    await store.messages.replace(place, record);
    return meta;
  }

  /** @type {Set<string>} message keys being written right now */
  const claims = new Set();

  return {
    /** The state our message `id` of `conv` shows, given its meta. */
    stateFor: (/** @type {Meta} */ meta, /** @type {string} */ id, /** @type {{members: Array<{fingerprint: string}>}} */ conv) =>
      stateFor(
        meta,
        id,
        conv.members.map((m) => m.fingerprint),
      ),

    /**
     * Claims a message key for writing: false if another path (the inbox,
     * a mirror from another device of ours) is writing it right now. The
     * same message may arrive both ways at once; only one may store it.
     */
    claim(/** @type {string} */ key) {
      if (claims.has(key)) return false;
      claims.add(key);
      return true;
    },
    release(/** @type {string[]} */ keys) {
      for (const key of keys) claims.delete(key);
    },

    /** Seals a message's delivery state. */
    sealMeta: (/** @type {string} */ id, /** @type {Meta} */ meta) => store.seal(metaContext(id), meta),

    /** Changes the sealed delivery state of the message stored under `key` (written only if it changed); returns it. */
    updateMeta(/** @type {string} */ key, /** @type {(meta: Meta) => void} */ update) {
      // One read-modify-write at a time per message, and the updates that
      // come meanwhile in the next one together: in a large group the
      // acknowledgements of many members arrive at once, and two updates
      // racing would lose one member's tick.
      let batch = waiting.get(key);
      if (!batch) {
        const updates = /** @type {Array<(meta: Meta) => void>} */ ([]);
        const run = inTurn(key, () => {
          waiting.delete(key);
          return rewriteMeta(key, (meta) => updates.forEach((apply) => apply(meta)));
        });
        batch = { updates, run };
        waiting.set(key, batch);
      }
      batch.updates.push(update);
      return batch.run;
    },

    /** Up to `limit` messages before `beforeSeq`, oldest first, opened with their receipts. @returns {Promise<Message[]>} */
    async page(/** @type {string} */ conversationId, { beforeSeq = Infinity, limit = PAGE_SIZE } = {}) {
      const conv = conversations.get(conversationId);
      if (!conv) return [];
      const members = conv.members.map((m) => m.fingerprint);
      const records = await store.messages.page(conv.tag, { beforeSeq, limit });
      const messages = await Promise.all(
        records.map(async (record) => {
          try {
            const [opened, meta] = await Promise.all([cryptoClient.openStored(record.env, record.rcpt), store.open(metaContext(record.id), record.meta)]);
            // The store is ours, but a record must still open as what it claims to be.
            if (opened.conversationId !== conv.id || opened.messageId !== record.id) throw new Error('misplaced record');
            const content = checkContent(JSON.parse(fromUtf8(opened.content)));
            if (!content) throw new Error('malformed content');
            return {
              id: record.id,
              seq: record.seq,
              sender: opened.sender,
              mine: meta.mine,
              timestampMs: opened.timestampMs,
              lamport: opened.lamport,
              content,
              state: stateFor(meta, record.id, members),
              delivered: meta.delivered ?? {},
              read: meta.read ?? {},
              readAt: meta.readAt ?? null,
            };
          } catch {
            return { id: record.id, seq: record.seq, broken: true, content: { t: 'text', body: '' } };
          }
        }),
      );
      return messages.reverse();
    },

    /** The newest `limit` messages of a conversation's tag as {seq, key}, newest first. */
    async newest(/** @type {string} */ tag, limit = 500) {
      const records = await store.messages.page(tag, { limit });
      return records.map((r) => ({ seq: r.seq, key: messageKey(r.sender, r.id) }));
    },

    /** The stored envelope of the message under `key`, or null. */
    async envelope(/** @type {string} */ key) {
      const place = await store.messages.locate(key);
      const record = place && (await store.messages.get(place));
      return record?.env ?? null;
    },
  };
}
