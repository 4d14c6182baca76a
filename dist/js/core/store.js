// @ts-check
// The identity's local database (IndexedDB), and the only module that opens
// its transactions. Values are sealed by the worker with the vault key,
// bound to where they live; envelopes are kept as received (already
// encrypted to their recipients) with their receipts; file chunks are kept
// encrypted with their file keys. The database name is derived from the
// vault key, so nothing readable reaches the disk.
//
// Object stores:
//   records   key (string)             -> sealed JSON            settings, contacts, groups, outbox…
//   messages  [conversation tag, seq]  -> {id, sender, env, rcpt, meta}  meta sealed JSON
//   ids       `${sender}:${id}`        -> [conversation tag, seq]  dedupe and lookups
//   chunks    [`${owner}:${fileId}`, index] -> encrypted chunk    files sent and received

import { fromUtf8, utf8 } from './encoding.js';

const VERSION = 2;
/** Every object store, in backup order. */
export const STORES = ['records', 'messages', 'ids', 'chunks'];

/**
 * The vault context a message's sealed meta (delivery, read marks) is bound
 * to: its record's `meta` opens only as the meta of that very message.
 */
export const metaContext = (/** @type {string} */ messageId) => `${META_PREFIX}${messageId}`;
/** The start of every meta context (worker.js's envelope.sealOwn adds the id it makes). */
export const META_PREFIX = 'meta/';

/** The bytes a JSON value is sealed as (store.seal, and the worker calls that seal a meta in passing). */
export const sealedForm = (/** @type {unknown} */ value) => utf8(JSON.stringify(value));

/**
 * @typedef {[string, number]} MessagePlace  [conversation tag, seq]
 * @typedef {{ id: string, sender: string, env: Uint8Array, rcpt: Uint8Array, meta: Uint8Array }} MessageRecord
 * @typedef {{ place: MessagePlace, key: string, record: MessageRecord }} MessageWrite
 * @typedef {Awaited<ReturnType<typeof openStore>>} Store  the identity's open database
 */

/** @template T @param {IDBRequest<T>} req @returns {Promise<T>} */
function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The key of the message a cursor over `messages` is at. */
const placeOf = (/** @type {IDBCursorWithValue} */ cursor) => /** @type {MessagePlace} */ (cursor.key);

/** @param {IDBTransaction} tx @returns {Promise<void>} */
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('store: transaction aborted'));
  });
}

/**
 * Collects what a cursor walks over, up to `limit` entries.
 * @template T
 * @param {IDBObjectStore} source
 * @param {IDBKeyRange | undefined} range
 * @param {IDBCursorDirection} direction
 * @param {number} limit
 * @param {(cursor: IDBCursorWithValue) => T} take
 * @returns {Promise<T[]>}
 */
function walk(source, range, direction, limit, take) {
  return new Promise((resolve, reject) => {
    /** @type {T[]} */
    const found = [];
    const cursor = source.openCursor(range, direction);
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c || found.length >= limit) return resolve(found);
      found.push(take(c));
      c.continue();
    };
    cursor.onerror = () => reject(cursor.error);
  });
}

/**
 * @param {{ vaultSeal: (context: string, bytes: Uint8Array, options?: {transfer?: boolean}) => Promise<Uint8Array>, vaultOpen: (context: string, record: Uint8Array) => Promise<Uint8Array> }} cryptoClient
 * @param {string} name
 */
export async function openStore(cryptoClient, name) {
  const opening = indexedDB.open(name, VERSION);
  opening.onupgradeneeded = () => {
    const db = opening.result;
    for (const store of STORES) {
      if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    }
  };
  const db = await request(opening);
  const recordContext = (/** @type {string} */ key) => `records/${key}`;
  /** Seals a JSON value for `where`. */
  const seal = async (/** @type {string} */ where, /** @type {unknown} */ value) => cryptoClient.vaultSeal(where, sealedForm(value), { transfer: true });
  /** Opens a JSON value sealed for `where`. */
  const open = async (/** @type {string} */ where, /** @type {Uint8Array} */ sealed) => JSON.parse(fromUtf8(await cryptoClient.vaultOpen(where, sealed)));

  /** Runs `fill` in one read-write transaction, committed before this resolves. */
  async function write(/** @type {string[]} */ names, /** @type {(stores: Record<string, IDBObjectStore>) => void} */ fill, { durability = 'strict' } = {}) {
    const tx = db.transaction(names, 'readwrite', { durability: /** @type {IDBTransactionDurability} */ (durability) });
    fill(Object.fromEntries(names.map((n) => [n, tx.objectStore(n)])));
    await done(tx);
  }
  const readOnly = (/** @type {string} */ name) => db.transaction(name, 'readonly').objectStore(name);
  // Sequence numbers below 1 hold older history fetched later (chat/mirror.js).
  const messageRange = (/** @type {string} */ tag, lower = -Infinity, upper = Infinity, upperOpen = false) =>
    IDBKeyRange.bound([tag, lower], [tag, upper], false, upperOpen);
  const chunkRange = (/** @type {string} */ fileKey) => IDBKeyRange.bound([fileKey, 0], [fileKey, Infinity]);
  /**
   * Chunks written in groups: whatever was queued while the last transaction
   * ran goes in the next one (one transaction per 256 KiB chunk cost more
   * than the writes). Relaxed durability: see chunks.putGrouped.
   * @type {Array<{fileKey: string, index: number, bytes: Uint8Array, resolve: () => void, reject: (error: unknown) => void}>}
   */
  const queuedChunks = [];
  let writingChunks = false;
  function writeQueuedChunks() {
    const batch = queuedChunks.splice(0);
    writingChunks = batch.length > 0;
    if (!writingChunks) return;
    write(['chunks'], ({ chunks }) => batch.forEach(({ fileKey, index, bytes }) => chunks.put(bytes, [fileKey, index])), { durability: 'relaxed' })
      .then(
        () => batch.forEach((entry) => entry.resolve()),
        (error) => batch.forEach((entry) => entry.reject(error)),
      )
      .finally(writeQueuedChunks);
  }

  return {
    name,
    seal,
    open,

    // ---- sealed records: settings, contacts, groups, conversations, outbox ----
    /** The decrypted JSON value under `key`, or undefined. */
    async get(/** @type {string} */ key) {
      const sealed = await request(readOnly('records').get(key));
      return sealed === undefined ? undefined : open(recordContext(key), sealed);
    },
    /** Seals `value` (JSON) and stores it under `key`, durably. */
    async put(/** @type {string} */ key, /** @type {unknown} */ value) {
      const sealed = await seal(recordContext(key), value);
      await write(['records'], ({ records }) => records.put(sealed, key));
    },
    async delete(/** @type {string} */ key) {
      await write(['records'], ({ records }) => records.delete(key));
    },

    // ---- messages (envelopes as received, with receipts and sealed delivery state) ----
    messages: {
      /** Stores messages and their lookup keys in one durable transaction. */
      async add(/** @type {MessageWrite[]} */ items) {
        await write(['messages', 'ids'], ({ messages, ids }) => {
          for (const { place, key, record } of items) {
            messages.put(record, place);
            ids.put(place, key);
          }
        });
      },
      /** Where the message with this `${sender}:${id}` key is, or undefined. @returns {Promise<MessagePlace | undefined>} */
      locate: (/** @type {string} */ key) => request(readOnly('ids').get(key)),
      /** @returns {Promise<MessageRecord | undefined>} */
      get: (/** @type {MessagePlace} */ place) => request(readOnly('messages').get(place)),
      /** Replaces a stored record (its delivery state changed). */
      replace: (/** @type {MessagePlace} */ place, /** @type {MessageRecord} */ record) => write(['messages'], ({ messages }) => messages.put(record, place)),
      /** The newest `limit` messages of a conversation before `beforeSeq`, newest first. @returns {Promise<Array<MessageRecord & {seq: number}>>} */
      page(/** @type {string} */ tag, { beforeSeq = Infinity, limit = 50 } = {}) {
        return walk(readOnly('messages'), messageRange(tag, -Infinity, beforeSeq, true), 'prev', limit, (c) => ({ seq: placeOf(c)[1], ...c.value }));
      },
      /** The oldest stored message of a conversation's tag, or null. @returns {Promise<(MessageRecord & {seq: number}) | null>} */
      async oldest(/** @type {string} */ tag) {
        const [first] = await walk(readOnly('messages'), messageRange(tag), 'next', 1, (c) => ({ seq: placeOf(c)[1], ...c.value }));
        return first ?? null;
      },
      /** Every stored message with its place (for one-time upgrades). @returns {Promise<Array<{place: MessagePlace, record: MessageRecord}>>} */
      all() {
        return walk(readOnly('messages'), undefined, 'next', Infinity, (c) => ({ place: placeOf(c), record: c.value }));
      },
      /** Rewrites every lookup key (after an upgrade of the key format). */
      async reindex(/** @type {Array<{place: MessagePlace, record: MessageRecord, key: string}>} */ entries) {
        await write(['messages', 'ids'], ({ messages, ids }) => {
          ids.clear();
          for (const { place, record, key } of entries) {
            messages.put(record, place);
            ids.put(place, key);
          }
        });
      },
    },

    // ---- file chunks (encrypted with their file keys) ----
    chunks: {
      /** Stores one chunk, durably. */
      put: (/** @type {string} */ fileKey, /** @type {number} */ index, /** @type {Uint8Array} */ bytes) =>
        write(['chunks'], ({ chunks }) => chunks.put(bytes, [fileKey, index])),
      /** Stores one chunk of a stream of them (a download, or a file being
       *  attached), in a group with the others; relaxed durability: a power
       *  cut may lose the last ones (a closed tab or crashed browser does not). */
      putGrouped: (/** @type {string} */ fileKey, /** @type {number} */ index, /** @type {Uint8Array} */ bytes) =>
        new Promise((resolve, reject) => {
          queuedChunks.push({ fileKey, index, bytes, resolve: () => resolve(undefined), reject });
          if (!writingChunks) writeQueuedChunks();
        }),
      /** @returns {Promise<Uint8Array | undefined>} */
      get: (/** @type {string} */ fileKey, /** @type {number} */ index) => request(readOnly('chunks').get([fileKey, index])),
      /** The indexes of the chunks held for a file. @returns {Promise<Set<number>>} */
      async indexes(/** @type {string} */ fileKey) {
        const keys = /** @type {Array<[string, number]>} */ (await request(readOnly('chunks').getAllKeys(chunkRange(fileKey))));
        return new Set(keys.map((k) => k[1]));
      },
      /** Deletes every chunk of a file. */
      drop: (/** @type {string} */ fileKey) => write(['chunks'], ({ chunks }) => chunks.delete(chunkRange(fileKey))),
      /** Moves every chunk of a file under another key (one-time upgrades). */
      async move(/** @type {string} */ from, /** @type {string} */ to) {
        const source = readOnly('chunks');
        const [keys, values] = await Promise.all([request(source.getAllKeys(chunkRange(from))), request(source.getAll(chunkRange(from)))]);
        await write(['chunks'], ({ chunks }) => {
          keys.forEach((k, i) => chunks.put(values[i], [to, /** @type {[string, number]} */ (k)[1]]));
          chunks.delete(chunkRange(from));
        });
      },
    },

    // ---- the whole database (encrypted backups) ----
    /** Every entry of every store, as stored. @returns {Promise<Record<string, Array<[IDBValidKey, unknown]>>>} */
    async dump() {
      /** @type {Record<string, Array<[IDBValidKey, unknown]>>} */
      const stores = {};
      for (const storeName of STORES) {
        const source = readOnly(storeName);
        const [keys, values] = await Promise.all([request(source.getAllKeys()), request(source.getAll())]);
        stores[storeName] = keys.map((key, i) => [key, values[i]]);
      }
      return stores;
    },
    /** Writes entries into their stores in one durable transaction. */
    async restore(/** @type {Record<string, Array<[IDBValidKey, unknown]>>} */ stores) {
      let written = 0;
      await write(STORES, (tx) => {
        for (const storeName of STORES) {
          for (const [key, value] of stores[storeName] ?? []) {
            tx[storeName].put(value, key);
            written += 1;
          }
        }
      });
      return written;
    },

    close: () => db.close(),
  };
}
