// The identity's local database (IndexedDB). Every value is sealed by the
// worker with the vault key, bound to its key name; the database name is
// derived from the vault key too, so nothing readable reaches the disk.

import { fromUtf8, utf8 } from './encoding.js';

const RECORDS = 'records';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function openStore(cryptoClient, name) {
  const opening = indexedDB.open(name, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(RECORDS);
  const db = await request(opening);
  const store = (mode) => db.transaction(RECORDS, mode).objectStore(RECORDS);
  const context = (key) => `records/${key}`;

  return {
    name,
    /** The decrypted JSON value under `key`, or undefined. */
    async get(key) {
      const sealed = await request(store('readonly').get(key));
      if (sealed === undefined) return undefined;
      return JSON.parse(fromUtf8(await cryptoClient.vaultOpen(context(key), sealed)));
    },
    /** Seals `value` (JSON) and stores it under `key`. */
    async put(key, value) {
      const sealed = await cryptoClient.vaultSeal(context(key), utf8(JSON.stringify(value)), { transfer: true });
      await request(store('readwrite').put(sealed, key));
    },
    async delete(key) {
      await request(store('readwrite').delete(key));
    },
    close: () => db.close(),
  };
}
