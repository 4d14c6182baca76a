// @ts-check
// Records of the roaming profile (DESIGN.md §7): contacts, groups, settings
// and devices as records that several devices edit independently and merge
// in any order, to the same result (a state-based CRDT).
//
// Each field of a record is its own last-writer-wins register, stamped by a
// hybrid logical clock (core/hlc.js): two devices changing different fields
// of one contact at once both keep their change; changing the same field,
// the later stamp wins on every device. Removal is a tombstone stamp: the
// record is gone unless it was created again after it (a `created` field
// newer than the tombstone). An edit made elsewhere after the removal does
// not bring a removed record back — "removed on one device stays removed".

import { compareStamps, isStamp, laterStamp } from '../core/hlc.js';

/**
 * @typedef {import('../core/hlc.js').Stamp} Stamp
 * @typedef {{ fields: Record<string, {value: unknown, stamp: Stamp}>, removed: Stamp | null }} ProfileRecord
 */

/** Fields a record may have at most (a record from a device is checked like any input). */
const MAX_FIELDS = 64;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** An empty record. */
export const emptyRecord = () => /** @type {ProfileRecord} */ ({ fields: {}, removed: null });

/** The record with `values` written at `stamp` (`created` marks a (re)creation). */
export function writeFields(/** @type {ProfileRecord} */ record, /** @type {Record<string, unknown>} */ values, /** @type {Stamp} */ stamp) {
  const fields = { ...record.fields };
  for (const [name, value] of Object.entries(values)) fields[name] = { value, stamp };
  return { fields, removed: record.removed };
}

/** The record removed at `stamp`. */
export function removeRecord(/** @type {ProfileRecord} */ record, /** @type {Stamp} */ stamp) {
  return { fields: record.fields, removed: laterStamp(record.removed, stamp) };
}

/** Both records merged: each field's later write, the later tombstone. Commutative, associative, idempotent. */
export function mergeRecords(/** @type {ProfileRecord} */ a, /** @type {ProfileRecord} */ b) {
  const fields = { ...a.fields };
  for (const [name, theirs] of Object.entries(b.fields)) {
    const ours = fields[name];
    if (!ours || compareStamps(theirs.stamp, ours.stamp) > 0) fields[name] = theirs;
  }
  return { fields, removed: laterStamp(a.removed, b.removed) };
}

/** Whether the record exists: created, and not removed since. */
export function isAlive(/** @type {ProfileRecord} */ record) {
  const created = record.fields.created;
  return !!created && (!record.removed || compareStamps(created.stamp, record.removed) > 0);
}

/** The record's values (written after its last removal), or null when it does not exist. */
export function valuesOf(/** @type {ProfileRecord} */ record) {
  if (!isAlive(record)) return null;
  /** @type {Record<string, unknown>} */
  const values = {};
  for (const [name, { value, stamp }] of Object.entries(record.fields)) {
    if (!record.removed || compareStamps(stamp, record.removed) > 0) values[name] = value;
  }
  return values;
}

/** The latest stamp in a record (what a clock must observe after reading it). */
export function latestStamp(/** @type {ProfileRecord} */ record) {
  let latest = record.removed;
  for (const { stamp } of Object.values(record.fields)) latest = laterStamp(latest, stamp);
  return latest;
}

/** A record as read from storage or another device, or null if malformed. */
export function parseRecord(/** @type {unknown} */ value, now = Date.now()) {
  const record = /** @type {any} */ (value);
  if (!record || typeof record !== 'object' || typeof record.fields !== 'object' || record.fields === null || Array.isArray(record.fields)) return null;
  if (record.removed !== null && !isStamp(record.removed, now)) return null;
  const entries = Object.entries(record.fields);
  if (entries.length > MAX_FIELDS) return null;
  /** @type {ProfileRecord['fields']} */
  const fields = {};
  for (const [name, field] of entries) {
    if (!FIELD_NAME.test(name) || !field || typeof field !== 'object' || !('value' in field) || !isStamp(field.stamp, now)) return null;
    fields[name] = { value: field.value, stamp: field.stamp };
  }
  return { fields, removed: record.removed };
}
