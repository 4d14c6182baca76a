// @ts-check
// The roaming profile (DESIGN.md §7): what this identity keeps — contacts
// and groups so far — follows the login to every device.
//
// Each item of a collection is a record (chat/profile-records.js) kept
// sealed in the vault here and, as a kind-30078 event only our devices can
// find or read (worker/src/profile.rs), on the relays we read our mail from.
// A collection says what it holds now (`list`) and takes what another device
// changed (`apply`); this module turns the difference between two `list`s
// into stamped field writes and tombstones, merges what relays send, and
// hands back only what changed.
//
// Clocks are not trusted beyond MAX_LEAD_MS: an event's `created_at` is never
// set later than our clock plus that (relays keep the newest `created_at` of
// a record, so one far in the future would freeze the record there for every
// device), a publish no relay took does not move the next one's `created_at`
// on (so the next publish supersedes it), and a stamp from a device whose
// clock runs ahead moves our clock at most that far ahead of ours.

import { compareStamps, createClock, isStamp } from '../core/hlc.js';
import { fromUtf8, utf8 } from '../core/encoding.js';
import { emptyRecord, latestStamp, mergeRecords, parseRecord, removeRecord, valuesOf, writeFields } from './profile-records.js';

const RECORDS_KEY = 'profile-records';
/** Where this browser's device id is kept (a backup restored elsewhere must not bring it along). */
export const DEVICE_KEY = 'profile-device';
/** Changes are published together after this quiet time. */
const PUBLISH_DELAY_MS = 300;
/** How far ahead of our clock an event's created_at, or our clock after seeing another device's stamp, may be. */
export const MAX_LEAD_MS = 15 * 60_000;

/**
 * @typedef {import('./profile-records.js').ProfileRecord} ProfileRecord
 * @typedef {{ list: () => Map<string, Record<string, unknown>>, apply: (id: string, values: Record<string, unknown> | null) => Promise<void> }} Collection
 * @typedef {ReturnType<typeof createProfileSync>} ProfileSync
 */

const sameValue = (/** @type {unknown} */ a, /** @type {unknown} */ b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * This browser's device id: 16 random hex digits, made at its first login
 * and kept in its vault (the same on every load, different on every device).
 * @param {{ get: (key: string) => Promise<unknown>, put: (key: string, value: unknown) => Promise<unknown> }} store
 * @returns {Promise<string>}
 */
export async function loadDeviceId(store) {
  const kept = await store.get(DEVICE_KEY);
  if (typeof kept === 'string' && /^[0-9a-f]{16}$/.test(kept)) return kept;
  const device = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
  await store.put(DEVICE_KEY, device);
  return device;
}

/**
 * deps: cryptoClient (profileSeal, profileOpen), store, publish(event) →
 * Promise (to the relays we read from: those that took it),
 * now() (wall time in ms; tests pass a clock of their own).
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   publish: (event: import('../core/crypto-client.js').NostrEvent) => Promise<string[]>,
 *   now?: () => number,
 * }} deps
 */
export function createProfileSync({ cryptoClient, store, publish, now = () => Date.now() }) {
  /** @type {Map<string, ProfileRecord>} record id ("contact:<fp>") -> record */
  const records = new Map();
  /** @type {Map<string, Collection>} */
  const collections = new Map();
  /** @type {Map<string, Set<string>>} collection -> the ids its last list held */
  const lastIds = new Map();
  /** record ids changed here and not yet published */
  const dirty = new Set();
  /** Record ids whose publication is on its way (not accepted yet). */
  const publishing = new Set();
  /** @type {Map<string, number>} record id -> created_at of its last event a relay took from us, or we saw (at most MAX_LEAD_MS ahead) */
  const published = new Map();
  /**
   * @type {Map<string, ProfileRecord>} record id -> what a relay is known to
   * hold of it (merged from what relays sent us and what they took from us)
   */
  const onRelays = new Map();
  const noteOnRelays = (/** @type {string} */ id, /** @type {ProfileRecord} */ record) =>
    onRelays.set(id, mergeRecords(onRelays.get(id) ?? emptyRecord(), record));
  /** Whether our record `id` holds something no relay is known to hold. */
  function relaysLack(/** @type {string} */ id) {
    const ours = records.get(id);
    const known = onRelays.get(id);
    if (!ours) return false;
    return !known || !sameValue(mergeRecords(known, ours), known);
  }
  let clock = createClock('00000000', now);
  /** Latest created_at we use or take: our clock plus MAX_LEAD_MS, in seconds. */
  const latestCreatedAt = () => Math.floor((now() + MAX_LEAD_MS) / 1000);
  /** Another device's stamp as our clock may observe it: no more than MAX_LEAD_MS ahead of ours. */
  const observe = (/** @type {import('../core/hlc.js').Stamp} */ stamp) => {
    const limit = now() + MAX_LEAD_MS;
    clock.observe(stamp.wall > limit ? { wall: limit, counter: 0, device: stamp.device } : stamp);
  };
  let deviceId = '';
  let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  let applying = 0;

  // Records and what still waits to be published (a tab may close first) are kept together.
  const save = () => store.put(RECORDS_KEY, { records: Object.fromEntries(records), dirty: [...dirty] });

  function schedulePublish() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      flush().catch(() => {});
    }, PUBLISH_DELAY_MS);
  }

  async function flush() {
    for (const id of [...dirty]) {
      const record = records.get(id);
      dirty.delete(id);
      if (!record) continue;
      // Still pending while on its way (net/courier.js publishes after a short delay).
      publishing.add(id);
      // A later created_at replaces the earlier event of the same d on relays;
      // never later than our clock allows (MAX_LEAD_MS).
      const createdAt = Math.min(Math.max(Math.floor(now() / 1000), (published.get(id) ?? 0) + 1), latestCreatedAt());
      const event = await cryptoClient.profileSeal({ recordId: id, record: utf8(JSON.stringify(record)), now: createdAt });
      // Relays not connected yet get it when they connect; none at all: kept
      // dirty for the next login, its created_at not counted (a relay that
      // refused it must take the next one).
      const accepted = await publish(event).finally(() => publishing.delete(id));
      if (accepted?.length) {
        published.set(id, Math.max(published.get(id) ?? 0, createdAt));
        noteOnRelays(id, record);
      } else if (relaysLack(id)) {
        dirty.add(id);
        // Refused, and a copy a relay holds came meanwhile, dated at or after
        // ours (relays keep the newest): the merge goes out past it at once.
        // Otherwise it waits for a relay to (re)connect.
        if ((published.get(id) ?? 0) >= createdAt) schedulePublish();
      }
    }
    await save();
  }

  /**
   * The stamp of an edit made here over fields stamped `over`: our clock's,
   * unless one of them is later (a device whose clock runs ahead wrote it,
   * and our clock did not follow it that far): then just after that one, so
   * the edit made after seeing it still wins on every device.
   */
  function editStamp(/** @type {Array<import('../core/hlc.js').Stamp | null | undefined>} */ over) {
    let stamp = clock.tick();
    for (const seen of over) {
      if (seen && compareStamps(seen, stamp) >= 0) stamp = { wall: seen.wall, counter: seen.counter + 1, device: deviceId };
    }
    return stamp;
  }

  /**
   * Records the collection's current state: changed fields written, vanished
   * items removed. With `initial` (a collection's first look on this device)
   * what is not recorded yet is stamped as old as can be: a fresh device's
   * defaults, or a list kept from before the profile roamed, lose against
   * any edit made anywhere.
   */
  async function noteLocal(/** @type {string} */ name, { initial = false } = {}) {
    const collection = collections.get(name);
    if (!collection || applying) return;
    const listed = collection.list();
    const before = lastIds.get(name) ?? new Set();
    let changed = false;
    for (const [key, values] of listed) {
      const id = `${name}:${key}`;
      const record = records.get(id) ?? emptyRecord();
      const current = valuesOf(record) ?? {};
      /** @type {Record<string, unknown>} */
      const writes = {};
      /** @type {Record<string, unknown>} fields never recorded, on a first look */
      const unrecorded = {};
      const put = (/** @type {string} */ field, /** @type {unknown} */ value) => {
        if (initial && !(field in record.fields)) unrecorded[field] = value;
        else writes[field] = value;
      };
      if (!('created' in current)) put('created', true);
      for (const [field, value] of Object.entries(values)) if (!sameValue(current[field], value)) put(field, value);
      if (!Object.keys(writes).length && !Object.keys(unrecorded).length) continue;
      let next = record;
      if (Object.keys(unrecorded).length) next = writeFields(next, unrecorded, { wall: 0, counter: 0, device: deviceId });
      if (Object.keys(writes).length) {
        next = writeFields(next, writes, editStamp(Object.keys(writes).map((field) => record.fields[field]?.stamp)));
      }
      records.set(id, next);
      dirty.add(id);
      changed = true;
    }
    for (const key of before) {
      if (listed.has(key)) continue;
      const id = `${name}:${key}`;
      const record = records.get(id);
      if (!record || !valuesOf(record)) continue;
      records.set(id, removeRecord(record, editStamp([latestStamp(record)])));
      dirty.add(id);
      changed = true;
    }
    lastIds.set(name, new Set(listed.keys()));
    if (changed) {
      await save();
      schedulePublish();
    }
  }

  /** One profile event from a relay: open, merge, and apply what changed. */
  async function receive(/** @type {any} */ event) {
    let opened;
    try {
      opened = await cryptoClient.profileOpen({ event });
    } catch {
      return; // not ours, altered, or malformed
    }
    const [name, ...rest] = opened.recordId.split(':');
    const key = rest.join(':');
    const collection = collections.get(name);
    if (!collection || !key) return;
    let theirs;
    try {
      theirs = parseRecord(JSON.parse(fromUtf8(opened.record)), now());
    } catch {
      return;
    }
    if (!theirs) return;
    const latest = latestStamp(theirs);
    if (latest && isStamp(latest, now())) observe(latest);
    if (Number.isSafeInteger(event.created_at)) {
      // Our next publish must replace it, but not by going far into the future after it.
      published.set(opened.recordId, Math.max(published.get(opened.recordId) ?? 0, Math.min(event.created_at, latestCreatedAt())));
    }
    noteOnRelays(opened.recordId, theirs);
    const ours = records.get(opened.recordId) ?? emptyRecord();
    const merged = mergeRecords(ours, theirs);
    const changed = !sameValue(merged, ours);
    if (changed) records.set(opened.recordId, merged);
    const wasDirty = dirty.has(opened.recordId);
    if (!relaysLack(opened.recordId)) {
      // A relay holds all we have of it: nothing waits (a publish of ours
      // it refused for holding this copy is not tried again).
      dirty.delete(opened.recordId);
    } else if (!publishing.has(opened.recordId)) {
      // Ours holds something no relay does: publish the merge (past their
      // created_at, now known), so relays converge too. (One on its way is
      // judged when the relay answers it.)
      dirty.add(opened.recordId);
      schedulePublish();
    }
    if (changed || wasDirty !== dirty.has(opened.recordId)) await save();
    if (!changed) return;
    const before = valuesOf(ours);
    const after = valuesOf(merged);
    if (sameValue(before, after)) return;
    // The collection says what changed to whoever shows it (contact, group, device and settings events).
    await applyTo(name, key, after);
  }

  /** Hands an item's new values (null: removed) to its collection. */
  async function applyTo(/** @type {string} */ name, /** @type {string} */ key, /** @type {Record<string, unknown> | null} */ values) {
    const collection = collections.get(name);
    if (!collection) return;
    applying += 1;
    try {
      await collection.apply(key, values);
    } catch {
      // Values this device cannot take (a malformed key, say): the record
      // stays as merged, and is tried again at the next login.
    } finally {
      applying -= 1;
    }
    const ids = lastIds.get(name) ?? new Set();
    if (collection.list().has(key)) ids.add(key);
    else ids.delete(key);
    lastIds.set(name, ids);
    // What the collection made of it (normalised, or edited meanwhile) is recorded.
    await noteLocal(name);
  }

  return {
    /** Loads the records kept here and this browser's device id. */
    async load() {
      const device = await loadDeviceId(store);
      deviceId = device;
      clock = createClock(device, now);
      const saved = (await store.get(RECORDS_KEY)) ?? {};
      for (const [id, value] of Object.entries(saved.records ?? {})) {
        const record = parseRecord(value, now());
        if (!record) continue;
        records.set(id, record);
        const latest = latestStamp(record);
        if (latest) observe(latest);
      }
      for (const id of saved.dirty ?? []) if (records.has(id)) dirty.add(id);
      if (dirty.size) schedulePublish();
    },
    /**
     * Adds a collection under `name` ("contact", …): what it holds and the
     * records lack is written; what the records hold and it lacks is applied.
     */
    async register(/** @type {string} */ name, /** @type {Collection} */ collection) {
      collections.set(name, collection);
      const listed = collection.list();
      lastIds.set(name, new Set(listed.keys()));
      // Records it lacks (an earlier apply failed or was cut short) are applied
      // again, never taken for removals.
      for (const [id, record] of [...records]) {
        const values = id.startsWith(`${name}:`) ? valuesOf(record) : null;
        const key = id.slice(name.length + 1);
        if (values && !listed.has(key)) await applyTo(name, key, values);
      }
      // Items removed elsewhere (the removal merged here earlier) that it
      // still lists are removed, not written back to life.
      for (const key of listed.keys()) {
        const record = records.get(`${name}:${key}`);
        if (record?.fields.created && !valuesOf(record)) await applyTo(name, key, null);
      }
      await noteLocal(name, { initial: true });
    },
    noteLocal,
    receive,
    /** Records changed here that no relay has taken yet. */
    pending: () => dirty.size + publishing.size,
    /** A relay (re)connected: records no relay took (it went down mid-publish) go again. */
    republish() {
      if (dirty.size) schedulePublish();
    },
    /** This browser's device id. */
    device: () => deviceId,
    close() {
      clearTimeout(timer);
    },
  };
}
