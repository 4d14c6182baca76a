// What a room reads in an opened signal (net/room-signals.js): offers,
// answers and trickled candidates are taken only when well-formed, recent,
// from the peer id that carried them and meant for us.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fresh, MAX_CANDIDATES_PER_MESSAGE, SIGNAL_MAX_AGE_MS, signalKind, trickleBatches } from '../../templates/js/net/room-signals.js';

const NOW = 1_700_000_000_000;
const ME = 'me'.padEnd(20, '0');
const PEER = 'p1'.padEnd(20, '1');
const candidate = (n) => ({ candidate: `candidate:${n} 1 udp 2122260223 192.168.1.${n} 5000${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
const offer = (extra = {}) => ({ kind: 'offer', from: PEER, to: null, offerId: 'o1', sdp: 'v=0', at: NOW, ...extra });
const answer = (extra = {}) => ({ kind: 'answer', from: PEER, to: ME, offerId: 'o1', sdp: 'v=0', at: NOW, ...extra });
const candidates = (extra = {}) => ({ kind: 'candidates', from: PEER, to: ME, offerId: 'o1', candidates: [candidate(1)], at: NOW, ...extra });
const kind = (message, from = PEER) => signalKind(message, from, ME, NOW);

test('an offer to nobody in particular or to us is an offer; one to someone else is not', () => {
  assert.equal(kind(offer()), 'offer');
  assert.equal(kind(offer({ to: ME })), 'offer');
  assert.equal(kind(offer({ to: undefined })), 'offer');
  assert.equal(kind(offer({ to: 'someone'.padEnd(20, '9') })), null);
});

test('answers and candidates count only when addressed to us', () => {
  assert.equal(kind(answer()), 'answer');
  assert.equal(kind(candidates()), 'candidates');
  for (const to of [null, undefined, 'someone'.padEnd(20, '9')]) {
    assert.equal(kind(answer({ to })), null, String(to));
    assert.equal(kind(candidates({ to })), null, String(to));
  }
});

test('a signal must come from the peer id that carried it and name its offer', () => {
  for (const message of [offer(), answer(), candidates()]) {
    assert.equal(kind(message, 'other'.padEnd(20, '3')), null, message.kind);
    assert.equal(kind({ ...message, offerId: undefined }), null, message.kind);
    assert.equal(kind({ ...message, offerId: 7 }), null, message.kind);
  }
  assert.equal(kind(offer({ sdp: undefined })), null, 'an offer without a description');
  assert.equal(kind(answer({ sdp: { type: 'answer' } })), null, 'an answer without a description');
});

test('signals without a time, or older or later than the window, are ignored; the window’s edges still count', () => {
  for (const at of [undefined, null, 'now', Number.NaN, Infinity, NOW - SIGNAL_MAX_AGE_MS - 1, NOW + SIGNAL_MAX_AGE_MS + 1]) {
    assert.equal(kind(offer({ at })), null, String(at));
    assert.equal(kind(answer({ at })), null, String(at));
    assert.equal(kind(candidates({ at })), null, String(at));
  }
  assert.equal(kind(offer({ at: NOW - SIGNAL_MAX_AGE_MS })), 'offer');
  assert.equal(kind(offer({ at: NOW + SIGNAL_MAX_AGE_MS })), 'offer');
  assert.equal(fresh({ at: NOW }, NOW), true);
  assert.equal(fresh({}, NOW), false);
});

test('trickled candidates count only as a bounded list of well-formed ones', () => {
  assert.equal(kind(candidates({ candidates: Array.from({ length: MAX_CANDIDATES_PER_MESSAGE }, (_, i) => candidate(i + 1)) })), 'candidates');
  assert.equal(kind(candidates({ candidates: [] })), 'candidates');
  const hostile = [
    Array.from({ length: MAX_CANDIDATES_PER_MESSAGE + 1 }, (_, i) => candidate(i + 1)),
    [{ candidate: 'not a candidate', sdpMid: '0', sdpMLineIndex: 0 }],
    [candidate(1), null],
    'candidate:1',
    { 0: candidate(1), length: 1 },
    undefined,
  ];
  for (const list of hostile) assert.equal(kind(candidates({ candidates: list })), null, JSON.stringify(list)?.slice(0, 40));
});

test('anything else an opened blob may hold is ignored', () => {
  for (const message of [null, undefined, 42, 'offer', [offer()], {}, { ...offer(), kind: 'bye' }, { ...answer(), kind: 'Answer' }]) {
    assert.equal(kind(message), null, JSON.stringify(message)?.slice(0, 40));
  }
});

test('candidates go out in messages of at most MAX_CANDIDATES_PER_MESSAGE, in order', () => {
  assert.deepEqual(trickleBatches([]), []);
  const list = Array.from({ length: 2 * MAX_CANDIDATES_PER_MESSAGE + 1 }, (_, i) => i);
  const batches = trickleBatches(list);
  assert.deepEqual(
    batches.map((batch) => batch.length),
    [MAX_CANDIDATES_PER_MESSAGE, MAX_CANDIDATES_PER_MESSAGE, 1],
  );
  assert.deepEqual(batches.flat(), list);
});
