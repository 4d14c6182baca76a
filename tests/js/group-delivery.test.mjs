// What members of a large group send, checked without a browser: group
// envelopes (sender keys) where they do not belong, a sender key smuggled
// under another key, messages that overtake their key, and acknowledgements
// passed on by members (`by`) for people they do not share a message with.
// The worker and the database are stand-ins that record what is asked of
// them; nothing here is timed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInbox } from '../../templates/js/chat/inbox.js';
import { createOutbox } from '../../templates/js/chat/outbox.js';
import { createSenderKeys } from '../../templates/js/chat/sender-keys.js';

const SELF = 'a'.repeat(64);
const ALICE = 'b'.repeat(64);
const BOB = 'c'.repeat(64);
const STRANGER = 'd'.repeat(64);
const KEY_ID = '1'.repeat(32);
const utf8 = (value) => new TextEncoder().encode(JSON.stringify(value));

function memoryStore() {
  const records = new Map();
  const messages = new Map();
  return {
    get: async (key) => structuredClone(records.get(key)),
    put: async (key, value) => void records.set(key, structuredClone(value)),
    messages: {
      locate: async (key) => (messages.has(key) ? 1 : undefined),
      add: async (items) => items.forEach((item) => messages.set(item.key, item.record)),
      get: async () => ({ env: new Uint8Array([1]) }),
    },
    stored: messages,
  };
}

/** An inbox whose worker "opens" an envelope to the JSON its bytes carry, and reads its header from `headers`. */
function setup() {
  const store = memoryStore();
  const convs = {
    pair: { id: 'pair', kind: 'pair', tag: 't1', members: [{ fingerprint: ALICE, spki: new Uint8Array(1) }], nextSeq: 1, recent: [] },
    group: {
      id: 'group',
      kind: 'group',
      tag: 't2',
      members: [
        { fingerprint: ALICE, spki: new Uint8Array(1) },
        { fingerprint: BOB, spki: new Uint8Array(1) },
      ],
      nextSeq: 1,
      recent: [],
    },
  };
  const calls = { openGroup: 0, open: 0, missing: [] };
  const headers = new Map();
  const cryptoClient = {
    randomBytes: async (n) => new Uint8Array(n).fill(7),
    peekEnvelope: async (bytes) => headers.get(bytes),
    verifyEnvelope: async (bytes) => {
      if (bytes.forged) throw Object.assign(new Error('signature does not verify'), { code: 'bad-signature' });
      return {};
    },
    openEnvelope: async (bytes) => ({ ...headers.get(bytes), content: utf8(bytes.content), receipt: new Uint8Array(1) }),
    openGroupEnvelope: async (bytes) => {
      calls.openGroup += 1;
      return { ...headers.get(bytes), content: utf8(bytes.content), receipt: new Uint8Array(1) };
    },
  };
  const senderKeys = createSenderKeys({ cryptoClient, store, identity: { fingerprint: SELF } });
  const inbox = createInbox({
    cryptoClient,
    store,
    route: () => ({ send: async () => {} }),
    conversations: { get: (id) => convs[id], observe() {}, noteName() {}, noteActivity() {} },
    history: { claim: () => true, release() {}, sealMeta: async () => new Uint8Array(1) },
    senderKeys,
    onMissingKey: (conv, sender, keyId) => calls.missing.push([conv.id, sender, keyId]),
    onChange() {},
  });
  inbox.on('group-key', () => senderKeys.save());
  /** An envelope (a distinct object) with its header and what it opens to. */
  let n = 0;
  const envelope = ({ conv, sender = ALICE, keyId = null, content, forged = false }) => {
    const bytes = Object.assign(new Uint8Array([n]), { content, forged });
    headers.set(bytes, { conversationId: conv, sender, messageId: String(++n).padStart(32, '0'), keyId, recipients: keyId ? [] : [SELF, sender], timestampMs: 1, lamport: 1 });
    return bytes;
  };
  return { inbox, store, senderKeys, calls, envelope };
}

test('a group envelope (under a sender key) in a pair conversation is refused unopened', async () => {
  const { inbox, calls, envelope } = setup();
  const outcome = await inbox.receive(ALICE, null, envelope({ conv: 'pair', keyId: KEY_ID, content: { t: 'text', body: 'x' } }));
  assert.equal(outcome, null);
  assert.equal(calls.openGroup, 0);
});

test('a message that overtakes its sender key waits, its owner is asked, and it opens once the key comes', async () => {
  const { inbox, store, calls, envelope } = setup();
  const early = envelope({ conv: 'group', keyId: KEY_ID, content: { t: 'text', body: 'early' } });
  assert.equal(await inbox.receive(BOB, null, early), 'unknown');
  assert.deepEqual(calls.missing, [['group', ALICE, KEY_ID]]);
  assert.equal(store.stored.size, 0);
  // The key's hand-over (RSA-wrapped, from its owner) arrives through another member.
  assert.equal(await inbox.receive(BOB, null, envelope({ conv: 'group', content: { t: 'group-key', keyId: KEY_ID, key: 'K'.repeat(43) } })), 'accepted');
  await new Promise((resolve) => {
    const check = () => ([...store.stored.values()].length === 2 ? resolve() : setImmediate(check));
    check();
  });
  assert.equal(calls.openGroup, 1, 'the waiting message opened with the key');
});

test('a forged group message under an unknown key is dropped: nobody is asked for that key', async () => {
  const { inbox, calls, envelope } = setup();
  const forged = envelope({ conv: 'group', keyId: '3'.repeat(32), content: { t: 'text', body: 'x' }, forged: true });
  assert.equal(await inbox.receive(BOB, null, forged), null);
  assert.deepEqual(calls.missing, []);
});

test('a sender key sealed under another key, or in a pair conversation, is not learnt', async () => {
  const { inbox, senderKeys, calls, envelope } = setup();
  senderKeys.learn('group', ALICE, { keyId: '2'.repeat(32), key: 'L'.repeat(43) });
  const outcome = await inbox.receive(ALICE, null, envelope({ conv: 'group', keyId: '2'.repeat(32), content: { t: 'group-key', keyId: KEY_ID, key: 'K'.repeat(43) } }));
  assert.equal(calls.openGroup, 1, 'opened under the key it names');
  assert.equal(outcome, null, 'but a key inside a group message is refused');
  await inbox.receive(ALICE, null, envelope({ conv: 'pair', content: { t: 'group-key', keyId: KEY_ID, key: 'K'.repeat(43) } }));
  assert.equal(senderKeys.lookup('group', ALICE, KEY_ID), null);
  assert.equal(senderKeys.lookup('pair', ALICE, KEY_ID), null);
});

test('an acknowledgement passed on by someone who is not a recipient of that message counts for nothing', async () => {
  const store = memoryStore();
  const ID = 'e'.repeat(32);
  await store.put('outbox', [{ id: ID, conv: 'group', seq: 1, at: Date.now(), recipients: { [ALICE]: 'sent', [BOB]: 'sent' }, wraps: {} }]);
  const conv = { id: 'group', kind: 'group', tag: 't', members: [{ fingerprint: ALICE }, { fingerprint: BOB }] };
  const outbox = createOutbox({
    cryptoClient: {},
    store,
    identity: { fingerprint: SELF },
    sessions: { linkTo: () => null },
    conversations: { get: (id) => (id === 'group' ? conv : undefined) },
    history: { updateMeta: async () => null },
    onChange() {},
  });
  await outbox.restore();
  const key = `${SELF}:${ID}`;
  await outbox.acked(BOB, [key], { via: STRANGER });
  assert.equal(outbox.isPendingFor(ID, BOB), true, 'a stranger cannot vouch for Bob');
  await outbox.acked(BOB, [key], { via: ALICE });
  assert.equal(outbox.isPendingFor(ID, BOB), false, 'a fellow recipient passes Bob’s word on');
  assert.equal(outbox.isPendingFor(ID, ALICE), true);
  outbox.discard();
});

test('acknowledgements of many members arriving together all reach the stored delivery state', async () => {
  const { createHistory } = await import('../../templates/js/chat/history.js');
  let record = { id: 'm', meta: JSON.stringify({ mine: true, delivered: {}, read: {} }) };
  let rewrites = 0;
  const later = () => new Promise((resolve) => setImmediate(resolve));
  const store = {
    open: async (context, sealed) => (await later(), JSON.parse(sealed)),
    seal: async (context, value) => (await later(), JSON.stringify(value)),
    messages: {
      locate: async () => 1,
      get: async () => (await later(), structuredClone(record)),
      replace: async (place, next) => void (await later(), (rewrites += 1), (record = structuredClone(next))),
    },
  };
  const history = createHistory({ cryptoClient: {}, store, conversations: {}, stateOf: () => null });
  const members = Array.from({ length: 100 }, (_, n) => n.toString(16).padStart(64, '0'));
  await Promise.all(members.map((fp, n) => history.updateMeta('key', (meta) => void (meta.delivered[fp] = n + 1))));
  assert.equal(Object.keys(JSON.parse(record.meta).delivered).length, 100, 'no member’s tick is lost');
  assert.ok(rewrites < 10, `those that came together were written together (${rewrites} writes)`);
});
