// The courier's decisions (net/courier-state.js), without sockets or
// timers: who waits for which answer, which queued events one connection
// takes, what a relay's message says, and how long a relay is left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  afterFailure,
  failedUntil,
  LINGER_MS,
  MAX_BATCH,
  newEntry,
  newRelay,
  nextBatch,
  rateLimitedUntil,
  readRelayMessage,
  relayStatus,
  settle,
  tooLarge,
  tripWait,
} from '../../templates/js/net/courier-state.js';

const event = (id, size = 0) => ({ id, content: 'x'.repeat(size) });
const item = (id, { group = 'mail', alone = false, entry = null, size = 0 } = {}) => ({ event: event(id, size), alone, group, entry });
/** An entry waiting for `urls`; `results` holds what each done() handed on. */
function waiting(urls) {
  const results = [];
  return { entry: newEntry(event('e'), urls, (accepted) => results.push(accepted)), results };
}

test('a publication is done at the first relay that takes it, once, and the others no longer count', () => {
  const { entry, results } = waiting(['a', 'b', 'c']);
  settle(entry, 'a', false);
  assert.deepEqual(results, [], 'one relay said no, two still may take it');
  settle(entry, 'b', true);
  assert.deepEqual(results, [['b']]);
  assert.equal(entry.waiting.size, 0);
  settle(entry, 'c', true);
  assert.deepEqual(results, [['b']], 'a later answer changes nothing');
});

test('a publication every relay refused is done with no relay; answers from relays it did not wait for are ignored', () => {
  const { entry, results } = waiting(['a', 'b']);
  settle(entry, 'elsewhere', true);
  settle(entry, 'a', false);
  assert.deepEqual(results, []);
  settle(entry, 'b', false);
  assert.deepEqual(results, [[]]);
  settle(null, 'a', true); // an event nobody waits for: nothing to do
});

test('a connection takes up to MAX_BATCH events of one group, in queue order', () => {
  const queue = Array.from({ length: MAX_BATCH + 3 }, (_, i) => item(`m${i}`));
  const batch = nextBatch(queue, { carried: 0, group: null, maxMessage: null });
  assert.equal(batch.taken, MAX_BATCH);
  assert.deepEqual(
    batch.send.map((i) => i.event.id),
    queue.slice(0, MAX_BATCH).map((i) => i.event.id),
  );
  assert.equal(batch.carried, MAX_BATCH);
  assert.equal(batch.alone, false);
  assert.equal(queue.length, MAX_BATCH + 3, 'the queue itself is left to the courier');
  const more = nextBatch(queue.slice(MAX_BATCH), { carried: batch.carried, group: batch.group, maxMessage: null });
  assert.equal(more.taken, 0, 'a full connection takes nothing more');
});

test('events of another group never share a connection: our own history beside a contact’s mail would name the sender', () => {
  const queue = [item('m1'), item('m2'), item('h1', { group: 'history' }), item('m3')];
  const batch = nextBatch(queue, { carried: 0, group: null, maxMessage: null });
  assert.deepEqual(
    batch.send.map((i) => i.event.id),
    ['m1', 'm2'],
  );
  assert.equal(batch.group, 'mail');
  assert.equal(nextBatch(queue.slice(2), { carried: 2, group: 'mail', maxMessage: null }).taken, 0, 'the history record waits for a connection of its own');
  assert.equal(nextBatch(queue.slice(2), { carried: 0, group: 'mail', maxMessage: null }).group, 'history', 'a fresh connection takes it');
});

test('an event that travels alone shares its connection with nothing', () => {
  const deletion = item('d', { alone: true });
  const first = nextBatch([deletion, item('m1')], { carried: 0, group: null, maxMessage: null });
  assert.deepEqual(
    first.send.map((i) => i.event.id),
    ['d'],
  );
  assert.equal(first.alone, true);
  assert.equal(first.taken, 1);
  const behind = nextBatch([item('m1'), deletion], { carried: 0, group: null, maxMessage: null });
  assert.deepEqual(
    behind.send.map((i) => i.event.id),
    ['m1'],
    'it does not join a connection that carries something',
  );
  assert.equal(behind.alone, false);
});

test('events too large for the relay leave the queue refused, without counting against the batch', () => {
  const limit = JSON.stringify(['EVENT', event('small', 10)]).length;
  assert.equal(tooLarge(null, event('huge', 100_000)), false, 'no known limit: everything goes');
  assert.equal(tooLarge(limit, event('small', 10)), false);
  assert.equal(tooLarge(limit, event('small', 11)), true);
  const queue = [item('a', { size: 10 }), item('b', { size: 500 }), item('c', { size: 1 })];
  const batch = nextBatch(queue, { carried: 0, group: null, maxMessage: limit });
  assert.equal(batch.taken, 3);
  assert.deepEqual(
    batch.refused.map((i) => i.event.id),
    ['b'],
  );
  assert.deepEqual(
    batch.send.map((i) => i.event.id),
    ['a', 'c'],
  );
  assert.equal(batch.carried, 2);
});

test('after a failed connection that opened, what got no answer goes first again and nobody waits for it here', () => {
  const waiter = waiting(['r']).entry;
  const unanswered = [item('u1', { entry: waiter }), item('u2', { entry: waiter })];
  const queued = [item('q1', { entry: waiter })];
  const after = afterFailure(queued, unanswered, true);
  assert.deepEqual(
    after.queue.map((i) => [i.event.id, i.entry]),
    [
      ['u1', null],
      ['u2', null],
      ['q1', waiter],
    ],
  );
  assert.deepEqual(after.givenUp, unanswered);
  assert.equal(unanswered[0].entry, waiter, 'the inputs are not changed');
});

test('after a connection that never opened, everything queued stays queued and nobody waits for this relay', () => {
  const waiter = waiting(['r']).entry;
  const queued = [item('q1', { entry: waiter }), item('q2', { entry: waiter })];
  const after = afterFailure(queued, [], false);
  assert.deepEqual(
    after.queue.map((i) => [i.event.id, i.entry]),
    [
      ['q1', null],
      ['q2', null],
    ],
  );
  assert.deepEqual(
    after.givenUp.map((i) => i.event.id),
    ['q1', 'q2'],
  );
  assert.deepEqual(
    queued.map((i) => i.entry),
    [waiter, waiter],
    'the inputs are not changed',
  );
});

test('a relay’s messages are read for AUTH, NOTICE and OK only; anything malformed or oversized is ignored', () => {
  assert.deepEqual(readRelayMessage('["AUTH","challenge-1"]'), { type: 'AUTH', challenge: 'challenge-1' });
  assert.equal(readRelayMessage(JSON.stringify(['AUTH', 'c'.repeat(513)])), null, 'an oversized challenge');
  assert.equal(readRelayMessage('["AUTH",7]'), null);
  assert.deepEqual(readRelayMessage('["NOTICE","slow down"]'), { type: 'NOTICE', text: 'slow down' });
  assert.deepEqual(readRelayMessage('["OK","id1",true,""]'), { type: 'OK', id: 'id1', kind: 'ok', reason: '' });
  assert.deepEqual(readRelayMessage('["OK","id1",false,"rate-limited: wait"]'), { type: 'OK', id: 'id1', kind: 'rate-limited', reason: 'rate-limited: wait' });
  assert.equal(readRelayMessage('["OK","id1","true","duplicate: seen"]').kind, 'duplicate', 'only the boolean true accepts');
  assert.equal(readRelayMessage('["OK",1,true,""]'), null);
  for (const junk of [null, 42, new ArrayBuffer(4), 'not json', '{"OK":1}', '"OK"', '["EVENT","sub",{}]', `["NOTICE","${'x'.repeat(64 * 1024)}"]`]) {
    assert.equal(readRelayMessage(junk), null, String(junk).slice(0, 20));
  }
});

test('a connection waits a random delay, none right after a busy one, and never before a pause ends', () => {
  const now = 1_000_000;
  let asked = 0;
  const delay = () => {
    asked += 1;
    return 700;
  };
  const relay = newRelay();
  assert.equal(tripWait(relay, null, now, delay), 700);
  assert.equal(asked, 1);
  assert.equal(tripWait(relay, 0, now, delay), 0, 'a backlog goes on at once');
  assert.equal(tripWait({ ...relay, lastTripAt: now - LINGER_MS + 1 }, null, now, delay), 0, 'busy a moment ago: no new wait');
  assert.equal(asked, 1, 'and no random delay is drawn for it');
  assert.equal(tripWait({ ...relay, lastTripAt: now - LINGER_MS }, null, now, delay), 700);
  assert.equal(tripWait({ ...relay, pausedUntil: now + 5_000 }, 0, now, delay), 5_000, 'a pause outlasts any wait');
  assert.equal(tripWait({ ...relay, pausedUntil: now - 5_000 }, null, now, delay), 700, 'a pause that ended counts for nothing');
});

test('"rate-limited" pauses a relay for a short, growing while; failures back off longer, and never shorten a pause', () => {
  const now = 1_000_000;
  for (const [pauses, ceiling] of [
    [0, 1_000],
    [3, 8_000],
    [20, 60_000],
  ]) {
    const until = rateLimitedUntil(now, pauses);
    assert.ok(until >= now + ceiling / 2 && until <= now + ceiling, `${pauses}: ${until - now}`);
  }
  for (const [failures, ceiling] of [
    [1, 2_000],
    [4, 16_000],
    [30, 300_000],
  ]) {
    const until = failedUntil(now, 0, failures);
    assert.ok(until >= now + ceiling / 2 && until <= now + ceiling, `${failures}: ${until - now}`);
  }
  assert.equal(failedUntil(now, now + 3_600_000, 1), now + 3_600_000);
});

test('a relay’s status shows its queue, whether it sends, a pause only while it lasts, and its last error and success', () => {
  const relay = {
    ...newRelay(),
    queue: [item('a'), item('b')],
    active: { more() {} },
    pausedUntil: 2_000,
    lastError: 'no',
    lastErrorAt: 5,
    lastOkAt: 7,
    maxMessage: 100,
  };
  assert.deepEqual(relayStatus('wss://r', relay, 1_000), {
    url: 'wss://r',
    queued: 2,
    sending: true,
    pausedUntil: 2_000,
    lastError: 'no',
    lastErrorAt: 5,
    lastOkAt: 7,
    maxMessage: 100,
  });
  assert.equal(relayStatus('wss://r', relay, 2_000).pausedUntil, 0);
  assert.equal(relayStatus('wss://r', newRelay(), 0).sending, false);
});
