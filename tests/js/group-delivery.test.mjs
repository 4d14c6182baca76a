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
import { createChatEvents } from '../../templates/js/chat/chat-events.js';
import { metaContext } from '../../templates/js/core/store.js';
import { fakeCrypto, fakeSessions, memoryStore, readableEnvelope } from './fakes.mjs';
import { until } from './wait.mjs';

const SELF = 'a'.repeat(64);
const ALICE = 'b'.repeat(64);
const BOB = 'c'.repeat(64);
const STRANGER = 'd'.repeat(64);
const KEY_ID = '1'.repeat(32);

/** An inbox over the stand-in worker (fakes.mjs), whose envelopes carry their header and content in the clear. */
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
  const cryptoClient = fakeCrypto({ self: SELF });
  const calls = {
    /** How many group messages were opened (under a sender key). */
    get openGroup() {
      return cryptoClient.log.filter((call) => call.method === 'openGroupEnvelope').length;
    },
    missing: [],
  };
  const senderKeys = createSenderKeys({ cryptoClient, store, identity: { fingerprint: SELF } });
  const events = createChatEvents();
  const inbox = createInbox({
    cryptoClient,
    store,
    route: () => ({ send: async () => {} }),
    conversations: { nextSeq: (c) => c.nextSeq++, get: (id) => convs[id], observe() {}, noteName() {}, noteActivity() {} },
    history: { claim: () => true, release() {} },
    senderKeys,
    events,
  });
  events.on('key-missing', ({ conversation, sender, keyId }) => calls.missing.push([conversation, sender, keyId]));
  inbox.on('group-key', () => senderKeys.save());
  /** An envelope from `sender`, with what it opens to; a forged one does not verify. */
  let n = 0;
  const envelope = ({ conv, sender = ALICE, keyId = null, content, forged = false }) =>
    readableEnvelope({
      conversationId: conv,
      sender,
      messageId: String(++n).padStart(32, '0'),
      keyId,
      recipients: keyId ? [] : [SELF, sender],
      content,
      forged,
    });
  return { inbox, store, senderKeys, calls, envelope };
}

// Acknowledgements passed on by members (chat/forwarding.js): stand-in keys and signatures.
const CAROL = 'e'.repeat(64);
const MALLORY = 'f'.repeat(64);
const spkiOf = (fp) => new TextEncoder().encode(`spki of ${fp}`);
/** A message key as the 48 bytes an acknowledgement signs (worker/src/ack.rs). */
const recordsOf = (keys) => Uint8Array.from(keys.flatMap((key) => [...Buffer.from(key.replace(':', ''), 'hex')]));
/** The stand-in worker's signature: the holder's key and exactly the records it covers. */
const fakeSignature = (spki, records) => new TextEncoder().encode(`${Buffer.from(spki).toString('hex')} signs ${Buffer.from(records).toString('hex')}`);
const ackFrame = (body) => new TextEncoder().encode(JSON.stringify(body));
const signedBy = (holder, keys) => ({ keys, by: holder, sig: Buffer.from(fakeSignature(spkiOf(holder), recordsOf(keys))).toString('base64') });

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
  assert.equal(store.contents.ids.size, 0, 'nothing stored');
  // The key's hand-over (RSA-wrapped, from its owner) arrives through another member.
  assert.equal(await inbox.receive(BOB, null, envelope({ conv: 'group', content: { t: 'group-key', keyId: KEY_ID, key: 'K'.repeat(43) } })), 'accepted');
  await until(() => store.contents.ids.size === 2, 'the key and the waiting message stored');
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
  const outcome = await inbox.receive(
    ALICE,
    null,
    envelope({ conv: 'group', keyId: '2'.repeat(32), content: { t: 'group-key', keyId: KEY_ID, key: 'K'.repeat(43) } }),
  );
  assert.equal(calls.openGroup, 1, 'opened under the key it names');
  assert.equal(outcome, null, 'but a key inside a group message is refused');
  await inbox.receive(ALICE, null, envelope({ conv: 'pair', content: { t: 'group-key', keyId: KEY_ID, key: 'K'.repeat(43) } }));
  assert.equal(senderKeys.lookup('group', ALICE, KEY_ID), null);
  assert.equal(senderKeys.lookup('pair', ALICE, KEY_ID), null);
});

test('a word passed on counts by its signature, not by who carries it: a stranger’s unsigned word is nothing, Bob’s signed list is Bob’s', async () => {
  const { createForwarding } = await import('../../templates/js/chat/forwarding.js');
  const store = memoryStore();
  const ID = 'e'.repeat(32);
  await store.put('outbox', [{ id: ID, conv: 'group', seq: 1, at: Date.now(), recipients: { [ALICE]: 'sent', [BOB]: 'sent' }, wraps: {} }]);
  await store.messages.add([{ place: ['t', 1], key: `${SELF}:${ID}`, record: { id: ID, sender: SELF, env: new Uint8Array([1]) } }]);
  const conv = { id: 'group', kind: 'group', tag: 't', members: [{ fingerprint: ALICE }, { fingerprint: BOB }] };
  const outbox = createOutbox({
    cryptoClient: {},
    store,
    identity: { fingerprint: SELF },
    sessions: fakeSessions(),
    conversations: { nextSeq: (c) => c.nextSeq++, get: (id) => (id === 'group' ? conv : undefined) },
    history: { updateMeta: async () => null },
  });
  await outbox.restore();
  const forwarding = createForwarding({
    identity: { fingerprint: SELF },
    sessions: fakeSessions(),
    cryptoClient: { verifyAcks: async (spki, keys, signature) => assert.deepEqual(Buffer.from(signature), Buffer.from(fakeSignature(spki, keys))) },
    spkiOf: (fp) => (fp === BOB ? spkiOf(BOB) : null),
    outbox,
  });
  const key = `${SELF}:${ID}`;
  await forwarding.receive(STRANGER, null, ackFrame({ keys: [key], by: BOB }));
  assert.equal(outbox.isPendingFor(ID, BOB), true, 'a stranger cannot vouch for Bob');
  await forwarding.receive(ALICE, null, ackFrame({ keys: [key], by: BOB }));
  assert.equal(outbox.isPendingFor(ID, BOB), true, 'nor can a fellow recipient');
  await forwarding.receive(STRANGER, null, ackFrame(signedBy(BOB, [key])));
  assert.equal(outbox.isPendingFor(ID, BOB), false, 'Bob’s own signed word, whoever brings it');
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

// ---- acknowledgements passed on by members (chat/forwarding.js) ----

/**
 * Our chat (the app's createChat) holding one group message of ours, sent
 * to Bob, Carol and Mallory: Bob and Carol have its copy in their mailbox,
 * Mallory has it through her session. The worker checks stand-in signatures;
 * the mailbox records the deletions asked of it.
 */
async function groupSender() {
  const { createChat } = await import('../../templates/js/chat/chat.js');
  const { createSessions } = await import('../../templates/js/net/sessions.js');
  const ID = '9'.repeat(32);
  const key = `${SELF}:${ID}`;
  const records = new Map([
    ['ids-format', 2],
    ['conversations', [{ id: 'group', tag: 'tg', kind: 'group', ref: 'g', title: 'G', lamport: 1, nextSeq: 2, unread: 0, lastActivity: 0, lastPreview: '' }]],
    [
      'outbox',
      [
        {
          id: ID,
          conv: 'group',
          seq: 1,
          at: Date.now(),
          recipients: { [BOB]: 'relayed', [CAROL]: 'relayed', [MALLORY]: 'sent' },
          wraps: { [BOB]: { at: Date.now(), list: [{ id: 'wrap-bob', nonce: '1' }] }, [CAROL]: { at: Date.now(), list: [{ id: 'wrap-carol', nonce: '2' }] } },
        },
      ],
    ],
  ]);
  const store = memoryStore();
  for (const [name, value] of records) await store.put(name, value);
  const place = ['tg', 1];
  const meta = await store.seal(metaContext(ID), { mine: true, delivered: {}, read: {} });
  await store.messages.add([{ place, key, record: { id: ID, sender: SELF, env: new Uint8Array([1]), meta } }]);
  /** The message's delivery state, as stored. */
  const storedMeta = async () => store.open(metaContext(ID), (await store.messages.get(place)).meta);
  const deleted = [];
  const verified = [];
  const events = [];
  const chat = createChat({
    cryptoClient: {
      signAcks: async (keys) => fakeSignature(spkiOf(SELF), keys),
      verifyAcks: async (spki, keys, signature) => {
        verified.push(Buffer.from(spki).toString());
        if (Buffer.compare(Buffer.from(signature), Buffer.from(fakeSignature(spki, keys))) !== 0)
          throw Object.assign(new Error('bad signature'), { code: 'bad-signature' });
      },
    },
    store,
    identity: { fingerprint: SELF },
    sessions: createSessions(),
    network: {},
    own: createSessions(),
    mailbox: {
      deleteWraps: (list) => deleted.push(...list.map((w) => w.id)),
      keyOf: () => null,
      connected: () => false,
      linkFor: () => null,
      handleHistory() {},
    },
    preferences: () => ({}),
    displayName: () => '',
  });
  chat.events.on('state-changed', (event) => events.push(event));
  await chat.restore();
  await chat.ensureConversation({
    id: 'group',
    kind: 'group',
    ref: 'g',
    title: 'G',
    members: [BOB, CAROL, MALLORY].map((fingerprint) => ({ fingerprint, spki: spkiOf(fingerprint) })),
  });
  const delivered = () => events.some((e) => e.message === ID && (e.state === 'delivered' || e.state === 'read'));
  return { chat, key, ID, deleted, verified, events, delivered, storedMeta };
}

test("a member who passes on another member's acknowledgement without that member's signature cannot mark it delivered", async () => {
  const { chat, key, deleted, delivered, storedMeta } = await groupSender();
  try {
    // Mallory says Bob has it: unsigned, then with a signature Bob never made.
    await chat.frames.ack(MALLORY, null, ackFrame({ keys: [key], by: BOB }));
    await chat.frames.ack(MALLORY, null, ackFrame({ keys: [key], by: BOB, sig: Buffer.from('forged').toString('base64') }));
    await chat.frames.ack(MALLORY, null, ackFrame({ ...signedBy(BOB, [key]), by: CAROL }));
    assert.equal(chat.pendingFor(BOB), 1, 'Bob still lacks it');
    assert.equal(chat.pendingFor(CAROL), 1, 'Bob’s signature does not vouch for Carol');
    assert.deepEqual(deleted, [], 'no wrap of Bob’s is deleted');
    assert.deepEqual((await storedMeta()).delivered, {}, 'nothing stored as delivered');
    assert.equal(delivered(), false, 'no ✓✓');
    // Bob's own word (his session, or his mailbox) counts.
    await chat.frames.ack(BOB, null, ackFrame({ keys: [key] }));
    assert.equal(chat.pendingFor(BOB), 0);
    assert.deepEqual(deleted, ['wrap-bob']);
    assert.ok((await storedMeta()).delivered[BOB]);
  } finally {
    await chat.close({ save: false });
  }
});

test('a member who only hears through others is delivered by its signed acknowledgement, passed on hop by hop', async () => {
  const { chat, key, deleted, verified, delivered, storedMeta } = await groupSender();
  try {
    // Carol's own signed list, passed on by Mallory (or anyone): checked with Carol's key.
    await chat.frames.ack(MALLORY, null, ackFrame(signedBy(CAROL, [key])));
    assert.deepEqual(verified, [`spki of ${CAROL}`], 'verified once, with Carol’s key');
    assert.equal(chat.pendingFor(CAROL), 0);
    assert.deepEqual(deleted, ['wrap-carol']);
    assert.ok((await storedMeta()).delivered[CAROL]);
    await chat.frames.ack(MALLORY, null, ackFrame({ keys: [key] }));
    await chat.frames.ack(BOB, null, ackFrame(signedBy(BOB, [key])));
    assert.equal(delivered(), true, '✓✓ once every member acknowledged');
  } finally {
    await chat.close({ save: false });
  }
});

test('we sign our acknowledgement once when it will be passed on, reuse it for later copies, and never sign one to the message’s own sender', async () => {
  const { createForwarding } = await import('../../templates/js/chat/forwarding.js');
  const signatures = [];
  const forwarding = createForwarding({
    identity: { fingerprint: SELF },
    sessions: fakeSessions(),
    cryptoClient: { signAcks: async (records) => (signatures.push(records), fakeSignature(spkiOf(SELF), records)) },
    spkiOf,
    outbox: { awaits: () => false, acked: async () => {} },
  });
  const fromAlice = [`${ALICE}:${'1'.repeat(32)}`, `${ALICE}:${'2'.repeat(32)}`];
  const decode = (frames) => frames.map((f) => JSON.parse(new TextDecoder().decode(f)));
  assert.deepEqual(decode(await forwarding.ackFrames(ALICE, fromAlice)), [{ keys: fromAlice }], 'to its sender: our session says it is us');
  assert.equal(signatures.length, 0);
  const first = decode(await forwarding.ackFrames(BOB, fromAlice));
  assert.deepEqual(first, [signedBy(SELF, fromAlice)], 'to a member who passed it on: a list we signed');
  const again = decode(await forwarding.ackFrames(CAROL, [fromAlice[1]]));
  assert.deepEqual(again, first, 'a later copy is acknowledged with the same signed list');
  assert.equal(signatures.length, 1, 'one signature for both messages and both copies');
  const many = Array.from({ length: 600 }, (_, n) => `${BOB}:${n.toString(16).padStart(32, '0')}`);
  const frames = decode(await forwarding.ackFrames(CAROL, many));
  assert.deepEqual(
    frames.map((f) => f.keys.length),
    [500, 100],
    'a signature covers at most 500 keys',
  );
});

test('the committed signed acknowledgement (tests/vectors/ack.json) is what chat/forwarding.js encodes, and verifies with node’s own RSA-PSS', async () => {
  const { webcrypto } = await import('node:crypto');
  const { readFileSync } = await import('node:fs');
  const { ackRecords } = await import('../../templates/js/chat/forwarding.js');
  const read = (name) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));
  const v = read('ack.json');
  const hex = (text) => Uint8Array.from(Buffer.from(text, 'hex'));
  assert.equal(Buffer.from(ackRecords(v.keys)).toString('hex'), v.records);
  // The signed message, built here from its description.
  const count = Buffer.alloc(2);
  count.writeUInt16BE(v.keys.length);
  const signed = Buffer.concat([Buffer.from('trustero/ack/v1'), Buffer.of(0), hex(v.holder), count, hex(v.records)]);
  assert.equal(signed.toString('hex'), v.signed);
  const spkiOfVector = (fp) => Buffer.from(read('identity.json').vectors.find((x) => x.fingerprint === fp).spki, 'base64url');
  const key = async (fp) => webcrypto.subtle.importKey('spki', spkiOfVector(fp), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
  const verify = async (fp, message) => webcrypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, await key(fp), hex(v.signature), message);
  assert.equal(await verify(v.holder, signed), true);
  assert.equal(await verify(v.other, signed), false, 'only its holder');
  signed[signed.length - 1] ^= 1;
  assert.equal(await verify(v.holder, signed), false, 'only these keys');
});
