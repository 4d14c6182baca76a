// The roaming profile's records: hybrid logical clocks and per-field
// last-writer-wins merging converge whatever the order, the clocks' skew or
// the duplicates, and a removal is not undone by an edit made elsewhere.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareStamps, createClock, isStamp, MAX_FUTURE_MS } from '../../templates/js/core/hlc.js';
import { emptyRecord, isAlive, latestStamp, mergeRecords, parseRecord, removeRecord, valuesOf, writeFields } from '../../templates/js/chat/profile-records.js';
import { memoryStore } from './fakes.mjs';
import { settle, until } from './wait.mjs';

const LAPTOP = 'aaaaaaaa';
const PHONE = 'bbbbbbbb';

test('a clock orders its own edits even when the wall clock stands still or goes back', () => {
  let wall = 1_000;
  const clock = createClock(LAPTOP, () => wall);
  const first = clock.tick();
  const second = clock.tick();
  wall = 500; // the system clock was set back
  const third = clock.tick();
  assert.ok(compareStamps(first, second) < 0 && compareStamps(second, third) < 0);
  assert.equal(third.wall, 1_000, 'never goes back');
});

test('after seeing a stamp from a device whose clock runs ahead, the next edit here is later than it', () => {
  const phone = createClock(PHONE, () => 10_000); // 9 s ahead
  const laptop = createClock(LAPTOP, () => 1_000);
  const seen = phone.tick();
  laptop.observe(seen);
  assert.ok(compareStamps(laptop.tick(), seen) > 0);
});

test('stamps from devices are checked: malformed or far-future ones are refused', () => {
  const now = 1_000_000;
  assert.ok(isStamp({ wall: now, counter: 0, device: LAPTOP }, now));
  for (const bad of [
    null,
    1,
    'x',
    {},
    { wall: -1, counter: 0, device: LAPTOP },
    { wall: now, counter: 0.5, device: LAPTOP },
    { wall: now, counter: 0, device: 'NOT HEX' },
    { wall: now + MAX_FUTURE_MS + 1, counter: 0, device: LAPTOP },
    { wall: '1', counter: 0, device: LAPTOP },
  ]) {
    assert.ok(!isStamp(bad, now), JSON.stringify(bad));
  }
});

/** A small deterministic random generator (tests must not depend on luck). */
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test('merging is commutative, associative and idempotent, so devices converge in any order', () => {
  const random = seeded(7);
  const clocks = [createClock(LAPTOP, () => 1_000 + Math.floor(random() * 50)), createClock(PHONE, () => 1_000 + Math.floor(random() * 50))];
  const versions = [];
  let record = emptyRecord();
  for (let i = 0; i < 200; i++) {
    const clock = clocks[i % 2];
    const r = random();
    if (r < 0.1) record = removeRecord(record, clock.tick());
    else if (r < 0.2) record = writeFields(record, { created: true, spki: 'key' }, clock.tick());
    else record = writeFields(record, { [['nickname', 'roomPassword', 'verified'][i % 3]]: `v${i}` }, clock.tick());
    versions.push(record);
  }
  const shuffled = [...versions].sort(() => random() - 0.5);
  const forward = versions.reduce(mergeRecords, emptyRecord());
  const backward = [...versions].reverse().reduce(mergeRecords, emptyRecord());
  const random_ = shuffled.reduce(mergeRecords, emptyRecord());
  assert.deepEqual(backward, forward);
  assert.deepEqual(random_, forward);
  assert.deepEqual(mergeRecords(forward, forward), forward, 'idempotent');
  const [a, b, c] = [versions[10], versions[90], versions[150]];
  assert.deepEqual(mergeRecords(mergeRecords(a, b), c), mergeRecords(a, mergeRecords(b, c)), 'associative');
});

test('the same nickname changed on two offline devices: both converge on the later edit; different fields both survive', () => {
  let wallLaptop = 1_000;
  let wallPhone = 1_000;
  const laptop = createClock(LAPTOP, () => wallLaptop);
  const phone = createClock(PHONE, () => wallPhone);
  const base = writeFields(emptyRecord(), { created: true, spki: 'key', nickname: 'Uma' }, laptop.tick());
  wallLaptop = 2_000;
  wallPhone = 3_000;
  const onLaptop = writeFields(base, { nickname: 'Uma (work)', roomPassword: 'secret' }, laptop.tick());
  const onPhone = writeFields(base, { nickname: 'Uma B.' }, phone.tick());
  const merged1 = mergeRecords(onLaptop, onPhone);
  const merged2 = mergeRecords(onPhone, onLaptop);
  assert.deepEqual(merged1, merged2);
  assert.deepEqual(valuesOf(merged1), { created: true, spki: 'key', nickname: 'Uma B.', roomPassword: 'secret' });
});

test('a contact removed on one device stays removed, even after an edit elsewhere; adding it again brings it back', () => {
  let wall = 1_000;
  const laptop = createClock(LAPTOP, () => wall);
  const phone = createClock(PHONE, () => wall);
  const base = writeFields(emptyRecord(), { created: true, spki: 'key', nickname: 'Uma' }, laptop.tick());
  wall = 2_000;
  const removed = removeRecord(base, laptop.tick());
  wall = 3_000;
  const editedLater = writeFields(base, { nickname: 'Uma!' }, phone.tick());
  const merged = mergeRecords(removed, editedLater);
  assert.equal(isAlive(merged), false);
  assert.equal(valuesOf(merged), null);
  wall = 4_000;
  const again = writeFields(merged, { created: true, spki: 'key' }, phone.tick());
  // What was written before the removal stays gone; the edit made after it elsewhere is kept.
  assert.deepEqual(valuesOf(again), { created: true, spki: 'key', nickname: 'Uma!' });
  const readdedOnLaptop = writeFields(removed, { created: true, spki: 'key' }, laptop.tick());
  assert.deepEqual(valuesOf(readdedOnLaptop), { created: true, spki: 'key' }, 'the nickname from before the removal does not come back');
  assert.equal(latestStamp(again)?.wall, 4_000);
});

test('records from storage or another device are parsed defensively', () => {
  const now = 10_000;
  const stamp = { wall: 1_000, counter: 0, device: LAPTOP };
  const good = { fields: { created: { value: true, stamp }, nickname: { value: 'x', stamp } }, removed: null };
  assert.deepEqual(parseRecord(good, now), good);
  const tooMany = { fields: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}`, { value: 1, stamp }])), removed: null };
  for (const bad of [
    null,
    'record',
    { fields: [], removed: null },
    { fields: {}, removed: 'yesterday' },
    { fields: { __proto__x: { value: 1, stamp } }, removed: null },
    { fields: { nickname: { stamp } }, removed: null },
    { fields: { nickname: { value: 1, stamp: { ...stamp, wall: now + MAX_FUTURE_MS + 1 } } }, removed: null },
    tooMany,
  ]) {
    assert.equal(parseRecord(bad, now), null, JSON.stringify(bad)?.slice(0, 80));
  }
});

// ---- profile-sync: two devices through a shared "relay" (in memory), and a hostile one ----

import { createProfileSync } from '../../templates/js/chat/profile-sync.js';

/** Profile "sealing" that only ours can open: a tag stands in for the worker's AES-GCM and signature. */
const OURS = 'ours';
const profileCrypto = {
  profileSeal: async ({ recordId, record, now }) => ({ kind: 30078, created_at: now, content: JSON.stringify({ who: OURS, recordId, record: [...record] }) }),
  profileOpen: async ({ event }) => {
    const body = JSON.parse(event.content);
    if (body.who !== OURS) throw new Error('not ours');
    return { recordId: body.recordId, record: new Uint8Array(body.record) };
  },
};

/** A device with one collection ("contact") held in a Map. */
async function deviceWith(relay, items = new Map()) {
  const sync = createProfileSync({ cryptoClient: profileCrypto, store: memoryStore(), publish: async (event) => (relay.push(event), ['relay']) });
  await sync.load();
  const collection = {
    list: () => new Map([...items].map(([k, v]) => [k, { ...v }])),
    apply: async (key, values) => (values ? items.set(key, { spki: values.spki, nickname: values.nickname }) : items.delete(key)),
  };
  await sync.register('contact', collection);
  return { sync, items, edit: async () => sync.noteLocal('contact') };
}

test('two devices converge through the relay, and a hostile relay’s events change nothing', async () => {
  const relay = [];
  const laptop = await deviceWith(relay, new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]));
  await until(() => relay.length > 0 && laptop.sync.pending() === 0, 'the laptop’s record on the relay');
  const phone = await deviceWith([]);
  for (const event of relay) await phone.sync.receive(event);
  assert.deepEqual(phone.items.get('fp1'), { spki: 'k1', nickname: 'Uma' });

  // Garbage, other people's events and malformed records: ignored, nothing thrown.
  for (const event of [
    null,
    {},
    { content: 'not json' },
    { content: JSON.stringify({ who: 'someone else', recordId: 'contact:fp1', record: [] }) },
    { content: JSON.stringify({ who: OURS, recordId: 'contact:fp1', record: [...new TextEncoder().encode('{"fields":[]}')] }) },
    { content: JSON.stringify({ who: OURS, recordId: 'unknown-collection:x', record: [...new TextEncoder().encode('{"fields":{},"removed":null}')] }) },
    { content: JSON.stringify({ who: OURS, recordId: 'contact:', record: [...new TextEncoder().encode('{"fields":{},"removed":null}')] }) },
  ]) {
    await phone.sync.receive(event);
  }
  assert.deepEqual([...phone.items.keys()], ['fp1']);

  // A removal on the phone reaches the laptop; the laptop does not write it back.
  phone.items.delete('fp1');
  const fromPhone = [];
  phone.sync.close();
  const phone2 = await deviceWith(fromPhone, phone.items); // same items, its own relay log
  for (const event of relay) await phone2.sync.receive(event);
  phone2.items.delete('fp1');
  await phone2.edit();
  await until(() => fromPhone.length > 0 && phone2.sync.pending() === 0, 'the removal on the relay');
  for (const event of fromPhone) await laptop.sync.receive(event);
  assert.equal(laptop.items.has('fp1'), false, 'removed on the laptop too');
  const before = relay.length;
  await laptop.edit();
  // Whatever it would publish is pending until a relay has it.
  await settle();
  await until(() => laptop.sync.pending() === 0, 'nothing left to publish');
  assert.equal(relay.slice(before).length, 0, 'nothing written back to life');
  laptop.sync.close();
  phone2.sync.close();
});

test('a record no relay took (all down, or one died mid-publish) goes again when a relay comes back', async () => {
  const relay = [];
  let attempts = 0;
  let up = false;
  const sync = createProfileSync({
    cryptoClient: profileCrypto,
    store: memoryStore(),
    publish: async (event) => {
      attempts += 1;
      if (!up) return [];
      relay.push(event);
      return ['relay'];
    },
  });
  await sync.load();
  const items = new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]);
  await sync.register('contact', { list: () => new Map(items), apply: async () => {} });
  await until(() => attempts > 0, 'a first attempt');
  await until(() => sync.pending() > 0, 'the record still pending');
  assert.equal(relay.length, 0);
  up = true;
  sync.republish();
  await until(() => relay.length > 0 && sync.pending() === 0, 'the record on the relay');
  sync.close();
});

// ---- clocks that run ahead: relays keep the newest created_at of a record ----

import { DEVICE_KEY, MAX_LEAD_MS } from '../../templates/js/chat/profile-sync.js';

const REAL = Math.floor(Date.now() / 1000) * 1000;
const HOUR = 3600_000;

/** A relay that keeps the newest created_at per record and, like most, refuses events more than 15 minutes in the future (by real time). */
function strictRelay() {
  const kept = new Map();
  const refused = [];
  return {
    kept,
    refused,
    publish: async (event) => {
      const { recordId } = JSON.parse(event.content);
      const held = kept.get(recordId);
      if (event.created_at > Math.floor(REAL / 1000) + 15 * 60 || (held && held.created_at >= event.created_at)) {
        refused.push(event);
        return [];
      }
      kept.set(recordId, event);
      return ['strict'];
    },
  };
}

/** The record an event carries. */
const recordOf = (event) => JSON.parse(new TextDecoder().decode(new Uint8Array(JSON.parse(event.content).record)));

/**
 * A device whose clock reads REAL + `offset()`, with one "contact" collection, publishing through `publish`;
 * `device`: its device id, if given (it orders stamps written at the same instant).
 */
async function deviceAt(offset, publish, items, device = null) {
  const store = memoryStore();
  if (device) await store.put(DEVICE_KEY, device);
  const sync = createProfileSync({ cryptoClient: profileCrypto, store, publish, now: () => REAL + offset() });
  await sync.load();
  await sync.register('contact', {
    list: () => new Map([...items].map(([k, v]) => [k, { ...v }])),
    apply: async (key, values) => (values ? items.set(key, { spki: values.spki, nickname: values.nickname }) : items.delete(key)),
  });
  return sync;
}

test('a device whose clock ran a day fast publishes again once its clock is right: a refused publish does not push created_at on', async () => {
  const relay = strictRelay();
  let offset = 25 * HOUR;
  const sync = await deviceAt(() => offset, relay.publish, new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]));
  await until(() => relay.refused.length > 0, 'the publish refused as too far ahead');
  assert.equal(sync.pending(), 1);
  offset = 0; // the clock is put right
  sync.republish();
  await until(() => relay.kept.size === 1 && sync.pending() === 0, 'the record on the relay');
  assert.ok(relay.kept.get('contact:fp1').created_at <= Math.floor(REAL / 1000) + MAX_LEAD_MS / 1000);
  sync.close();
});

test('a record from a device running hours ahead drags neither our clock nor our created_at along; an edit made after seeing it still wins', async () => {
  // The fast device (20 hours ahead: its stamps are still accepted) edits a nickname.
  const lenient = [];
  const fastItems = new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]);
  const fast = await deviceAt(
    () => 20 * HOUR,
    async (event) => (lenient.push(event), ['lenient']),
    fastItems,
  );
  fastItems.set('fp1', { spki: 'k1', nickname: 'Uma (climbing)' });
  await fast.noteLocal('contact');
  await until(() => lenient.some((e) => recordOf(e).fields.nickname?.value === 'Uma (climbing)'), 'the fast edit published');
  fast.close();

  const relay = strictRelay();
  const items = new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]);
  const sync = await deviceAt(() => 0, relay.publish, items);
  await until(() => sync.pending() === 0, 'our first look on the relay');
  for (const event of lenient) await sync.receive(event);
  assert.equal(items.get('fp1').nickname, 'Uma (climbing)', 'the fast edit is merged');

  // Our next edits: another contact, and the same nickname again.
  items.set('fp2', { spki: 'k2', nickname: 'Lee' });
  items.set('fp1', { spki: 'k1', nickname: 'Uma R.' });
  await sync.noteLocal('contact');
  await until(() => relay.kept.has('contact:fp2') && sync.pending() === 0, 'our edits taken by the strict relay');
  for (const event of relay.kept.values())
    assert.ok(event.created_at <= Math.floor((REAL + MAX_LEAD_MS) / 1000), `created_at ${event.created_at - REAL / 1000} s ahead`);
  const lee = recordOf(relay.kept.get('contact:fp2'));
  assert.ok(lee.fields.nickname.stamp.wall <= REAL + MAX_LEAD_MS, `our clock was dragged ${(lee.fields.nickname.stamp.wall - REAL) / HOUR} h ahead`);
  // The nickname edited after seeing the fast one wins everywhere, the fast device included.
  const uma = recordOf(relay.kept.get('contact:fp1'));
  const merged = mergeRecords(recordOf(lenient.at(-1)), uma);
  assert.equal(valuesOf(merged).nickname, 'Uma R.');
  sync.close();
});

for (const [ours, theirs] of [
  ['0000000000000000', 'ffffffffffffffff'],
  ['ffffffffffffffff', '0000000000000000'],
]) {
  test(`a fresh device whose first publish the relay refused (it holds a newer one) is pending no more once it read the relay’s record (device ${ours.slice(0, 4)}… after ${theirs.slice(0, 4)}…)`, async () => {
    // Another device published the same contact seconds "ahead" (each quick
    // republish moves created_at on by a second).
    const relay = strictRelay();
    const other = await deviceAt(() => 5_000, relay.publish, new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]), theirs);
    await until(() => relay.kept.size === 1 && other.pending() === 0, 'the other device’s record on the relay');
    other.close();
    const held = relay.kept.get('contact:fp1');

    // The fresh device holds the same contact and publishes before it has read the relay: refused.
    const items = new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]);
    const fresh = await deviceAt(() => 0, relay.publish, items, ours);
    await until(() => relay.refused.length > 0 && fresh.pending() === 1, 'the fresh device’s publish refused, the record pending');
    // It reads the relay: the record there holds all it has (nothing waits),
    // or lacks a first-look stamp of ours (the merge goes out past it).
    await fresh.receive(held);
    await until(() => fresh.pending() === 0, 'nothing pending');
    const kept = relay.kept.get('contact:fp1');
    assert.ok(kept === held || kept.created_at > held.created_at);
    assert.deepEqual(valuesOf(recordOf(kept)), { created: true, spki: 'k1', nickname: 'Uma' });

    // An edit the relay's copy lacks goes out past the relay's created_at.
    items.set('fp1', { spki: 'k1', nickname: 'Uma R.' });
    await fresh.noteLocal('contact');
    await until(() => fresh.pending() === 0 && valuesOf(recordOf(relay.kept.get('contact:fp1'))).nickname === 'Uma R.', 'the edit on the relay');
    assert.ok(relay.kept.get('contact:fp1').created_at > held.created_at);
    fresh.close();
  });
}

test('echoes of our own publications, in any order, leave nothing pending and publish nothing again', async () => {
  const relay = strictRelay();
  let calls = 0;
  let gate = null;
  const publish = async (event) => {
    calls += 1;
    if (gate) await gate;
    return relay.publish(event);
  };
  const items = new Map([['fp1', { spki: 'k1', nickname: 'Uma' }]]);
  const sync = await deviceAt(() => 0, publish, items);
  await until(() => sync.pending() === 0 && relay.kept.size === 1, 'the first version on the relay');
  const first = relay.kept.get('contact:fp1');
  // An edit whose publish the relay answers late; meanwhile the relay echoes the first version.
  let answer;
  gate = new Promise((resolve) => (answer = resolve));
  items.set('fp1', { spki: 'k1', nickname: 'Uma R.' });
  await sync.noteLocal('contact');
  await until(() => calls === 2, 'the edit on its way');
  await sync.receive(first);
  gate = null;
  answer();
  await until(() => sync.pending() === 0 && valuesOf(recordOf(relay.kept.get('contact:fp1'))).nickname === 'Uma R.', 'the edit on the relay');
  // Both echoes again, late: nothing is pending and nothing goes out again.
  await sync.receive(first);
  await sync.receive(relay.kept.get('contact:fp1'));
  assert.equal(sync.pending(), 0);
  await settle();
  await until(() => sync.pending() === 0, 'nothing left to publish');
  assert.equal(calls, 2, 'no publish after the echoes');
  assert.equal(relay.refused.length, 0);
  sync.close();
});
