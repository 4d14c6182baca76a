// Group messages that wait for their sender's key (chat/inbox.js): one
// member sending under keys it never hands over fills only its own share of
// the queue, and what waits too long is let go — unacknowledged, so it comes
// again and opens once the key is here. The worker and the store are
// stand-ins; time is a fake clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInbox, KEY_WAIT_MS, MAX_WAITING_FOR_KEY, MAX_WAITING_PER_SENDER } from '../../templates/js/chat/inbox.js';
import { createSenderKeys } from '../../templates/js/chat/sender-keys.js';
import { fakeCrypto, memoryStore, readableEnvelope } from './fakes.mjs';
import { settle, until } from './wait.mjs';

const SELF = 'a'.repeat(64);
const ALICE = 'b'.repeat(64);
const BOB = 'c'.repeat(64);

function setup() {
  let time = 1_000_000;
  const store = memoryStore();
  const conv = {
    id: 'group',
    kind: 'group',
    tag: 't',
    members: [
      { fingerprint: ALICE, spki: new Uint8Array(1) },
      { fingerprint: BOB, spki: new Uint8Array(1) },
    ],
    nextSeq: 1,
    recent: [],
  };
  const cryptoClient = fakeCrypto({ self: SELF });
  const senderKeys = createSenderKeys({ cryptoClient, store, identity: { fingerprint: SELF } });
  const acked = [];
  const inbox = createInbox({
    cryptoClient,
    store,
    route: () => ({ send: async (type, data) => void acked.push(...JSON.parse(new TextDecoder().decode(data)).keys) }),
    conversations: { nextSeq: (c) => c.nextSeq++, get: (id) => (id === 'group' ? conv : undefined), observe() {}, noteName() {}, noteActivity() {} },
    history: { claim: () => true, release() {} },
    senderKeys,
    now: () => time,
  });
  inbox.on('group-key', () => senderKeys.save());
  let n = 0;
  /** A group message (under `keyId`) or a key's hand-over (keyId null), as an envelope of its own. */
  const envelope = ({ sender, keyId = null, content, id = String(++n).padStart(32, '0') }) =>
    readableEnvelope({ conversationId: 'group', sender, messageId: id, keyId, recipients: keyId ? [] : [SELF, sender], content });
  const key = (sender, keyId) => envelope({ sender, content: { t: 'group-key', keyId, key: 'K'.repeat(43) } });
  /** The ids of the group messages opened so far, in order. */
  const opened = () => cryptoClient.log.filter((call) => call.method === 'openGroupEnvelope').map((call) => call.messageId);
  // The messages stored, by key.
  return { inbox, stored: store.contents.ids, opened, acked, envelope, key, advance: (ms) => (time += ms) };
}

test('a member flooding messages under keys it never hands over cannot crowd out another member’s waiting message', async () => {
  assert.ok(MAX_WAITING_PER_SENDER < MAX_WAITING_FOR_KEY);
  const { inbox, stored, envelope, key } = setup();
  for (let i = 0; i < MAX_WAITING_FOR_KEY + 10; i++) {
    await inbox.receive(ALICE, null, envelope({ sender: ALICE, keyId: (i % 7).toString(16).repeat(32), content: { t: 'text', body: 'spam' } }));
  }
  const bobs = envelope({ sender: BOB, keyId: '9'.repeat(32), content: { t: 'text', body: 'hello' } });
  assert.equal(await inbox.receive(BOB, null, bobs), 'unknown', 'it waits for Bob’s key');
  assert.equal(await inbox.receive(BOB, null, key(BOB, '9'.repeat(32))), 'accepted');
  await until(() => stored.size === 2, 'Bob’s message opened once his key came');
});

test('a message waits for its key at most KEY_WAIT_MS; let go unacknowledged, it opens when it comes again', async () => {
  const { inbox, stored, opened, acked, envelope, key, advance } = setup();
  const KEY = '3'.repeat(32);
  const early = envelope({ sender: ALICE, keyId: KEY, content: { t: 'text', body: 'early' } });
  const id = '0'.repeat(31) + '1';
  assert.equal(await inbox.receive(BOB, null, early), 'unknown');
  advance(KEY_WAIT_MS + 1);
  assert.equal(await inbox.receive(ALICE, null, key(ALICE, KEY)), 'accepted');
  // Let any deferred opening run; nothing may have opened the expired message.
  await settle(1, { timers: true });
  assert.deepEqual(opened(), [], 'let go: not opened');
  assert.equal(stored.size, 1, 'only the key message is stored');
  assert.equal(
    acked.some((k) => k.endsWith(id)),
    false,
    'and never acknowledged, so its sender still owes it',
  );
  // Its sender (or a member's backlog sync) sends it again: it opens now.
  const again = envelope({ sender: ALICE, keyId: KEY, content: { t: 'text', body: 'early' }, id });
  assert.equal(await inbox.receive(BOB, null, again), 'accepted');
  assert.equal(stored.size, 2);
  assert.ok(acked.some((k) => k.endsWith(id)));
});

test('a message sent again while it waits is kept once', async () => {
  const { inbox, stored, opened, envelope, key } = setup();
  const KEY = '4'.repeat(32);
  const id = 'e'.repeat(32);
  for (let i = 0; i < MAX_WAITING_PER_SENDER + 5; i++)
    await inbox.receive(BOB, null, envelope({ sender: ALICE, keyId: KEY, content: { t: 'text', body: 'x' }, id }));
  const other = envelope({ sender: ALICE, keyId: KEY, content: { t: 'text', body: 'y' } });
  assert.equal(await inbox.receive(BOB, null, other), 'unknown');
  await inbox.receive(ALICE, null, key(ALICE, KEY));
  await until(() => stored.size === 3, 'both messages opened');
  assert.equal(opened().length, 2, 'the resent copies opened once');
});
