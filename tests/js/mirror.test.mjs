// chat/mirror.js takes bytes from peers: only our own devices may send its
// frames, and a record must reopen with our own keys as what it claims to be.
// Fakes stand in for the worker and the database; nothing here is timed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_HISTORY, OLDER_PAGE, createMirror } from '../../templates/js/chat/mirror.js';
import { createChatEvents } from '../../templates/js/chat/chat-events.js';
import { createSessions } from '../../templates/js/net/sessions.js';
import { deviceOf, newInstance } from '../../templates/js/net/instance.js';

const SELF = 'a'.repeat(64);
const FRIEND = 'b'.repeat(64);
const ID = '1'.repeat(32);
const utf8 = (value) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const b64 = (text) => Buffer.from(text).toString('base64');

function setup({
  opened = { conversationId: 'conv', messageId: ID, sender: FRIEND, content: utf8({ t: 'text', body: 'hi' }), timestampMs: 1, lamport: 1 },
} = {}) {
  const added = [];
  const conv = { id: 'conv', tag: 'tag', members: [{ fingerprint: FRIEND }], nextSeq: 1, unread: 0 };
  const mirror = createMirror({
    cryptoClient: { openStored: async () => opened },
    store: {
      open: async () => ({ mine: false, readAt: null }),
      messages: { locate: async () => undefined, add: async (items) => added.push(...items) },
    },
    identity: { fingerprint: SELF },
    network: {},
    own: createSessions(),
    conversations: {
      nextSeq: (c) => c.nextSeq++,
      get: (id) => (id === 'conv' ? conv : undefined),
      list: () => [conv],
      observe() {},
      noteName() {},
      noteActivity: () => (conv.unread += 1),
      clearUnread: () => (conv.unread = 0),
    },
    history: {
      claim: () => true,
      release() {},
      sealMeta: async () => new Uint8Array(1),
      stateFor: () => 'received',
      newest: async () => [],
      updateMeta: async () => null,
    },
    stateOf: () => null,
  });
  return { mirror, added, conv };
}

const record = { conv: 'conv', id: ID, sender: FRIEND, env: b64('env'), rcpt: b64('rcpt'), meta: b64('meta'), state: null };

test('mirror frames from anyone but our own identity are ignored', async () => {
  const { mirror, added, conv } = setup();
  conv.unread = 3;
  await mirror.frames.mirror(FRIEND, null, utf8({ records: [record] }));
  await mirror.frames['mirror-read'](FRIEND, null, utf8({ conv: 'conv', keys: [] }));
  assert.equal(added.length, 0);
  assert.equal(conv.unread, 3);
  // From our own device the same record is kept.
  await mirror.frames.mirror(SELF, null, utf8({ records: [record] }));
  assert.equal(added.length, 1);
});

test('malformed mirror frames and records are dropped, and the records after them kept', async () => {
  const { mirror, added } = setup();
  for (const garbage of [new Uint8Array([0xff, 0x00]), utf8('null'), utf8({ records: 'x' }), utf8({ records: [null, 7, 'x'] })]) {
    await mirror.frames.mirror(SELF, null, garbage);
    await mirror.frames['mirror-have'](SELF, null, garbage);
    await mirror.frames['mirror-read'](SELF, null, garbage);
  }
  await mirror.frames.mirror(SELF, null, utf8({ records: [{ ...record, id: 'not-hex' }, { ...record, conv: 'unknown' }, { ...record, env: '%%%' }, record] }));
  assert.equal(added.length, 1, 'only the well-formed record');
});

test('a record that reopens as another message or conversation, or from a stranger, is not kept', async () => {
  for (const opened of [
    { conversationId: 'other', messageId: ID, sender: FRIEND, content: utf8({ t: 'text', body: 'x' }) },
    { conversationId: 'conv', messageId: '2'.repeat(32), sender: FRIEND, content: utf8({ t: 'text', body: 'x' }) },
    { conversationId: 'conv', messageId: ID, sender: 'c'.repeat(64), content: utf8({ t: 'text', body: 'x' }) },
    { conversationId: 'conv', messageId: ID, sender: FRIEND, content: utf8('not json') },
  ]) {
    const { mirror, added } = setup({ opened });
    await mirror.frames.mirror(SELF, null, utf8({ records: [record] }));
    assert.equal(added.length, 0, JSON.stringify(opened));
  }
});

test('instance ids keep the device part apart from the public, per-load peer id', () => {
  const device = '0123456789abcdef';
  const a = newInstance(device);
  const b = newInstance(device);
  assert.equal(deviceOf(a), deviceOf(b), 'two loads of one device');
  assert.notEqual(deviceOf(a), deviceOf(newInstance('fedcba9876543210')), 'two devices');
  // The peer id (first 10 bytes) carries nothing of the device.
  assert.ok(!Buffer.from(a.slice(0, 10)).toString('hex').includes(deviceOf(a)));
  assert.notDeepEqual(a.slice(0, 10), b.slice(0, 10));
});

/**
 * A mirror whose fake worker reopens a record's envelope as what its text
 * says ({conv, id, ts}), with `known` conversations, and a fake mailbox that
 * records what is left on the relays.
 */
function historySetup({ known = ['conv'], sender = FRIEND } = {}) {
  const added = [];
  const posted = [];
  let whenPosted = null;
  const convs = new Map(known.map((id) => [id, { id, tag: `tag-${id}`, members: [{ fingerprint: FRIEND }], nextSeq: 1, unread: 0 }]));
  const stored = new Map();
  /** message id -> its sealed state, as last written */
  const metas = new Map();
  /** message keys stored before the test */
  const present = new Set();
  const events = createChatEvents();
  const mirror = createMirror({
    cryptoClient: {
      openStored: async (env) => {
        const { conv, id, ts } = JSON.parse(new TextDecoder().decode(env));
        return { conversationId: conv, messageId: id, sender, content: utf8({ t: 'text', body: id }), timestampMs: ts, lamport: ts };
      },
    },
    store: {
      open: async () => ({ mine: sender === SELF, readAt: null }),
      messages: {
        locate: async (key) => (present.has(key) || added.some((a) => a.key === key) ? ['tag-conv', 1] : undefined),
        get: async () => ({ id: ID, sender: FRIEND, env: utf8('e'), rcpt: utf8('r'), meta: utf8('m') }),
        add: async (items) => added.push(...items),
        // Seq 1 is held from the start; older history goes below it.
        oldest: async () => ({ seq: Math.min(1, ...added.map((a) => a.place[1])) }),
      },
    },
    identity: { fingerprint: SELF },
    network: {},
    own: createSessions(),
    conversations: {
      nextSeq: (c) => c.nextSeq++,
      get: (id) => convs.get(id),
      list: () => [...convs.values()],
      observe() {},
      noteName() {},
      noteActivity: (conv, key, text, at, unread) => {
        if (unread) conv.unread += 1;
      },
      clearUnread: (conv) => (conv.unread = 0),
      lessUnread: (conv, n) => (conv.unread = Math.max(0, conv.unread - n)),
    },
    history: {
      claim: () => true,
      release() {},
      sealMeta: async (id, meta) => {
        metas.set(id, structuredClone(meta));
        return new Uint8Array(1);
      },
      stateFor: () => 'received',
      newest: async () => [],
      updateMeta: async (key, update) => {
        // Like history.updateMeta: nothing to update for a message not stored.
        if (!present.has(key) && !added.some((a) => a.key === key) && !metas.has(key.split(':')[1])) return null;
        const meta = metas.get(key.split(':')[1]) ?? { mine: sender === SELF, readAt: stored.get(key) ?? null };
        update(meta);
        stored.set(key, meta.readAt);
        metas.set(key.split(':')[1], meta);
        return meta;
      },
    },
    stateOf: () => null,
    events,
    mailbox: {
      postHistory: async (data) => {
        posted.push(JSON.parse(new TextDecoder().decode(data)));
        whenPosted?.();
        return true;
      },
    },
  });
  const nextPost = () => new Promise((resolve) => (whenPosted = resolve));
  return { mirror, events, added, posted, nextPost, convs, stored, present, metas };
}

const historyRecord = (conv, id, ts, { sender = FRIEND, state = null } = {}) => ({
  conv,
  id,
  sender,
  env: b64(JSON.stringify({ conv, id, ts })),
  rcpt: b64('r'),
  meta: b64('m'),
  state,
});
const keyOf = (id) => `${FRIEND}:${id}`;

test('history from the relays is kept oldest first, and what names a conversation not known yet waits for it', async () => {
  const { mirror, added, convs } = historySetup();
  const [newer, older, elsewhere] = ['3'.repeat(32), '4'.repeat(32), '5'.repeat(32)];
  await mirror.receiveHistory([
    utf8({ records: [historyRecord('conv', newer, 200), historyRecord('later', elsewhere, 50)] }),
    utf8({ records: [historyRecord('conv', older, 100)] }),
  ]);
  assert.deepEqual(
    added.map((a) => a.record.id),
    [older, newer],
    'oldest first, whatever the order the relays gave',
  );
  convs.set('later', { id: 'later', tag: 'tag-later', members: [{ fingerprint: FRIEND }], nextSeq: 1, unread: 0 });
  await mirror.conversationKnown('later');
  assert.deepEqual(
    added.map((a) => a.record.id),
    [older, newer, elsewhere],
    'kept once its conversation is known',
  );
});

test('reads from the relays lessen the unread count by what they read; hostile history is dropped', async () => {
  const { mirror, convs } = historySetup();
  const conv = convs.get('conv');
  const ids = ['6'.repeat(32), '7'.repeat(32), '8'.repeat(32)];
  await mirror.receiveHistory([utf8({ records: ids.map((id, i) => historyRecord('conv', id, i + 1)) })]);
  assert.equal(conv.unread, 3);
  for (const garbage of [
    new Uint8Array([0xff]),
    utf8('null'),
    utf8({ records: 'x', reads: 'y' }),
    utf8({ reads: [null, 7, { conv: 'conv', keys: 'x' }, { conv: 'conv', keys: ['not a key'] }] }),
  ]) {
    await mirror.receiveHistory([garbage]);
  }
  assert.equal(conv.unread, 3, 'garbage reads nothing');
  await mirror.receiveHistory([utf8({ reads: [{ conv: 'conv', keys: [keyOf(ids[0]), keyOf(ids[1])], at: 5 }] })]);
  assert.equal(conv.unread, 1, 'two read elsewhere, the newest still unread');
  await mirror.receiveHistory([utf8({ reads: [{ conv: 'conv', keys: [keyOf(ids[0])], at: 6 }] })]);
  assert.equal(conv.unread, 1, 'a read repeated counts once');
});

test('a read that comes from the relays before the message it names applies once the message is kept', async () => {
  const { mirror, convs, metas } = historySetup();
  const conv = convs.get('conv');
  const [early, unreadOne] = ['a1'.repeat(16), 'a2'.repeat(16)];
  await mirror.receiveHistory([utf8({ reads: [{ conv: 'conv', keys: [keyOf(early)], at: 7 }] })]);
  assert.equal(conv.unread, 0);
  await mirror.receiveHistory([utf8({ records: [historyRecord('conv', early, 1), historyRecord('conv', unreadOne, 2)] })]);
  assert.equal(metas.get(early).readAt, 7, 'stored as read, when it was read');
  assert.equal(metas.get(unreadOne).readAt ?? null, null);
  assert.equal(conv.unread, 1, 'only the message nobody read counts as unread');
});

test('what is stored first-hand and what is read is left on the relays; what another device mirrored is not', async () => {
  const { mirror, events, posted, nextPost, present } = historySetup();
  present.add(keyOf(ID));
  present.add(`${SELF}:${ID}`);
  let posting = nextPost();
  events.emit('message-stored', { conversation: 'conv', message: ID, added: { sender: FRIEND } });
  // A copy from another device of ours (stored by the mirror itself) is not left again.
  await mirror.receiveHistory([utf8({ records: [historyRecord('conv', '9'.repeat(32), 5)] })]);
  mirror.noteRead('conv', [keyOf(ID)]);
  await posting;
  assert.equal(posted.length, 1);
  assert.deepEqual(
    posted[0].records.map((r) => r.id),
    [ID],
  );
  assert.deepEqual(posted[0].reads[0].keys, [keyOf(ID)]);
  // A friend's message changing state is not left again; ours once delivered is.
  posting = nextPost();
  events.emit('state-changed', { conversation: 'conv', message: ID, sender: FRIEND, state: 'read' });
  events.emit('state-changed', { conversation: 'conv', message: ID, sender: SELF, state: 'delivered' });
  await posting;
  assert.equal(posted.length, 2);
  assert.equal(posted[1].records.length, 1);
});

/** A holder of `count` messages (seq 1..count) and a link that records the frames it is sent. */
function holderSetup(count) {
  const conv = { id: 'conv', tag: 'tag', members: [{ fingerprint: FRIEND }], nextSeq: count + 1, unread: 0 };
  const idOf = (seq) => seq.toString(16).padStart(32, '0');
  const frames = [];
  const mirror = createMirror({
    cryptoClient: {},
    store: {
      messages: {
        locate: async (key) => {
          const seq = parseInt(key.split(':')[1], 16);
          return seq >= 1 && seq <= count ? ['tag', seq] : undefined;
        },
        get: async ([, seq]) => ({ id: idOf(seq), sender: FRIEND, env: utf8('e'), rcpt: utf8('r'), meta: utf8('m') }),
        page: async (_tag, { beforeSeq, limit }) => {
          const out = [];
          for (let seq = Math.min(beforeSeq - 1, count); seq >= 1 && out.length < limit; seq--) out.push({ seq, id: idOf(seq), sender: FRIEND });
          return out;
        },
      },
    },
    identity: { fingerprint: SELF },
    network: {},
    own: createSessions(),
    conversations: { nextSeq: (c) => c.nextSeq++, get: (id) => (id === 'conv' ? conv : undefined), list: () => [conv] },
    history: {
      newest: async (_tag, limit) => Array.from({ length: Math.min(limit, count) }, (_, i) => ({ seq: count - i, key: `${FRIEND}:${idOf(count - i)}` })),
    },
    stateOf: () => null,
  });
  const link = { send: async (type, data) => frames.push({ type, body: JSON.parse(new TextDecoder().decode(data)) }) };
  return { mirror, frames, link, idOf };
}

test('a device that meets another gets the newest INITIAL_HISTORY messages it lacks, oldest first; older pages only when it asks', async () => {
  const { mirror, frames, link, idOf } = holderSetup(1500);
  await mirror.frames['mirror-have'](SELF, link, utf8({ conv: 'conv', keys: [] }));
  const sent = frames.flatMap((f) => f.body.records.map((r) => r.id));
  assert.equal(sent.length, INITIAL_HISTORY);
  assert.equal(sent[0], idOf(1500 - INITIAL_HISTORY + 1), 'the oldest of the newest 1,000 first');
  assert.equal(sent.at(-1), idOf(1500));
  assert.ok(frames.every((f) => f.type === 'mirror' && !f.body.older));

  // Scrolled to the top: the page before its oldest message, marked as older history.
  frames.length = 0;
  await mirror.frames['mirror-older'](SELF, link, utf8({ conv: 'conv', before: `${FRIEND}:${idOf(501)}`, limit: 10_000 }));
  const page = frames.flatMap((f) => f.body.records.map((r) => r.id));
  assert.equal(page.length, OLDER_PAGE, 'at most one page, whatever was asked');
  assert.equal(page.at(-1), idOf(500));
  assert.equal(page[0], idOf(500 - OLDER_PAGE + 1));
  assert.ok(frames.every((f) => f.body.older === true));

  // From a contact, or naming a message not held, or malformed: nothing.
  frames.length = 0;
  await mirror.frames['mirror-older'](FRIEND, link, utf8({ conv: 'conv', before: null }));
  await mirror.frames['mirror-older'](SELF, link, utf8({ conv: 'conv', before: `${FRIEND}:${idOf(9999)}` }));
  await mirror.frames['mirror-older'](SELF, link, utf8({ conv: 'conv', before: 'not a key' }));
  await mirror.frames['mirror-older'](SELF, link, new Uint8Array([0xff]));
  assert.equal(frames.length, 0);
});

test('older history is stored below the oldest message held, and neither counts as unread nor moves the conversation', async () => {
  const { mirror, added, convs } = historySetup();
  const conv = convs.get('conv');
  conv.nextSeq = 11;
  const ids = ['a1', 'a2', 'a3'].map((x) => x.padEnd(32, '0'));
  const before = conv.unread;
  await mirror.frames.mirror(SELF, null, utf8({ records: ids.map((id, i) => historyRecord('conv', id, i + 1)), older: true }));
  assert.deepEqual(
    added.map((a) => [a.record.id, a.place[1]]),
    [
      [ids[2], 0],
      [ids[1], -1],
      [ids[0], -2],
    ],
    'newest just under the oldest held, older further down',
  );
  assert.equal(conv.unread, before, 'not unread');
  assert.equal(conv.nextSeq, 11, 'new messages keep their numbering');
});

test('a message that comes twice keeps the further tick, and a tick never goes back', async () => {
  const { mirror, added, metas } = historySetup({ sender: SELF });
  const id = 'c'.repeat(32);
  const copy = (state) => historyRecord('conv', id, 7, { sender: SELF, state });
  // Left on the relays when stored (queued) and again once delivered: both in one catch-up, in any order.
  await mirror.receiveHistory([utf8({ records: [copy('delivered'), copy('queued')] })]);
  assert.equal(added.length, 1, 'stored once');
  assert.equal(metas.get(id).shown, 'delivered');
  // A stale copy later changes nothing; a further one moves it on.
  await mirror.receiveHistory([utf8({ records: [copy('queued')] })]);
  assert.equal(metas.get(id).shown, 'delivered');
  await mirror.receiveHistory([utf8({ records: [copy('read')] })]);
  assert.equal(metas.get(id).shown, 'read');
});

test('a sealed state that does not change is not written again', async () => {
  const { createHistory } = await import('../../templates/js/chat/history.js');
  let writes = 0;
  let sealed = { mine: true, delivered: { [FRIEND]: 1 } };
  const history = createHistory({
    cryptoClient: {},
    store: {
      messages: {
        locate: async () => ['tag', 1],
        get: async () => ({ id: ID, sender: SELF, meta: 'sealed' }),
        replace: async () => (writes += 1),
      },
      open: async () => structuredClone(sealed),
      seal: async (_context, meta) => {
        sealed = structuredClone(meta);
        return 'sealed';
      },
    },
    conversations: {},
    stateOf: () => null,
  });
  await history.updateMeta(`${SELF}:${ID}`, (m) => {
    m.delivered = { ...m.delivered };
  });
  assert.equal(writes, 0, 'the same state: nothing written');
  await history.updateMeta(`${SELF}:${ID}`, (m) => {
    m.readAt = 5;
  });
  assert.equal(writes, 1);
});
