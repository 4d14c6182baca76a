// Encrypted backup: every record of the identity's database, exactly as
// stored (sealed with the vault key, envelopes encrypted to their recipients),
// in one file. Only the same username and password can use it again.

import { fromBase64, toBase64 } from './encoding.js';
import { request } from './store.js';

const FORMAT = 'trustero-backup';
const STORES = ['records', 'messages', 'ids', 'chunks'];

const pack = (value) => (value instanceof Uint8Array ? { b: toBase64(value) } : value && typeof value === 'object' && !Array.isArray(value)
  ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pack(v)]))
  : value);
const unpack = (value) => (value && typeof value === 'object' && !Array.isArray(value)
  ? ('b' in value && Object.keys(value).length === 1 ? fromBase64(value.b) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unpack(v)])))
  : value);

/** A Blob holding the whole database. */
export async function exportBackup(store) {
  const stores = {};
  for (const name of STORES) {
    const tx = store.db.transaction(name);
    const [keys, values] = await Promise.all([request(tx.objectStore(name).getAllKeys()), request(tx.objectStore(name).getAll())]);
    stores[name] = keys.map((key, i) => [key, pack(values[i])]);
  }
  const body = JSON.stringify({ format: FORMAT, version: 1, exportedAt: new Date().toISOString(), stores });
  return new Blob([body], { type: 'application/octet-stream' });
}

/**
 * Restores a backup made by this identity (checked by opening one of its
 * sealed records with our vault key). Existing records with the same keys are
 * replaced. Returns how many records were written.
 */
export async function importBackup(store, file) {
  let backup;
  try {
    backup = JSON.parse(await file.text());
  } catch {
    throw Object.assign(new Error('That file is not a Trustero backup.'), { code: 'not-a-backup' });
  }
  if (backup?.format !== FORMAT || backup.version !== 1 || typeof backup.stores !== 'object') {
    throw Object.assign(new Error('That file is not a Trustero backup (or a newer version).'), { code: 'not-a-backup' });
  }
  const records = backup.stores.records ?? [];
  const probe = records.find(([key]) => typeof key === 'string');
  if (probe) {
    try {
      await store.open(`records/${probe[0]}`, unpack(probe[1]));
    } catch {
      throw Object.assign(new Error('This backup belongs to another identity (another username or password).'), { code: 'wrong-identity' });
    }
  }
  let written = 0;
  await store.write(STORES, (stores) => {
    for (const name of STORES) {
      for (const [key, value] of backup.stores[name] ?? []) {
        stores[name].put(unpack(value), key);
        written += 1;
      }
    }
  });
  return written;
}
