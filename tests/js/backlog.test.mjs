// The group backlog's answers to 'sync' frames (chat/backlog.js) under a
// fake clock: a member flooding sync requests gets bounded answers, huge
// envelopes are paced by bytes per minute, and a member's ordinary catch-up
// still gets everything at once. The worker, the history and the link are
// stand-ins that record what is sent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANSWER_BYTES_PER_MINUTE, ANSWER_INTERVAL_MS, createBacklog } from '../../templates/js/chat/backlog.js';
import { SYNC_WINDOW } from '../../templates/js/chat/conversations.js';
import { fakeSessions } from './fakes.mjs';
import { settle } from './wait.mjs';

const SELF = 'a'.repeat(64);
const ALICE = 'b'.repeat(64);
const BOB = 'c'.repeat(64);
const utf8 = (value) => new TextEncoder().encode(JSON.stringify(value));

/** A member (us) holding SYNC_WINDOW of Alice's group messages of `size` bytes each; Bob asks. */
function setup({ size = 2_000 } = {}) {
  let now = 1_000_000;
  /** @type {Array<{at: number, fn: () => void}>} */
  let timers = [];
  const recent = Array.from({ length: SYNC_WINDOW }, (_, n) => `${ALICE}:${n.toString(16).padStart(32, '0')}`);
  const conv = { id: 'group', kind: 'group', members: [{ fingerprint: ALICE }, { fingerprint: BOB }], recent };
  const sessions = fakeSessions([BOB]);
  const link = sessions.linkTo(BOB);
  const backlog = createBacklog({
    cryptoClient: { peekEnvelope: async () => ({ keyId: '1'.repeat(32), recipients: [] }) },
    identity: { fingerprint: SELF },
    sessions,
    conversations: { nextSeq: (c) => c.nextSeq++, get: (id) => (id === 'group' ? conv : undefined), list: () => [conv] },
    history: { envelope: async () => new Uint8Array(size) },
    outbox: { acked: async () => {}, has: () => false },
    now: () => now,
    later: (fn, ms) => void timers.push({ at: now + ms, fn }),
  });
  /** Moves the clock on by `ms`, running what falls due on the way. */
  async function advance(ms) {
    const end = now + ms;
    for (;;) {
      await settle(3);
      const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = Math.max(now, due.at);
      due.fn();
    }
    now = end;
    await settle(3);
  }
  const ask = (have = []) => backlog.receive(BOB, link, utf8({ conv: 'group', have }));
  const envelopes = () => sessions.sent.filter((s) => s.type === 'env').length;
  return { ask, advance, envelopes, sent: sessions.sent, recent };
}

test('a flood of sync requests from one member gets one answer per interval, not one per request', async () => {
  const { ask, advance, envelopes } = setup();
  for (let i = 0; i < 100; i++) ask();
  await advance(0);
  assert.equal(envelopes(), SYNC_WINDOW, 'the first request is answered in full');
  await advance(ANSWER_INTERVAL_MS - 1);
  assert.equal(envelopes(), SYNC_WINDOW, 'the other 99 wait for the interval');
  await advance(1);
  assert.equal(envelopes(), 2 * SYNC_WINDOW, 'and are answered once, together');
  await advance(10 * ANSWER_INTERVAL_MS);
  assert.equal(envelopes(), 2 * SYNC_WINDOW, 'nothing more was asked');
});

test('an ordinary catch-up (one request after meeting) gets everything it lacks at once', async () => {
  const { ask, advance, envelopes, recent } = setup();
  ask(recent.slice(0, 100)); // holds the oldest 100 already
  await advance(0);
  assert.equal(envelopes(), SYNC_WINDOW - 100);
});

test('large envelopes go at most ANSWER_BYTES_PER_MINUTE a minute to one asker, and all of them arrive in the end', async () => {
  const size = 1024 * 1024;
  const { ask, advance, envelopes } = setup({ size });
  const perMinute = ANSWER_BYTES_PER_MINUTE / size;
  ask();
  await advance(0);
  assert.equal(envelopes(), perMinute, 'a minute’s worth at once');
  await advance(60_000);
  assert.ok(envelopes() <= 2 * perMinute, `no more than a minute’s worth each minute (${envelopes()})`);
  // Asking again and again does not go around the byte budget.
  for (let i = 0; i < 20; i++) ask();
  await advance(60_000);
  assert.ok(envelopes() <= 3 * perMinute, `still paced (${envelopes()})`);
  await advance(Math.ceil(SYNC_WINDOW / perMinute + 10) * 60_000);
  assert.ok(envelopes() >= SYNC_WINDOW, 'the catch-up completes');
});
