// @ts-check
// Encrypted backup: every record of the identity's database, exactly as
// stored (sealed with the vault key, envelopes encrypted to their recipients),
// in one file. Only the same username and password can use it again.

import { fromBase64, toBase64 } from './encoding.js';
import { STORES, metaContext } from './store.js';

const FORMAT = 'trustero-backup';

/**
 * @typedef {import('./store.js').Store} Store
 * @typedef {import('./crypto-client.js').CryptoClient} CryptoClient
 * @typedef {Record<string, Array<[any, any]>>} ReadStores  entries parsed from a backup's JSON: untyped until checkAll has checked them
 */

/** JSON-ready: bytes become {b: base64}. @param {unknown} value @returns {unknown} */
const pack = (value) =>
  value instanceof Uint8Array
    ? { b: toBase64(value) }
    : value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pack(v)]))
      : value;
/** The inverse of pack. @param {unknown} value @returns {unknown} */
const unpack = (value) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? 'b' in value && Object.keys(value).length === 1
      ? fromBase64(value.b)
      : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unpack(v)]))
    : value;

/** A Blob holding the whole database. @param {Store} store */
export async function exportBackup(store) {
  const dumped = await store.dump();
  const stores = Object.fromEntries(STORES.map((name) => [name, dumped[name].map(([key, value]) => [key, pack(value)])]));
  const body = JSON.stringify({ format: FORMAT, version: 1, exportedAt: new Date().toISOString(), stores });
  return new Blob([body], { type: 'application/octet-stream' });
}

/**
 * Checks every record of a backup before anything is written: each sealed
 * record must open with our vault key under its own key, each message must
 * reopen with its receipt and its delivery state, each index entry and
 * chunk must have the shape the app writes. Throws on the first that fails.
 * @param {Store} store
 * @param {CryptoClient} cryptoClient
 * @param {ReadStores} stores
 */
async function checkAll(store, cryptoClient, stores) {
  const wrongIdentity = () =>
    Object.assign(new Error('This backup belongs to another identity (another username or password), or was altered.'), { code: 'wrong-identity' });
  const malformed = (/** @type {string} */ what) => Object.assign(new Error(`This backup is damaged: ${what}.`), { code: 'not-a-backup' });
  for (const [key, value] of stores.records) {
    if (typeof key !== 'string' || !(value instanceof Uint8Array)) throw malformed('a record has the wrong shape');
    try {
      await store.open(`records/${key}`, value);
    } catch {
      throw wrongIdentity();
    }
  }
  for (const [key, value] of stores.messages) {
    if (!Array.isArray(key) || key.length !== 2 || typeof key[0] !== 'string' || !Number.isSafeInteger(key[1]))
      throw malformed('a message key has the wrong shape');
    if (!value || !(value.env instanceof Uint8Array) || !(value.rcpt instanceof Uint8Array) || !(value.meta instanceof Uint8Array))
      throw malformed('a message has the wrong shape');
    try {
      const opened = await cryptoClient.openStored(value.env, value.rcpt);
      if (opened.messageId !== value.id) throw new Error('id');
      await store.open(metaContext(value.id), value.meta);
    } catch {
      throw wrongIdentity();
    }
  }
  for (const [key, value] of stores.ids) {
    if (typeof key !== 'string' || !Array.isArray(value) || value.length !== 2) throw malformed('an index entry has the wrong shape');
  }
  for (const [key, value] of stores.chunks) {
    if (!Array.isArray(key) || key.length !== 2 || !(value instanceof Uint8Array)) throw malformed('a file chunk has the wrong shape');
  }
}

/**
 * Reads a backup made by this identity and checks every record (see
 * checkAll) without writing anything. Returns the stores to hand to
 * `store.restore`, which writes them in one transaction, replacing existing
 * records with the same keys.
 * @param {Store} store
 * @param {Blob} file
 * @param {CryptoClient} cryptoClient
 */
export async function readBackup(store, file, cryptoClient) {
  let backup;
  try {
    backup = JSON.parse(await file.text());
  } catch {
    throw Object.assign(new Error('That file is not a Trustero backup.'), { code: 'not-a-backup' });
  }
  if (backup?.format !== FORMAT || backup.version !== 1 || typeof backup.stores !== 'object' || backup.stores === null) {
    throw Object.assign(new Error('That file is not a Trustero backup (or a newer version).'), { code: 'not-a-backup' });
  }
  /** @type {ReadStores} */
  const stores = {};
  for (const name of STORES) {
    const entries = backup.stores[name] ?? [];
    if (!Array.isArray(entries) || entries.some((entry) => !Array.isArray(entry) || entry.length !== 2)) {
      throw Object.assign(new Error('That file is not a Trustero backup.'), { code: 'not-a-backup' });
    }
    stores[name] = entries.map(([key, value]) => [key, unpack(value)]);
  }
  await checkAll(store, cryptoClient, stores);
  return stores;
}
