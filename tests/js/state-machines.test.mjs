// The state machines and tables that the modules' closures used to hide,
// tested without a browser: delivery (per recipient, and the outbox that
// persists it across reloads), call participants, room cycling and the frame
// table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATES, TRANSITIONS, isShownState, laterShownState, messageState, pending, transition } from '../../templates/js/chat/delivery.js';
import { createOutbox, MAILBOX_RESEND_MS, RELAY_AFTER_MS } from '../../templates/js/chat/outbox.js';
import { createConversations } from '../../templates/js/chat/conversations.js';
import { createHistory } from '../../templates/js/chat/history.js';
import { createInbox } from '../../templates/js/chat/inbox.js';
import { TRANSITIONS as CALL_TRANSITIONS, inCall, transition as callTransition } from '../../templates/js/calls/participants.js';
import { createCycler, ROTATE_MS, RECENT_MS } from '../../templates/js/net/cycling.js';
import { FRAMES, createDispatcher, createFrameRouter, frameLimit } from '../../templates/js/net/protocol.js';
import { createSessions } from '../../templates/js/net/sessions.js';
import { fakeCrypto, fakeSessions, memoryStore, readableEnvelope } from './fakes.mjs';
import { settle, until } from './wait.mjs';

// ---- delivery ----

test('a tick another device showed never goes back, in whatever order its records arrive', () => {
  const order = ['queued', 'sent', 'delivered', 'read'];
  for (const a of order) for (const b of order) assert.equal(laterShownState(a, b), order[Math.max(order.indexOf(a), order.indexOf(b))], `${a} then ${b}`);
  assert.equal(laterShownState(null, 'sent'), 'sent');
  assert.equal(laterShownState('relayed', undefined), 'relayed');
  assert.equal(laterShownState('relayed', 'sent'), 'relayed', 'alike: the first is kept');
  assert.equal(isShownState('read'), true);
  for (const junk of ['received', 'toString', '', null, 3, {}]) assert.equal(isShownState(junk), false, String(junk));
});

test('delivery never moves a recipient backwards, whatever order events come in', () => {
  for (const state of STATES) {
    for (const event of ['relayed', 'handed', 'acked', 'read']) {
      const next = transition(state, event);
      assert.ok(STATES.indexOf(next) >= STATES.indexOf(state), `${state} --${event}--> ${next}`);
    }
  }
  assert.equal(transition('queued', 'handed'), 'sent');
  assert.equal(transition('sent', 'acked'), 'delivered');
  assert.equal(transition('read', 'acked'), 'read', 'an ack after a read receipt stays read');
  assert.throws(() => transition('lost', 'acked'), /no transition/);
  assert.equal(Object.keys(TRANSITIONS).length, STATES.length);
});

test('a message is as far as its least advanced recipient', () => {
  assert.equal(messageState(['read', 'sent']), 'sent');
  assert.equal(messageState(['delivered', 'read']), 'delivered');
  assert.equal(messageState([]), 'delivered');
  assert.ok(pending('queued') && pending('sent') && !pending('delivered'));
});

// ---- the outbox, persisted, across reloads in every state ----

const ME = 'a'.repeat(64);
const BOB = 'b'.repeat(64);
const CAROL = 'c'.repeat(64);

/** One "page load": conversations and an outbox over a store that outlives it. */
async function load(store, online = new Set(), mailbox = null) {
  const identity = { fingerprint: ME, spki: Uint8Array.of(1) };
  const conversations = createConversations({ store, identity });
  await conversations.restore(async () => []);
  const conv = await conversations.ensure({
    id: 'c'.repeat(64),
    kind: 'group',
    ref: 'g',
    title: 'G',
    members: [
      { fingerprint: BOB, spki: Uint8Array.of(2) },
      { fingerprint: CAROL, spki: Uint8Array.of(3) },
    ],
  });
  let outbox;
  const history = createHistory({ cryptoClient: {}, store, conversations, stateOf: (id) => outbox.stateOf(id) });
  const sessions = fakeSessions(online);
  outbox = createOutbox({ cryptoClient: fakeCrypto({ self: ME }), store, identity, sessions, conversations, history, mailbox });
  await outbox.restore();
  return { outbox, conv, sessions };
}

test('the outbox keeps each recipient’s delivery state across reloads in every state', async () => {
  const store = memoryStore();
  let page = await load(store);
  const message = await page.outbox.send('c'.repeat(64), { t: 'text', body: 'hi' });
  assert.equal(page.outbox.stateOf(message.id), 'queued');

  // Reload while queued: still queued, nothing lost.
  page = await load(store, new Set([BOB]));
  assert.equal(page.outbox.stateOf(message.id), 'queued');
  // Bob comes online: it is handed to his session, so Bob's copy is "sent".
  page.outbox.flush(BOB);
  await until(() => page.sessions.sent.length > 0, 'the envelope handed to Bob’s session');
  assert.deepEqual(
    page.sessions.sent.map((s) => [s.to, s.type]),
    [[BOB, 'env']],
  );
  await page.outbox.close(); // what a page does when it goes away

  // Reload: Bob's copy is still "sent" (not queued again), Carol's queued.
  page = await load(store);
  assert.equal(page.outbox.stateOf(message.id), 'queued', 'the message is as far as Carol');
  assert.equal(page.outbox.isPendingFor(message.id, BOB), true);
  await page.outbox.acked(BOB, [`${ME}:${message.id}`]);
  assert.equal(page.outbox.isPendingFor(message.id, BOB), false);
  await page.outbox.close();

  // Reload after Bob's ack: Bob stays delivered; Carol's ack finishes it.
  page = await load(store);
  assert.equal(page.outbox.isPendingFor(message.id, BOB), false);
  await page.outbox.acked(CAROL, [`${ME}:${message.id}`]);
  assert.equal(page.outbox.has(message.id), false, 'delivered to all: out of the outbox');
  assert.equal(page.outbox.hasPending(), false);
  await page.outbox.close();
  page = await load(store);
  assert.equal(page.outbox.has(message.id), false, 'and it stays out after a reload');
});

test('acks for other senders’ messages, malformed keys or strangers change nothing', async () => {
  const store = memoryStore();
  const page = await load(store);
  const message = await page.outbox.send('c'.repeat(64), { t: 'text', body: 'hi' });
  await page.outbox.acked(BOB, [`${BOB}:${message.id}`, 'garbage', `${ME}:${'f'.repeat(32)}`, 42]);
  assert.equal(page.outbox.isPendingFor(message.id, BOB), true, 'only our own key acknowledges our message');
  await page.outbox.acked('d'.repeat(64), [`${ME}:${message.id}`]);
  assert.equal(page.outbox.stateOf(message.id), 'queued', 'a non-recipient cannot acknowledge');
});

// ---- the second path: the mailbox ----

/** A mailbox whose relays take everything; records posts and deletions. */
function fakeMailbox() {
  let n = 0;
  const posts = [];
  const deleted = [];
  return {
    posts,
    deleted,
    keyOf: () => 'e'.repeat(64),
    connected: () => true,
    post: async (fp, type) => {
      posts.push({ fp, type });
      return { wraps: [{ id: `wrap-${++n}`, nonce: '0'.repeat(32) }], accepted: true };
    },
    deleteWraps: (list) => deleted.push(...list.map((w) => w.id)),
  };
}

test('without a session, an envelope goes through the mailbox after a bounded wait, is "relayed" across reloads, and its wraps are deleted once acknowledged', async () => {
  const store = memoryStore();
  const mailbox = fakeMailbox();
  let page = await load(store, new Set(), mailbox);
  const message = await page.outbox.send('c'.repeat(64), { t: 'text', body: 'hi' });
  const sentAt = Date.now();
  page.outbox.resendDue(sentAt + 100);
  await settle(10);
  assert.deepEqual(mailbox.posts, [], 'first a bounded wait for a direct session');
  page.outbox.resendDue(sentAt + RELAY_AFTER_MS + 1);
  await settle(10);
  assert.deepEqual(mailbox.posts.map((p) => [p.fp, p.type]).sort(), [
    [BOB, 'env'],
    [CAROL, 'env'],
  ]);
  assert.equal(page.outbox.stateOf(message.id), 'relayed', 'shown "on relays"');
  page.outbox.resendDue(sentAt + RELAY_AFTER_MS + 60_000);
  await settle(10);
  assert.equal(mailbox.posts.length, 2, 'once on the relays, not posted again soon');

  // Reload: still relayed, and the wraps are remembered.
  page = await load(store, new Set(), mailbox);
  assert.equal(page.outbox.stateOf(message.id), 'relayed');
  await page.outbox.acked(BOB, [`${ME}:${message.id}`]);
  assert.equal(mailbox.deleted.length, 1, 'Bob has it: his wrap is deleted (NIP-09)');
  assert.equal(page.outbox.isPendingFor(message.id, CAROL), true);

  // No acknowledgement from Carol for a long while: fresh wraps replace the old ones.
  page.outbox.resendDue(sentAt + RELAY_AFTER_MS + MAILBOX_RESEND_MS + 2);
  await settle(10);
  assert.equal(mailbox.posts.length, 3);
  assert.deepEqual(mailbox.posts.at(-1), { fp: CAROL, type: 'env' });
  assert.equal(mailbox.deleted.length, 2, 'the replaced wrap is deleted');
  await page.outbox.acked(CAROL, [`${ME}:${message.id}`]);
  assert.equal(page.outbox.has(message.id), false);
  assert.equal(mailbox.deleted.length, 3);
});

test('delivery states include "relayed" between queued and sent', () => {
  assert.equal(transition('queued', 'relayed'), 'relayed');
  assert.equal(transition('relayed', 'handed'), 'sent');
  assert.equal(transition('sent', 'relayed'), 'sent', 'a direct hand-over is not undone by a relay');
  assert.equal(transition('relayed', 'acked'), 'delivered');
  assert.equal(messageState(['relayed', 'delivered']), 'relayed');
  assert.ok(pending('relayed'));
});

// ---- the inbox: stored, made durable by its handler, then acknowledged ----

test('a received message is acknowledged only after its handler made its change durable', async () => {
  const store = memoryStore();
  const identity = { fingerprint: ME, spki: Uint8Array.of(1) };
  const conversations = createConversations({ store, identity });
  const conv = await conversations.ensure({
    id: 'd'.repeat(64),
    kind: 'pair',
    ref: BOB,
    title: 'Bob',
    members: [{ fingerprint: BOB, spki: Uint8Array.of(2) }],
  });
  const history = createHistory({ cryptoClient: {}, store, conversations, stateOf: () => null });
  const header = { conversationId: conv.id, sender: BOB, messageId: 'e'.repeat(32) };
  const cryptoClient = fakeCrypto({ self: ME });
  const sessions = fakeSessions([BOB]);
  const inbox = createInbox({ cryptoClient, store, route: sessions.linkTo, conversations, history });
  let finishHandler;
  const handled = new Promise((resolve) => (finishHandler = resolve));
  let handlerStarted = false;
  inbox.on('text', async () => {
    handlerStarted = true;
    await handled; // e.g. a group saved to IndexedDB
  });
  inbox.receive(BOB, null, readableEnvelope({ ...header, content: { t: 'text', body: 'join us' } }));
  await until(() => handlerStarted, 'the handler started');
  assert.equal((await store.messages.locate(`${BOB}:${header.messageId}`)) !== undefined, true, 'stored before the handler runs');
  await settle(20);
  assert.deepEqual(
    sessions.sent.filter((f) => f.type === 'ack'),
    [],
    'no acknowledgement while the handler is still saving',
  );
  finishHandler();
  await until(() => sessions.sent.some((f) => f.type === 'ack'), 'the acknowledgement');
  const ack = JSON.parse(new TextDecoder().decode(sessions.sent.find((f) => f.type === 'ack').data));
  assert.deepEqual(ack.keys, [`${BOB}:${header.messageId}`]);
});

// ---- call participants ----

test('every participant state has a transition for every event, and the table holds the lifecycle', () => {
  const events = Object.keys(CALL_TRANSITIONS.ringing);
  for (const [state, row] of Object.entries(CALL_TRANSITIONS)) {
    assert.deepEqual(Object.keys(row).sort(), [...events].sort(), `${state} handles every event`);
    for (const next of Object.values(row)) assert.ok(CALL_TRANSITIONS[next], `${state} leads to a known state`);
  }
  let s = 'ringing';
  for (const [event, expected] of [
    ['accept', 'joined'],
    ['lost', 'reconnecting'],
    ['back', 'joined'],
    ['lost', 'reconnecting'],
    ['expire', 'left'],
    ['accept', 'joined'],
    ['goodbye', 'left'],
  ]) {
    s = callTransition(s, event);
    assert.equal(s, expected, event);
  }
  assert.equal(callTransition('ringing', 'timeout'), 'no-answer');
  assert.equal(callTransition('ringing', 'decline'), 'declined');
  assert.equal(callTransition('declined', 'lost'), 'declined', 'a decline is final for the session events');
  assert.equal(callTransition('joined', 'decline'), 'joined', 'a late decline does not drop a participant in the call');
  assert.ok(inCall('reconnecting') && !inCall('ringing'));
  assert.throws(() => callTransition('joined', 'explode'), /no transition/);
});

// ---- room cycling ----

test('cycling keeps important and recent rooms, and rotates the rest in batches', () => {
  const joined = new Set();
  const candidate = (key, extra = {}) => ({
    key,
    lastActive: 0,
    conversationId: key,
    fingerprints: [key],
    get joined() {
      return joined.has(key);
    },
    join: () => joined.add(key),
    leave: () => joined.delete(key),
    ...extra,
  });
  const now = Date.now();
  const all = [candidate('open'), candidate('recent', { lastActive: now - RECENT_MS / 2 }), ...Array.from({ length: 10 }, (_, i) => candidate(`r${i}`))];
  const cycler = createCycler({ candidates: () => all, isImportant: (c) => c.key === 'open', maxRooms: () => 4 });
  cycler.stop();
  cycler.apply(now);
  assert.ok(joined.has('open') && joined.has('recent'));
  assert.equal(joined.size, 4);
  const first = new Set(joined);
  // Well past one rotation period after the cycler started (it starts its clock
  // when made, a moment after \`now\` on a busy machine), still within "recent".
  cycler.apply(now + 2 * ROTATE_MS);
  assert.ok(joined.has('open') && joined.has('recent'), 'important and recent rooms stay');
  assert.equal(joined.size, 4);
  assert.notDeepEqual([...joined].sort(), [...first].sort(), 'the others take turns');
});

// ---- the frame table ----

test('the frame table bounds every type, and the dispatcher needs a handler for exactly its types', () => {
  for (const [type, spec] of Object.entries(FRAMES)) {
    assert.ok(spec.limit > 0 && spec.limit <= 2 * 1024 * 1024, `${type} has a sane limit`);
    assert.equal(frameLimit(type), spec.limit);
  }
  assert.ok(frameLimit('file-chunk') > 256 * 1024, 'a whole sealed chunk fits');
  // The session's own frames (net/link.js) are never dispatched.
  const handlers = Object.fromEntries(
    Object.keys(FRAMES)
      .filter((type) => !FRAMES[type].session)
      .map((type) => [type, () => {}]),
  );
  assert.doesNotThrow(() => createDispatcher(handlers));
  assert.throws(() => createDispatcher({ ...handlers, device: () => {} }), /do not match the frame table/);
  const { env, ...missing } = handlers;
  assert.throws(() => createDispatcher(missing), /do not match the frame table/);
  assert.throws(() => createDispatcher({ ...handlers, extra: () => {} }), /do not match the frame table/);
  const seen = [];
  const dispatch = createDispatcher({ ...handlers, typing: (fp, link, data) => seen.push([fp, data.length]) });
  dispatch('x', null, 'typing', new Uint8Array(3));
  dispatch('x', null, 'mystery', new Uint8Array(3));
  assert.deepEqual(seen, [['x', 3]]);
});

test('the frame router drops frames until its handlers are installed, checks them against the table, and takes them once', () => {
  const handlers = Object.fromEntries(
    Object.keys(FRAMES)
      .filter((type) => !FRAMES[type].session)
      .map((type) => [type, () => {}]),
  );
  const router = createFrameRouter();
  const seen = [];
  assert.equal(router.dispatch('x', null, 'typing', new Uint8Array(1)), undefined, 'nothing handles it yet');
  assert.throws(() => router.install({ ...handlers, extra: () => {} }), /do not match the frame table/);
  router.install({ ...handlers, typing: (fp, link, data) => seen.push([fp, data.length]) });
  router.dispatch('x', null, 'typing', new Uint8Array(2));
  assert.deepEqual(seen, [['x', 2]]);
  assert.throws(() => router.install(handlers), /installed once/);
});

// ---- the session registry ----

test('the session registry answers for every room, and says when someone comes and goes', () => {
  const sessions = createSessions();
  const events = [];
  sessions.onUp((fp) => events.push(['up', fp]));
  sessions.onDown((fp) => events.push(['down', fp]));
  const pairLink = { state: 'ready' };
  const groupLink = { state: 'ready' };
  sessions.add(BOB, pairLink);
  sessions.add(BOB, groupLink);
  assert.equal(sessions.linkTo(BOB), groupLink, 'the newest session is the current one');
  groupLink.state = 'closed';
  sessions.remove(BOB, groupLink);
  assert.equal(sessions.linkTo(BOB), pairLink, 'the other room’s session takes over');
  pairLink.state = 'closed';
  sessions.remove(BOB, pairLink);
  assert.equal(sessions.linkTo(BOB), null);
  assert.deepEqual(events, [
    ['up', BOB],
    ['up', BOB],
    ['up', BOB],
    ['down', BOB],
  ]);
});
