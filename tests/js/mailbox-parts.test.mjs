// The mailbox's parts that hold what came too early (chat/mailbox-parking.js),
// put large seals back together (chat/mailbox-bundles.js), delete our
// delivered wraps later (chat/mailbox-deletions.js) and keep who reads mail
// where (chat/mailbox-addresses.js) — each bounded against a hostile relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createParking, MAX_PARKED, MAX_PARKED_PER_SENDER } from '../../templates/js/chat/mailbox-parking.js';
import { createBundles, MAX_BUNDLES } from '../../templates/js/chat/mailbox-bundles.js';
import { createDeletions } from '../../templates/js/chat/mailbox-deletions.js';
import { createAddresses } from '../../templates/js/chat/mailbox-addresses.js';
import { memoryStore } from './fakes.mjs';
import { until } from './wait.mjs';

const bytes = (...values) => Uint8Array.from(values);

test('one claimed sender cannot hold more than its share of what waits, and a seal it loses is read again once it is known', () => {
  const forgotten = [];
  const parking = createParking({ forget: (ids) => forgotten.push(...ids), now: () => 1_000_000 });
  for (let i = 0; i < MAX_PARKED_PER_SENDER + 3; i++) parking.park({ seal: bytes(i), claimed: 'mallory', createdAt: 100 + i, wrapIds: [`w${i}`] });
  parking.park({ seal: bytes(9), claimed: 'alice', createdAt: 50, wrapIds: ['a'] });
  assert.equal(parking.size(), MAX_PARKED_PER_SENDER + 1, 'Mallory keeps her share, Alice hers');
  assert.deepEqual(forgotten, ['w0', 'w1', 'w2'], 'the wraps of the seals let go are new to us again');
  assert.equal(
    parking.rewindFor((claimed) => claimed === 'alice'),
    null,
    'nothing of Alice’s was let go',
  );
  assert.equal(
    parking.rewindFor((claimed) => claimed === 'mallory'),
    100,
    'read again from the oldest let go',
  );
  assert.equal(
    parking.rewindFor((claimed) => claimed === 'mallory'),
    null,
    'once',
  );
});

test('past the bound in all, checked envelopes stay and the sender holding the most unchecked seals gives way', () => {
  const parking = createParking({ forget() {}, now: () => 0 });
  for (let i = 0; i < MAX_PARKED; i++) {
    if (i % 2) parking.park({ sender: `s${i}`, type: 'env', payload: bytes(1), claimed: `s${i}` });
    else parking.park({ seal: bytes(i), claimed: i < 30 ? 'heavy' : `c${i % 16}`, createdAt: 1 });
  }
  parking.park({ seal: bytes(1), claimed: 'newcomer', createdAt: 1 });
  const all = parking.takeAll();
  assert.equal(all.length, MAX_PARKED);
  assert.equal(all.filter((p) => !p.seal).length, MAX_PARKED / 2, 'no checked envelope gave way');
  assert.ok(all.some((p) => p.claimed === 'newcomer'));
  assert.equal(all.filter((p) => p.claimed === 'heavy').length, 14, 'the one holding the most (15) gave one way');
});

test('draining offers everything until a round takes nothing; what is not taken waits on', async () => {
  const parking = createParking({ forget() {} });
  for (const claimed of ['a', 'b', 'c']) parking.park({ sender: claimed, type: 'env', payload: bytes(1), claimed });
  const known = new Set(['a']);
  const rounds = [];
  await parking.drain(
    async (item) => {
      if (!known.has(item.claimed)) return false;
      // Taking a makes b known (an invitation, then its messages).
      known.add('b');
      return true;
    },
    async () => rounds.push(parking.size()),
  );
  assert.deepEqual(rounds, [1, 1], 'a then b taken in the first round, c waits; a second round takes nothing');
  assert.deepEqual(
    parking.takeAll().map((p) => p.claimed),
    ['c'],
  );
});

test('a large seal comes together from its fragments in any order, and junk cannot push it out', () => {
  const forgotten = [];
  const bundles = createBundles({ forget: (ids) => forgotten.push(...ids), now: () => 0 });
  assert.equal(bundles.add({ bundle: 'big', index: 2, count: 3, data: bytes(5, 6) }, 'w3'), null);
  assert.equal(bundles.add({ bundle: 'big', index: 0, count: 3, data: bytes(1, 2) }, 'w1'), null);
  // A flood of one-fragment junk, each the start of a bundle that never completes.
  for (let i = 0; i < MAX_BUNDLES * 2; i++) bundles.add({ bundle: `junk${i}`, index: 0, count: 2, data: bytes(0) }, `j${i}`);
  assert.ok(bundles.size() <= MAX_BUNDLES);
  assert.equal(bundles.add({ bundle: 'big', index: 1, count: 4, data: bytes(3) }, 'bad'), null, 'a fragment that disagrees on the count is ignored');
  const whole = bundles.add({ bundle: 'big', index: 1, count: 3, data: bytes(3, 4) }, 'w2');
  assert.deepEqual([...whole.seal], [1, 2, 3, 4, 5, 6]);
  assert.ok(whole.ids.includes('w1') && whole.ids.includes('w2') && whole.ids.includes('w3'));
  assert.ok(
    forgotten.every((id) => id.startsWith('j')),
    'only junk gave way',
  );
  assert.deepEqual(bundles.add({ bundle: 'small', index: 0, count: 1, data: bytes(7) }, 'w9'), { seal: bytes(7), ids: ['w9'] });
});

test('deletions wait for their time, survive a reload, skip malformed saved entries and go one by one', async () => {
  const store = memoryStore();
  const published = [];
  const cryptoClient = { mailboxDeletion: async ({ wrapId }) => ({ kind: 5, wrapId }) };
  const first = createDeletions({ store, cryptoClient, publish: (e) => published.push(e), canSend: () => true, delay: () => 3_600_000 });
  first.add([
    { id: 'w1', nonce: 'n1' },
    { id: 'w1', nonce: 'n1' },
    { id: 42, nonce: 'n' },
  ]);
  assert.equal(first.waiting(), 1, 'one deletion per wrap; a malformed one is refused');
  first.close();
  await until(async () => (await store.get('mailbox-deletions'))?.length === 1, 'the deletion saved');
  const saved = await store.get('mailbox-deletions');
  await store.put('mailbox-deletions', [...saved, { id: 'w2' }, 'junk', { id: 'w3', nonce: 'n3', due: 0 }]);
  const second = createDeletions({ store, cryptoClient, publish: (e) => published.push(e), canSend: () => true });
  await second.load();
  assert.equal(second.waiting(), 2, 'the saved deletion and the well-formed one came back');
  await until(() => published.length === 1, 'the due deletion sent');
  assert.deepEqual(published, [{ kind: 5, wrapId: 'w3' }], 'only what was due');
  await second.sendNow();
  assert.deepEqual(
    published.map((e) => e.wrapId),
    ['w3', 'w1'],
  );
  assert.equal(second.waiting(), 0);
  second.close();
});

test('a worse source never replaces a better address, and a replayed older profile changes nothing', async () => {
  const news = [];
  const key = (c) => c.repeat(64);
  const addresses = createAddresses({ store: memoryStore(), self: 'me', onNew: (fp, first) => news.push([fp, first]) });
  assert.equal(addresses.learn('me', { key: key('a') }, 'self'), false, 'never ourselves');
  assert.equal(addresses.learn('bob', { key: 'not a key' }, 'link'), false);
  assert.equal(addresses.learn('bob', { key: key('b'), relays: ['wss://r.example', 'javascript:x'] }, 'link'), true);
  assert.deepEqual(addresses.get('bob').relays, ['wss://r.example']);
  assert.equal(addresses.learn('bob', { key: key('c') }, 'group'), false, 'a group descriptor does not override a link');
  const profile = (k, at) => new TextEncoder().encode(JSON.stringify({ mailbox: key(k), relays: [], at }));
  addresses.learnProfile('bob', profile('d', 2_000));
  assert.equal(addresses.get('bob').key, key('d'), 'their own word wins');
  addresses.learnProfile('bob', profile('e', 1_000));
  assert.equal(addresses.get('bob').key, key('d'), 'an older profile replayed by a relay does not');
  addresses.learnProfile('bob', new TextEncoder().encode('{not json'));
  assert.deepEqual(news, [
    ['bob', true],
    ['bob', false],
  ]);
});
