// A relay serving an old version of a group's roaming-profile record (one
// that still lists a member removed since) to a fresh device: the group is
// provisional there, no key of ours is made or handed to anyone, and a
// removed member replaying the old list cannot confirm it; the creator's
// word (or most members') does, after which the newer membership holds.
// The app's own groups, sender keys, outbox and backlog run together; the
// worker, the store and the links are stand-ins that record what they get.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createGroups } from '../../templates/js/chat/groups.js';
import { createSenderKeys } from '../../templates/js/chat/sender-keys.js';
import { createOutbox } from '../../templates/js/chat/outbox.js';
import { createBacklog } from '../../templates/js/chat/backlog.js';
import { encode as toBase64url, toHex } from '../../templates/js/core/encoding.js';
import { fakeCrypto, fakeSessions, fingerprintOf, memoryStore, readEnvelope } from './fakes.mjs';
import { settle } from './wait.mjs';

const sha = (...parts) => createHash('sha256').update(parts.join('|')).digest('hex');
const utf8 = (value) => new TextEncoder().encode(JSON.stringify(value));
const fromUtf8 = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

/** A person: a "key" (bytes, the size of an RSA SPKI) whose fingerprint is its hash, as the worker's inspectKey says. */
function person(name) {
  const spki = new TextEncoder().encode(`spki of ${name} `.repeat(30).slice(0, 294));
  return { name, spki, fingerprint: createHash('sha256').update(spki).digest('hex') };
}
const CREATOR = person('creator');
const US = person('us');
const REMOVED = person('removed');
const XAVIER = person('xavier');
const YVES = person('yves');
const nameOf = (fingerprint) => [CREATOR, US, REMOVED, XAVIER, YVES].find((p) => p.fingerprint === fingerprint)?.name;

const NONCE = '5'.repeat(32);
const groupId = (creator, nonce) => sha(creator, nonce).slice(0, 32);
const GROUP_ID = groupId(CREATOR.fingerprint, NONCE);
const descriptor = (epoch, members, secret) => ({
  id: GROUP_ID,
  nonce: NONCE,
  secret: toBase64url(new TextEncoder().encode(secret.padEnd(32, '.'))),
  name: 'Climbing',
  creator: CREATOR.fingerprint,
  epoch,
  members: members.map((p) => ({ fingerprint: p.fingerprint, spki: toBase64url(p.spki) })),
});

/** One device of `self`: groups, sender keys, outbox and backlog as chat.js wires them, over recording stand-ins. */
function device(self) {
  const cryptoClient = {
    ...fakeCrypto({ self: self.fingerprint }),
    groupId: async (creator, nonce) => groupId(creator, toHex(nonce)),
    groupConversationId: async (id) => sha('conversation', toHex(id)),
    groupRoom: async (id) => ({ roomId: sha('room', toHex(id)) }),
    inspectKey: async (spki) => ({ fingerprint: fingerprintOf(spki) }),
  };
  const store = memoryStore();
  /** What left this device, read: an envelope as whom it was sealed for (or under which key) and its content, any other frame as its JSON. */
  const sessions = fakeSessions([], {
    describe: (type, data) => {
      if (type !== 'env') return { body: fromUtf8(data) };
      const { header, content } = readEnvelope(data);
      return {
        body: header.keyId ? { keyId: header.keyId, content: fromUtf8(content) } : { recipients: header.recipients.map(nameOf), content: fromUtf8(content) },
      };
    },
  });
  const convs = new Map();
  const conversations = {
    get: (id) => convs.get(id),
    list: () => [...convs.values()],
    tick: (conv) => ++conv.lamport,
    nextSeq: (conv) => conv.nextSeq++,
    noteActivity() {},
    async ensure({ id, kind, ref, title, members }) {
      const conv = convs.get(id) ?? { id, tag: `t-${id.slice(0, 6)}`, lamport: 0, nextSeq: 1, recent: [] };
      Object.assign(conv, { kind, ref, title, members: members.filter((m) => m.fingerprint !== self.fingerprint) });
      convs.set(id, conv);
      return conv;
    },
  };
  const identity = { fingerprint: self.fingerprint, spki: self.spki, mailboxKey: null };
  const senderKeys = createSenderKeys({ cryptoClient, store, identity });
  const history = { updateMeta: async () => null, envelope: async () => null };
  const outbox = createOutbox({ cryptoClient, store, identity, sessions, conversations, history, senderKeys });
  const backlog = createBacklog({ cryptoClient, identity, sessions, conversations, history, outbox });
  const handlers = new Map();
  const chat = {
    on: (t, handler) => handlers.set(t, handler),
    send: outbox.send,
    ensureConversation: conversations.ensure,
    holdGroupKeys: senderKeys.hold,
    bindGroups: backlog.bind,
  };
  const contacts = { get: () => null };
  const network = { join: ({ room }) => ({ room }), leave() {} };
  const groups = createGroups({ cryptoClient, store, network, sessions, identity, chat, contacts, meshTarget: 4 });
  const group = () => groups.get(GROUP_ID);
  return {
    groups,
    outbox,
    backlog,
    senderKeys,
    sent: sessions.sent,
    group,
    online: (...people) => people.forEach((p) => sessions.connect(p.fingerprint)),
    /** A 'sync' frame from `who` over its direct session, stating `epoch` (and whether it is sure of it). */
    syncFrom: (who, epoch, { unconfirmed = false } = {}) =>
      backlog.receive(
        who.fingerprint,
        sessions.linkTo(who.fingerprint),
        utf8({ conv: group().conversationId, have: [], epoch, ...(unconfirmed ? { unconfirmed } : {}) }),
      ),
    /** A group message from its creator, as the inbox hands it to its handler after opening it. */
    deliver: (type, content, { sender, from }) =>
      handlers.get(type)(convs.get(group().conversationId), { sender: sender.fingerprint, content }, from.fingerprint),
    /** Every key hand-over that left this device: to whom it was sealed. */
    keyHandovers: () => sessions.sent.filter((s) => s.type === 'env' && s.body?.content?.t === 'group-key'),
    /** Whether a message can be sent in the group now (refused while its list is unconfirmed). */
    canSend: () =>
      outbox.send(group().conversationId, { t: 'text', body: 'hello' }).then(
        () => true,
        (error) => (error.code === 'group-unconfirmed' ? false : Promise.reject(error)),
      ),
    close: () => outbox.discard(),
  };
}

const OLD = descriptor(1, [CREATOR, US, REMOVED, XAVIER], 'old secret');
const NEW = descriptor(2, [CREATOR, US, XAVIER], 'new secret');

test('an old profile record listing a removed member: no key is handed to anyone, the removed member cannot confirm it, the creator’s newer epoch does', async () => {
  const d = device(US);
  d.online(REMOVED, XAVIER, CREATOR);
  await d.groups.applyProfile(GROUP_ID, { descriptor: OLD, left: false });
  assert.ok(
    d.group().members.some((m) => m.fingerprint === REMOVED.fingerprint),
    'the old record lists the removed member',
  );

  // Sending now would make our key for the old list and hand it to the removed member: refused, nothing sealed.
  assert.equal(await d.canSend(), false, 'restored from the profile: nothing can be sent yet');
  assert.deepEqual(
    d.keyHandovers().map((h) => nameOf(h.to)),
    [],
    'no key handed to anyone',
  );
  assert.equal(d.sent.filter((s) => s.type === 'env').length, 0, 'nothing sent at all');

  // The removed member, who kept the old room secret, meets us and vouches for the old list.
  d.syncFrom(REMOVED, 1);
  await settle();
  assert.equal(await d.canSend(), false, 'one member of three is not enough');
  // It asks for a key of ours: none is given (there is none, and none may be made).
  assert.equal(d.senderKeys.answerFor(d.group().conversationId, '0'.repeat(32), REMOVED.fingerprint), null);
  assert.deepEqual(d.keyHandovers(), []);

  // Our sync states our epoch as unconfirmed, so nobody takes our word for it.
  d.backlog.offer(CREATOR.fingerprint);
  const ours = d.sent.find((s) => s.type === 'sync' && s.to === CREATOR.fingerprint);
  assert.deepEqual({ epoch: ours.body.epoch, unconfirmed: ours.body.unconfirmed }, { epoch: 1, unconfirmed: true });

  // The creator states a later epoch: ours is old, and stays held.
  d.syncFrom(CREATOR, 2);
  await settle();
  assert.equal(d.groups.isProvisional(GROUP_ID), true);
  // The creator sends its current descriptor; the newer list holds and is confirmed by the creator's word.
  await d.deliver('group-update', { t: 'group-update', group: NEW }, { sender: CREATOR, from: CREATOR });
  assert.equal(d.group().epoch, 2);
  assert.deepEqual(
    d.group().members.map((m) => nameOf(m.fingerprint)),
    ['creator', 'us', 'xavier'],
  );
  assert.equal(d.groups.isProvisional(GROUP_ID), false, 'confirmed');

  assert.equal(await d.canSend(), true);
  const handovers = d.keyHandovers();
  assert.ok(handovers.length > 0, 'our key is handed over now');
  for (const handover of handovers) {
    assert.notEqual(handover.to, REMOVED.fingerprint);
    assert.ok(!handover.body.recipients.includes('removed'), `sealed for ${handover.body.recipients}`);
  }
  assert.equal(
    d.sent.some((s) => s.to === REMOVED.fingerprint && s.type === 'env'),
    false,
    'nothing of ours reaches the removed member',
  );
  d.close();
});

test('a record that is not old is confirmed by most members; statements from members unsure of their own list, or of a later epoch, do not confirm', async () => {
  const current = descriptor(3, [CREATOR, US, XAVIER, YVES], 'current');
  const d = device(US);
  await d.groups.applyProfile(GROUP_ID, { descriptor: current, left: false });
  d.syncFrom(XAVIER, 3, { unconfirmed: true });
  d.syncFrom(YVES, 3, { unconfirmed: true });
  await settle();
  assert.equal(await d.canSend(), false, 'members restored from old records themselves do not count');
  d.syncFrom(XAVIER, 3);
  await settle();
  assert.equal(await d.canSend(), false, 'one of three');
  d.syncFrom(YVES, 3);
  await settle();
  assert.equal(await d.canSend(), true, 'two of three, none later: confirmed without the creator');
  d.close();

  const e = device(US);
  await e.groups.applyProfile(GROUP_ID, { descriptor: current, left: false });
  e.syncFrom(XAVIER, 3);
  e.syncFrom(YVES, 4);
  await settle();
  assert.equal(await e.canSend(), false, 'a member knows a later epoch: ours is old');
  e.close();
});

test('a group we created, restored from an old record, changes nothing until confirmed; a creator sends its descriptor to a member stating an older epoch, once', async () => {
  // Our own group on a fresh device: the old list may name someone we removed elsewhere.
  const fresh = device(CREATOR);
  await fresh.groups.applyProfile(GROUP_ID, { descriptor: OLD, left: false });
  await assert.rejects(fresh.groups.removeMember(GROUP_ID, XAVIER.fingerprint), { code: 'unconfirmed' });
  assert.equal(fresh.group().epoch, 1, 'no epoch forked from the old list');
  fresh.close();

  // The creator's device that made the change hears a member state the older epoch.
  const creator = device(CREATOR);
  creator.online(US);
  await creator.groups.applyProfile(GROUP_ID, { descriptor: NEW, left: false });
  creator.syncFrom(US, 2);
  creator.syncFrom(XAVIER, 2);
  await settle();
  assert.equal(await creator.canSend(), true, 'confirmed by both other members');
  creator.sent.length = 0;
  creator.syncFrom(US, 1, { unconfirmed: true });
  creator.syncFrom(US, 1, { unconfirmed: true });
  await settle();
  await settle();
  const updates = creator.sent.filter((s) => s.type === 'env' && s.body?.content?.t === 'group-update');
  assert.equal(updates.length, 1, 'sent once');
  assert.equal(updates[0].to, US.fingerprint);
  assert.equal(updates[0].body.content.group.epoch, 2);
  creator.close();
});

test('a device restoring a group while its members are online asks them at once, and a member answers an unconfirmed sync with its own, once per interval', async () => {
  const current = descriptor(3, [CREATOR, US, XAVIER, YVES], 'current');
  const fresh = device(US);
  fresh.online(XAVIER, YVES);
  await fresh.groups.applyProfile(GROUP_ID, { descriptor: current, left: false });
  const asked = fresh.sent.filter((s) => s.type === 'sync').map((s) => [nameOf(s.to), s.body.epoch, s.body.unconfirmed]);
  assert.deepEqual(asked.sort(), [
    ['xavier', 3, true],
    ['yves', 3, true],
  ]);

  // Xavier, sure of the group, answers with his own sync (and only once for a while).
  const xavier = device(XAVIER);
  xavier.online(US);
  await xavier.groups.applyProfile(GROUP_ID, { descriptor: current, left: false });
  xavier.syncFrom(CREATOR, 3);
  await settle();
  assert.equal(xavier.groups.isProvisional(GROUP_ID), false);
  xavier.sent.length = 0;
  xavier.syncFrom(US, 3, { unconfirmed: true });
  xavier.syncFrom(US, 3, { unconfirmed: true });
  await settle();
  const back = xavier.sent.filter((s) => s.type === 'sync');
  assert.equal(back.length, 1);
  assert.deepEqual([nameOf(back[0].to), back[0].body.epoch, back[0].body.unconfirmed], ['us', 3, undefined]);
  // A sync that is not asking gets no sync back.
  xavier.syncFrom(YVES, 3);
  await settle();
  assert.equal(xavier.sent.filter((s) => s.type === 'sync').length, 1);
  fresh.close();
  xavier.close();
});
