// chat/mirror-merge.js: what the mirror decides about the records our own
// devices exchange, as pure functions. Merging never loses a delivery, a
// read or a tick, whatever the order or the duplicates; batches are stored
// oldest first; and every bound on what a device or the relays send holds.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  INITIAL_HISTORY,
  MAX_HAVE,
  MAX_PAYLOAD_READS,
  MAX_PAYLOAD_RECORDS,
  MAX_READ_KEYS,
  MAX_RELAY_READ_KEYS,
  MAX_WAITING,
  OLDER_PAGE,
  collectHistory,
  dedupeByKey,
  inKeepingOrder,
  inventory,
  isMessageId,
  isMetaOf,
  isRead,
  isRecordShape,
  keptMeta,
  lackedKeys,
  mayWait,
  mergeHeld,
  mergeMeta,
  olderLimit,
  pageKeys,
  parseFrame,
  readAtOf,
  readFrame,
  readKeys,
  recordBytes,
  recordState,
  relayReads,
  reopenedAsClaimed,
  shownOf,
  splitFresh,
  startsNewBatch,
  stateGoesToRelays,
} from '../../templates/js/chat/mirror-merge.js';

const SELF = 'a'.repeat(64);
const FRIEND = 'b'.repeat(64);
const STRANGER = 'c'.repeat(64);
const idOf = (n) => n.toString(16).padStart(32, '0');
const keyOf = (n, sender = FRIEND) => `${sender}:${idOf(n)}`;
const utf8 = (value) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
/** A prepared record as the mirror's shell hands it over (only what the pure functions read). */
const prepared = (key, { ts = 1, lamport = 1, theirs = { mine: false }, shown = null } = {}) => ({ key, theirs, shown, opened: { timestampMs: ts, lamport } });

test('frames that are not JSON parse as null; JSON parses as itself', () => {
  assert.equal(parseFrame(new Uint8Array([0xff, 0xfe, 0x00])), null, 'not UTF-8');
  assert.equal(parseFrame(utf8('{"records": [')), null, 'cut short');
  assert.equal(parseFrame(new Uint8Array()), null, 'empty');
  assert.deepEqual(parseFrame(utf8({ records: [1] })), { records: [1] });
  assert.equal(parseFrame(utf8('null')), null);
});

test('message ids and record shapes: only 32 lower-case hex digits in an object', () => {
  assert.ok(isMessageId(idOf(1)));
  for (const bad of [
    '',
    'not-hex',
    idOf(1).toUpperCase().replace(/0/g, 'A'),
    `${idOf(1)}0`,
    idOf(1).slice(1),
    ` ${idOf(1).slice(1)}`,
    `${idOf(1).slice(1)}\n`,
    7,
    null,
    undefined,
    [idOf(1)],
    { toString: () => idOf(1) },
  ]) {
    assert.equal(isMessageId(bad), false, JSON.stringify(String(bad)));
  }
  assert.ok(isRecordShape({ id: idOf(1) }));
  for (const bad of [null, undefined, 7, 'x', idOf(1), { id: 'x' }, { id: 1 }, {}]) assert.equal(isRecordShape(bad), false, JSON.stringify(bad));
});

test('a record counts only if it reopened as the message and conversation it names, from us or a member', () => {
  const conv = { id: 'conv', members: [{ fingerprint: FRIEND }] };
  const item = { id: idOf(1) };
  const opened = { conversationId: 'conv', messageId: idOf(1), sender: FRIEND };
  assert.ok(reopenedAsClaimed(item, conv, opened, SELF));
  assert.ok(reopenedAsClaimed(item, conv, { ...opened, sender: SELF }, SELF), 'ours');
  assert.equal(reopenedAsClaimed(item, conv, { ...opened, conversationId: 'other' }, SELF), false, 'another conversation');
  assert.equal(reopenedAsClaimed(item, conv, { ...opened, messageId: idOf(2) }, SELF), false, 'another message');
  assert.equal(reopenedAsClaimed(item, conv, { ...opened, sender: STRANGER }, SELF), false, 'not a member');
});

test('a sealed state counts only as an object that says rightly whose message it is', () => {
  assert.ok(isMetaOf({ mine: true }, true));
  assert.ok(isMetaOf({ mine: false }, false));
  for (const [theirs, mine] of [
    [{ mine: true }, false],
    [{ mine: false }, true],
    [{}, false],
    [{ mine: 'true' }, true],
    [null, false],
    ['x', false],
    [7, false],
  ]) {
    assert.equal(isMetaOf(theirs, mine), false, JSON.stringify([theirs, mine]));
  }
});

test('only delivery states a device may show are taken from a record', () => {
  for (const state of ['failed', 'queued', 'sent', 'relayed', 'delivered', 'read']) assert.equal(shownOf(state), state);
  for (const bad of ['received', 'READ', '__proto__', 'toString', 'hasOwnProperty', '', 4, null, undefined, ['read'], { read: true }]) {
    assert.equal(shownOf(bad), null, JSON.stringify(String(bad)));
  }
});

test('two copies of a sealed state merge every delivery and read either knows; where they disagree the first stays', () => {
  const a = { mine: true, delivered: { [FRIEND]: 1 }, read: {}, readAt: null, shown: 'sent' };
  const b = { mine: true, delivered: { [FRIEND]: 9, [STRANGER]: 2 }, read: { [FRIEND]: 3 }, readAt: 5 };
  const before = structuredClone([a, b]);
  const merged = mergeMeta(a, b);
  assert.deepEqual(merged, { mine: true, delivered: { [FRIEND]: 1, [STRANGER]: 2 }, read: { [FRIEND]: 3 }, readAt: 5, shown: 'sent' });
  assert.deepEqual([a, b], before, 'neither copy is changed');
  assert.equal(mergeMeta({ mine: false, readAt: 7 }, { mine: false, readAt: 3 }).readAt, 7, 'the first read time stays');
  assert.equal(mergeMeta({ mine: false }, { mine: false }).readAt, null);
  // Whatever the order, nobody's delivery or read is lost.
  const other = mergeMeta(b, a);
  assert.deepEqual(Object.keys(other.delivered).sort(), Object.keys(merged.delivered).sort());
  assert.deepEqual(Object.keys(other.read), Object.keys(merged.read));
});

test('a hostile sealed state cannot reach the prototype of what it merges into', () => {
  const hostile = JSON.parse('{"mine": false, "delivered": {"__proto__": {"polluted": 1}}, "read": {"__proto__": {"polluted": 1}}}');
  const merged = mergeMeta({ mine: false, delivered: {}, read: {} }, hostile);
  assert.equal(merged.delivered.polluted, undefined);
  assert.equal(merged.read.polluted, undefined);
  assert.equal(Object.getPrototypeOf(merged.delivered), Object.prototype);
  assert.equal({}.polluted, undefined);
});

test('merging into a held message: the tick another device showed counts once ours left the outbox, and never goes back', () => {
  const held = { mine: true, delivered: {}, read: {}, readAt: null, shown: 'delivered' };
  assert.equal(mergeHeld(held, { mine: true }, 'sent', true).shown, 'delivered', 'a stale copy');
  assert.equal(mergeHeld(held, { mine: true }, 'read', true).shown, 'read', 'a further one');
  assert.equal(mergeHeld(held, { mine: true }, 'read', false).shown, 'delivered', 'still in our outbox: ours says');
  assert.equal(mergeHeld({ ...held, shown: undefined }, { mine: true }, 'sent', true).shown, 'sent', 'none held yet');
  assert.equal(mergeHeld(held, { mine: true }, null, true).shown, 'delivered', 'the copy showed nothing');
  assert.equal(mergeHeld({ mine: false }, { mine: false }, 'read', true).shown, undefined, 'a contact’s message has no tick');
  // The deliveries and reads merge as well, and the held state is not changed.
  const merged = mergeHeld(held, { mine: true, delivered: { [FRIEND]: 2 } }, 'read', true);
  assert.deepEqual(merged.delivered, { [FRIEND]: 2 });
  assert.equal(held.shown, 'delivered');
});

test('a record new here keeps the tick for our message and a read that came before it for a contact’s', () => {
  assert.deepEqual(keptMeta({ mine: true }, 'delivered', undefined), { mine: true, shown: 'delivered' });
  assert.deepEqual(keptMeta({ mine: false }, 'delivered', undefined), { mine: false }, 'a contact’s message takes no tick');
  assert.deepEqual(keptMeta({ mine: true }, null, undefined), { mine: true });
  assert.equal(keptMeta({ mine: false, readAt: null }, null, 7).readAt, 7, 'read elsewhere first');
  assert.equal(keptMeta({ mine: false, readAt: 3 }, null, 7).readAt, 3, 'its own read time stays');
  assert.equal(keptMeta({ mine: true }, null, 7).readAt, undefined, 'our own message is not "read" by us');
  const theirs = { mine: true };
  keptMeta(theirs, 'read', 1);
  assert.deepEqual(theirs, { mine: true }, 'the copy is not changed');
});

test('a batch keeps each message once, merging its copies and keeping the further tick, in the first copy’s place', () => {
  const first = prepared(keyOf(1), { theirs: { mine: true, delivered: { [FRIEND]: 1 } }, shown: 'queued' });
  const other = prepared(keyOf(2));
  const again = prepared(keyOf(1), { theirs: { mine: true, read: { [FRIEND]: 2 } }, shown: 'delivered' });
  const stale = prepared(keyOf(1), { theirs: { mine: true }, shown: 'sent' });
  const unique = dedupeByKey([first, other, again, stale]);
  assert.deepEqual(
    unique.map((p) => p.key),
    [keyOf(1), keyOf(2)],
  );
  assert.equal(unique[0].shown, 'delivered');
  assert.deepEqual(unique[0].theirs.delivered, { [FRIEND]: 1 });
  assert.deepEqual(unique[0].theirs.read, { [FRIEND]: 2 });
  assert.equal(first.shown, 'queued', 'the copies handed in are not changed');
  // The same message twice from different senders is two messages (keys include the sender).
  assert.equal(dedupeByKey([prepared(keyOf(1)), prepared(keyOf(1, SELF))]).length, 2);
  assert.deepEqual(dedupeByKey([]), []);
});

test('a batch is stored oldest first by timestamp then lamport; older history newest first', () => {
  const batch = [
    prepared('c', { ts: 20, lamport: 1 }),
    prepared('a', { ts: 10, lamport: 5 }),
    prepared('b', { ts: 10, lamport: 6 }),
    prepared('d', { ts: 20, lamport: 1 }),
  ];
  const order = (list) => list.map((p) => p.key).join('');
  assert.equal(order(inKeepingOrder(batch, false)), 'abcd', 'ties keep the order they came in');
  assert.equal(order(inKeepingOrder(batch, true)), 'dcba');
  assert.equal(order(batch), 'cabd', 'the batch handed in is not reordered');
});

test('records already held merge; the others are new, each in the batch’s order', () => {
  const { fresh, held } = splitFresh(['a', 'b', 'c', 'd'], [undefined, ['tag', 3], null, ['tag', 1]]);
  assert.deepEqual(fresh, ['a', 'c']);
  assert.deepEqual(held, ['b', 'd']);
});

test('what a record carries and what goes to the relays', () => {
  assert.equal(recordState(true, 'sent'), 'sent');
  assert.equal(recordState(true, null), 'delivered', 'out of the outbox means delivered');
  assert.equal(recordState(false, 'sent'), null, 'a contact’s message carries no state');
  assert.equal(stateGoesToRelays(true, 'delivered'), true);
  assert.equal(stateGoesToRelays(true, 'read'), true);
  assert.equal(stateGoesToRelays(true, 'sent'), false);
  assert.equal(stateGoesToRelays(false, 'read'), false);
});

test('frames fill up to their size; a record larger than a frame goes alone', () => {
  const record = { env: 'x'.repeat(600), rcpt: 'y'.repeat(100), meta: 'z'.repeat(50) };
  assert.equal(recordBytes(record), 1150);
  assert.equal(startsNewBatch(0, 0, 5000, 1000), false, 'alone in its frame');
  assert.equal(startsNewBatch(1, 5000, 10, 1000), true, 'nothing joins one over the size');
  assert.equal(startsNewBatch(2, 600, 400, 1000), false, 'exactly full');
  assert.equal(startsNewBatch(2, 600, 401, 1000), true);
});

test('an inventory names the newest keys; a device is sent the newest INITIAL_HISTORY it lacks, oldest first', () => {
  const newest = Array.from({ length: 1500 }, (_, i) => ({ key: keyOf(1500 - i) }));
  assert.deepEqual(inventory('conv', newest.slice(0, 2)), { conv: 'conv', keys: [keyOf(1500), keyOf(1499)] });
  const lacked = lackedKeys(newest, [keyOf(1500), keyOf(1498)]);
  assert.equal(lacked.length, INITIAL_HISTORY);
  assert.equal(lacked.at(-1), keyOf(1499), 'the newest it lacks, last');
  assert.equal(lacked[0], keyOf(1499 - INITIAL_HISTORY), 'the oldest of them first');
  assert.ok(!lacked.includes(keyOf(1498)));
  assert.deepEqual(lackedKeys([], [keyOf(1)]), []);
});

test('a hostile inventory: malformed keys are ignored, and only the first MAX_HAVE keys count', () => {
  const ours = [{ key: keyOf(2) }, { key: keyOf(1) }];
  assert.deepEqual(lackedKeys(ours, [null, 7, {}, ['x'], 'not a key', keyOf(2).toUpperCase(), `${keyOf(2)} `]), [keyOf(1), keyOf(2)]);
  // Past MAX_HAVE, what it names is not read: it lacks our messages named there.
  const padding = Array.from({ length: MAX_HAVE }, (_, i) => keyOf(10_000 + i));
  assert.deepEqual(lackedKeys(ours, [...padding, keyOf(2), keyOf(1)]), [keyOf(1), keyOf(2)]);
  assert.deepEqual(lackedKeys(ours, [keyOf(2), ...padding]), [keyOf(1)]);
});

test('an older page carries 1 to OLDER_PAGE messages, whatever was asked, oldest first', () => {
  assert.equal(olderLimit(10), 10);
  assert.equal(olderLimit(10_000), OLDER_PAGE);
  for (const asked of [0, -5, Number.MIN_SAFE_INTEGER]) assert.equal(olderLimit(asked), 1, String(asked));
  for (const asked of [undefined, null, '10', 2.5, NaN, Infinity, 1e300, [10]]) assert.equal(olderLimit(asked), OLDER_PAGE, String(asked));
  assert.deepEqual(
    pageKeys([
      { sender: FRIEND, id: idOf(5) },
      { sender: SELF, id: idOf(4) },
    ]),
    [`${SELF}:${idOf(4)}`, `${FRIEND}:${idOf(5)}`],
  );
});

test('a read from another device: shaped like one, never in the future, marking only contacts’ well-formed keys', () => {
  assert.ok(isRead({ keys: [] }));
  for (const bad of [null, undefined, 7, 'x', [], { keys: 'x' }, { keys: { length: 1 } }]) assert.equal(isRead(bad), false, JSON.stringify(bad));
  assert.equal(readAtOf(5, 100), 5);
  assert.equal(readAtOf(500, 100), 100, 'a time in the future is now');
  for (const bad of [undefined, null, '5', 2.5, NaN, Infinity, 2 ** 60]) assert.equal(readAtOf(bad, 100), 100, String(bad));
  assert.deepEqual(readKeys([keyOf(1), keyOf(2, SELF), 'not a key', null, keyOf(3)], SELF), [keyOf(1), keyOf(3)]);
});

test('a hostile read names at most MAX_READ_KEYS keys, however many it sends', () => {
  const keys = Array.from({ length: MAX_READ_KEYS * 5 }, (_, i) => keyOf(i + 1));
  const marked = readKeys(keys, SELF);
  assert.equal(marked.length, MAX_READ_KEYS);
  assert.equal(marked.at(-1), keyOf(MAX_READ_KEYS));
  // Garbage takes up the places it fills: what follows it is not read either.
  assert.deepEqual(readKeys([...Array(MAX_READ_KEYS).fill('junk'), keyOf(1)], SELF), []);
});

test('a read here goes to our devices online in one frame and to the relays in entries of MAX_RELAY_READ_KEYS', () => {
  const keys = Array.from({ length: 1200 }, (_, i) => keyOf(i + 1));
  const frame = readFrame('conv', keys, 9);
  assert.equal(frame.keys.length, MAX_READ_KEYS);
  assert.deepEqual({ ...frame, keys: undefined }, { conv: 'conv', keys: undefined, at: 9 });
  const entries = relayReads('conv', keys, 9);
  assert.deepEqual(
    entries.map((e) => e.keys.length),
    [MAX_RELAY_READ_KEYS, MAX_READ_KEYS - MAX_RELAY_READ_KEYS],
  );
  assert.deepEqual(
    entries.flatMap((e) => e.keys),
    frame.keys,
    'the same keys either way',
  );
  assert.ok(entries.every((e) => e.conv === 'conv' && e.at === 9));
  assert.deepEqual(relayReads('conv', [], 9), []);
});

test('history from the relays: garbage payloads are dropped, and each payload brings at most its share', () => {
  const records = Array.from({ length: MAX_PAYLOAD_RECORDS + 50 }, (_, i) => ({ n: i }));
  const reads = Array.from({ length: MAX_PAYLOAD_READS + 50 }, (_, i) => ({ n: i }));
  const garbage = [new Uint8Array([0xff]), utf8('null'), utf8('7'), utf8({ records: 'x', reads: { length: 5 } }), utf8([1, 2])];
  const got = collectHistory([...garbage, utf8({ records, reads }), utf8({ records: [{ n: 'last' }] })]);
  assert.equal(got.records.length, MAX_PAYLOAD_RECORDS + 1);
  assert.deepEqual(got.records.at(-1), { n: 'last' }, 'the next payload still counts');
  assert.equal(got.reads.length, MAX_PAYLOAD_READS);
  assert.deepEqual(collectHistory([]), { records: [], reads: [] });
});

test('what waits for a conversation not known yet is bounded: its id and how much waits', () => {
  assert.ok(mayWait('conv', 0));
  assert.ok(mayWait('x'.repeat(200), MAX_WAITING - 1));
  assert.equal(mayWait('x'.repeat(201), 0), false, 'an oversized id');
  assert.equal(mayWait('conv', MAX_WAITING), false, 'full');
  for (const bad of [undefined, null, 7, ['conv'], { toString: () => 'conv' }]) assert.equal(mayWait(bad, 0), false, String(bad));
});
