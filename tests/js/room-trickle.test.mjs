// The bookkeeping of trickled candidates for one connection being set up
// (net/room-trickle.js): ours wait until the other end can be reached, a
// peer's that overtake the answer wait until it names who answered, both
// bounded, and only the peer that answered is heard.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connected, incoming, newTrickle, outgoing, trickleKey } from '../../templates/js/net/room-trickle.js';
import { MAX_TRICKLED_CANDIDATES } from '../../templates/js/net/peer.js';

const candidate = (n) => ({ candidate: `candidate:${n} 1 udp 2122260223 192.168.1.${n} 5000${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
const PEER = 'p1'.padEnd(20, '1');
const OTHER = 'p2'.padEnd(20, '2');
const reply = () => {};

test('our own offer is kept under its id; an offer we answer under its sender and id', () => {
  assert.equal(trickleKey('o1', null), 'o1');
  assert.equal(trickleKey('o1', PEER), `${PEER} o1`);
  assert.equal(newTrickle('o1').key, 'o1');
  assert.equal(newTrickle('o1', PEER).key, `${PEER} o1`);
  assert.equal(newTrickle('o1', PEER).remote, PEER);
});

test('our candidates wait (bounded) until the other end can be reached, then go at once', () => {
  const trickle = newTrickle('o1');
  for (let n = 0; n < MAX_TRICKLED_CANDIDATES + 5; n++) assert.deepEqual(outgoing(trickle, candidate(n)), [], `candidate ${n} waits`);
  assert.equal(trickle.outbox.length, MAX_TRICKLED_CANDIDATES);
  const { send } = connected(trickle, PEER, reply);
  assert.deepEqual(
    send,
    Array.from({ length: MAX_TRICKLED_CANDIDATES }, (_, n) => candidate(n)),
    'what waited goes, in order',
  );
  assert.equal(trickle.outbox.length, 0);
  assert.deepEqual(outgoing(trickle, candidate(99)), [candidate(99)]);
});

test('without a way back ours keep waiting even once the other end is known', () => {
  const trickle = newTrickle('o1');
  outgoing(trickle, candidate(1));
  assert.deepEqual(connected(trickle, PEER, undefined).send, []);
  assert.equal(trickle.reply, null);
  assert.deepEqual(trickle.outbox, [candidate(1)]);
  assert.deepEqual(outgoing(trickle, candidate(2)), []);
});

test('candidates that overtake the answer wait (bounded), and only those of the peer that answered apply', () => {
  const trickle = newTrickle('o1');
  assert.equal(incoming(trickle, OTHER, [candidate(1)]), null);
  assert.equal(incoming(trickle, PEER, [candidate(2)]), null);
  for (let n = 0; n < MAX_TRICKLED_CANDIDATES; n++) incoming(trickle, PEER, [candidate(3)]);
  assert.equal(trickle.early.length, MAX_TRICKLED_CANDIDATES, 'the early ones are bounded');
  const { apply } = connected(trickle, PEER, reply);
  assert.deepEqual(apply[0], [candidate(2)], 'the other peer id’s early batch is dropped');
  assert.equal(apply.length, MAX_TRICKLED_CANDIDATES - 1);
  assert.equal(trickle.early.length, 0);
});

test('once the other end is known, only its candidates apply', () => {
  const trickle = newTrickle('o1', PEER);
  connected(trickle, PEER, reply);
  assert.deepEqual(incoming(trickle, PEER, [candidate(1)]), [candidate(1)]);
  assert.equal(incoming(trickle, OTHER, [candidate(2)]), null);
  assert.equal(trickle.early.length, 0, 'nothing waits any more');
});
