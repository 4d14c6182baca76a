// The identity's local database (IndexedDB). Values are sealed by the worker
// with the vault key, bound to where they live; envelopes are kept as received
// (already encrypted to their recipients) with their receipts; file chunks are
// kept encrypted with their file keys. The database name is derived from the
// vault key, so nothing readable reaches the disk.
//
// Object stores:
//   records   key (string)        -> sealed JSON           settings, contacts, groups, outbox…
//   messages  [conversation tag, seq] -> {env, rcpt, meta}  meta sealed JSON
//   ids       message id (hex)    -> [conversation tag, seq]  dedupe and lookups
//   chunks    [file id, index]    -> encrypted chunk       files sent and received

import { fromUtf8, utf8 } from './encoding.js';

const VERSION = 2;

export function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('store: transaction aborted'));
  });
}

export async function openStore(cryptoClient, name) {
  const opening = indexedDB.open(name, VERSION);
  opening.onupgradeneeded = () => {
    const db = opening.result;
    for (const store of ['records', 'messages', 'ids', 'chunks']) {
      if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
    }
  };
  const db = await request(opening);
  const context = (key) => `records/${key}`;
  const seal = async (where, value) => cryptoClient.vaultSeal(where, utf8(JSON.stringify(value)), { transfer: true });
  const open = async (where, sealed) => JSON.parse(fromUtf8(await cryptoClient.vaultOpen(where, sealed)));

  const store = {
    name,
    db,
    seal,
    open,
    /** The decrypted JSON value under `key`, or undefined. */
    async get(key) {
      const sealed = await request(db.transaction('records').objectStore('records').get(key));
      return sealed === undefined ? undefined : open(context(key), sealed);
    },
    /** Seals `value` (JSON) and stores it under `key`. */
    async put(key, value) {
      const sealed = await seal(context(key), value);
      const tx = db.transaction('records', 'readwrite', { durability: 'strict' });
      tx.objectStore('records').put(sealed, key);
      await done(tx);
    },
    async delete(key) {
      const tx = db.transaction('records', 'readwrite');
      tx.objectStore('records').delete(key);
      await done(tx);
    },
    /**
     * Runs `fill(stores)` in one transaction over `names`, durably committed
     * before the promise resolves (what "acked after the durable write" means).
     */
    async write(names, fill, { durability = 'strict' } = {}) {
      const tx = db.transaction(names, 'readwrite', { durability });
      const stores = Object.fromEntries(names.map((n) => [n, tx.objectStore(n)]));
      fill(stores);
      await done(tx);
    },
    /** Reads inside one read-only transaction. */
    read(names, query) {
      const tx = db.transaction(names, 'readonly');
      return query(Object.fromEntries(names.map((n) => [n, tx.objectStore(n)])));
    },
    close: () => db.close(),
  };
  return store;
}
