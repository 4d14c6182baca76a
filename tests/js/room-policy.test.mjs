// The choices of a room (net/room-policy.js) on plain records: which of two
// connections to one peer id stays, which one being set up makes way, which
// session is taken and whom it replaces, how many peers it seeks and offers
// it makes, and when it announces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  admission,
  announceDelay,
  evictee,
  HIDDEN_FACTOR,
  identityFull,
  KEEPALIVE_MS,
  MAX_OFFERS_PER_ANNOUNCE,
  MAX_SESSIONS_PER_IDENTITY,
  MESH_SESSIONS_PER_IDENTITY,
  offersPerAnnounce,
  peersToFind,
  perIdentity,
  prefers,
  readyOf,
  remember,
  retries,
  roomFull,
  settingUp,
  STEADY_MS,
  WARMUP_MS,
} from '../../templates/js/net/room-policy.js';

const FRIEND = 'f'.repeat(64);
const OTHER = 'e'.repeat(64);
/** A connection record; a ready one reaches `fingerprint` on device `device` (12 hex digits). */
function connection(state, { offererId = 'b', createdAt = 0, fingerprint = FRIEND, device = '000000000001' } = {}) {
  const peer = state === 'ready' ? { fingerprint, instance: `${'0'.repeat(20)}${device}` } : null;
  return { link: { state, peer }, offererId, createdAt };
}

test('a new connection replaces none held, a closed one, or one being set up whose offerer has a higher peer id; never a session', () => {
  assert.equal(prefers(undefined, 'a'), true);
  assert.equal(prefers(connection('closed'), 'z'), true);
  assert.equal(prefers(connection('ready', { offererId: 'z' }), 'a'), false, 'a session stays');
  for (const state of ['connecting', 'handshake', 'verified']) {
    assert.equal(prefers(connection(state, { offererId: 'm' }), 'a'), true, state);
    assert.equal(prefers(connection(state, { offererId: 'm' }), 'z'), false, state);
    assert.equal(prefers(connection(state, { offererId: 'm' }), 'm'), false, `${state}: the same offer does not replace itself`);
  }
});

test('of the connections being set up, one whose channel never opened makes way first, the oldest first; sessions never do', () => {
  const stalledNew = connection('connecting', { createdAt: 30 });
  const stalledOld = connection('connecting', { createdAt: 20 });
  const shaking = connection('handshake', { createdAt: 1 });
  const verified = connection('verified', { createdAt: 0 });
  assert.equal(evictee([shaking, stalledNew, verified, stalledOld, connection('ready', { createdAt: -5 })]), stalledOld);
  assert.equal(evictee([verified, shaking]), verified);
  assert.equal(evictee([connection('ready'), connection('closed')]), null);
  assert.equal(evictee([]), null);
  assert.deepEqual(
    ['connecting', 'handshake', 'verified', 'ready', 'closed'].map((state) => settingUp(connection(state))),
    [true, true, true, false, false],
  );
});

test('a reload of a device replaces its old session; another device stays while the identity has room', () => {
  const laptop = connection('ready', { device: '00000000aaaa' });
  const phone = connection('ready', { device: '00000000bbbb' });
  const reload = admission([laptop, phone], '00000000aaaa', 2);
  assert.deepEqual(reload.replaced, [laptop]);
  assert.equal(reload.refused, false, 'the old load of the laptop does not count');
  const tablet = admission([laptop, phone], '00000000cccc', 2);
  assert.deepEqual(tablet.replaced, []);
  assert.equal(tablet.refused, true, 'two other devices already hold both sessions');
  assert.equal(admission([laptop], '00000000cccc', 2).refused, false);
});

test('an identity may hold a few sessions in a friend’s room, two in a group’s', () => {
  assert.equal(perIdentity(null), MAX_SESSIONS_PER_IDENTITY);
  assert.equal(perIdentity(6), MESH_SESSIONS_PER_IDENTITY);
  const two = [connection('ready', { device: '00000000aaaa' }), connection('ready', { device: '00000000bbbb' }), connection('handshake')];
  assert.equal(identityFull(two, FRIEND, 6), true);
  assert.equal(identityFull(two, FRIEND, null), false);
  assert.equal(identityFull(two, OTHER, 6), false);
  assert.equal(identityFull(two, null, 6), false, 'an unknown identity is never full');
  assert.equal(readyOf(two, FRIEND).length, 2);
});

test('a room seeks the allowed peers it has no session with, up to its mesh target', () => {
  const held = [connection('ready', { fingerprint: FRIEND }), connection('handshake'), connection('closed')];
  const allowed = [FRIEND, OTHER, 'd'.repeat(64), 'c'.repeat(64)];
  assert.equal(peersToFind(held, allowed, null), 3, 'a full mesh seeks everyone missing');
  assert.equal(peersToFind(held, allowed, 2), 1, 'a partial mesh stops at its target');
  assert.equal(peersToFind(held, [FRIEND], null), 0);
  assert.equal(roomFull([connection('handshake'), connection('ready'), connection('closed')], 1), true, 'twice the target, closed ones aside');
  assert.equal(roomFull([connection('handshake'), connection('closed')], 1), false);
  assert.equal(
    roomFull(
      Array.from({ length: 50 }, () => connection('ready')),
      null,
    ),
    false,
    'a full mesh is never full',
  );
});

test('what a room remembers is bounded, the oldest forgotten first, and seeing a key again makes it the newest', () => {
  const seen = new Set();
  for (const key of ['a', 'b', 'c']) remember(seen, key, null, 2);
  assert.deepEqual([...seen], ['b', 'c']);
  const surplus = new Map();
  remember(surplus, 'p1', 'x', 2);
  remember(surplus, 'p2', 'y', 2);
  remember(surplus, 'p1', 'z', 2);
  remember(surplus, 'p3', 'w', 2);
  assert.deepEqual(
    [...surplus],
    [
      ['p1', 'z'],
      ['p3', 'w'],
    ],
  );
});

test('announces retry through the warm-up, then one steady announce in four; an announce carries offers only then', () => {
  assert.deepEqual(
    Array.from({ length: 13 }, (_, step) => retries(step)),
    [true, true, true, true, true, true, false, false, true, false, false, false, true],
  );
  assert.equal(offersPerAnnounce({ missing: 1, partialMesh: false, swarmOthers: 3 }), 3, 'a full mesh: one per member of the swarm');
  assert.equal(offersPerAnnounce({ missing: 2, partialMesh: true, swarmOthers: 3 }), 2, 'a partial mesh: one per peer it seeks');
  assert.equal(offersPerAnnounce({ missing: 2, partialMesh: false, swarmOthers: 0 }), 2);
  assert.equal(offersPerAnnounce({ missing: 1, partialMesh: false, swarmOthers: 100 }), MAX_OFFERS_PER_ANNOUNCE, 'capped');
});

test('announces come quickly while someone is missing, at growing intervals after the warm-up, rarely once all are here', () => {
  const delays = (hidden) => Array.from({ length: WARMUP_MS.length + STEADY_MS.length + 2 }, (_, step) => announceDelay({ step, wantsPeers: true, hidden }));
  assert.deepEqual(delays(false), [...WARMUP_MS, ...STEADY_MS, STEADY_MS.at(-1), STEADY_MS.at(-1)]);
  assert.deepEqual(
    delays(true),
    [...WARMUP_MS, ...[...STEADY_MS, STEADY_MS.at(-1), STEADY_MS.at(-1)].map((ms) => ms * HIDDEN_FACTOR)],
    'the warm-up is not slowed',
  );
  assert.equal(announceDelay({ step: 0, wantsPeers: false, hidden: false }), KEEPALIVE_MS);
  assert.equal(announceDelay({ step: 3, wantsPeers: false, hidden: true }), KEEPALIVE_MS * HIDDEN_FACTOR);
});
