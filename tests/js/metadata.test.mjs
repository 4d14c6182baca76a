// What relays and trackers can link (DESIGN.md §12, docs/threat-model.md):
// recording servers on loopback log every message per socket, and the real
// modules run against them — the mailbox (chat/mailbox.js over
// net/mailbox-relays.js and net/courier.js) and the network
// (net/network.js with its tracker and Nostr strategies). The worker's
// crypto is a stand-in that makes well-formed events; what matters here is
// which socket carries what.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { fakeSessions, memoryStore } from './fakes.mjs';
import { until } from './wait.mjs';

globalThis.WebSocket ??= WebSocket;
// Browser globals the modules listen to (wake-ups, page hide); nothing fires them here.
globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};
globalThis.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} };
await import('./fake-webrtc.mjs');
const { createMailbox } = await import('../../templates/js/chat/mailbox.js');
const { createNetwork } = await import('../../templates/js/net/network.js');
const { createCourier } = await import('../../templates/js/net/courier.js');
const { createNostrStrategy } = await import('../../templates/js/net/signal/nostr.js');

const hex = (bytes = 32) => randomBytes(bytes).toString('hex');
const MAILBOX = 'aa'.repeat(32);
const PROFILE_AUTHOR = 'bb'.repeat(32);
const FRIEND_MAILBOX = 'cc'.repeat(32);
const FRIEND = 'f'.repeat(64);

/**
 * A Nostr relay that records every message of every socket, asks each for
 * NIP-42 AUTH, accepts every event and ends every subscription's stored
 * events at once.
 */
async function recordingRelay() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  const sockets = [];
  server.on('connection', (socket) => {
    const record = { messages: [], closed: false };
    sockets.push(record);
    socket.send(JSON.stringify(['AUTH', `challenge-${sockets.length}`]));
    socket.on('close', () => (record.closed = true));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      record.messages.push(message);
      const [type, id] = message;
      if (type === 'REQ') socket.send(JSON.stringify(['EOSE', id]));
      if (type === 'EVENT' || type === 'AUTH') socket.send(JSON.stringify(['OK', message[1].id, true, '']));
    });
  });
  return {
    url: `ws://127.0.0.1:${server.address().port}`,
    sockets,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Events as the worker makes them, without the crypto. */
const mailboxCrypto = {
  async mailboxWrap({ recipient, type, payload }) {
    const fragments = type === 'history' || payload.length < 4000 ? 1 : 2;
    return Array.from({ length: fragments }, () => ({
      event: {
        id: hex(),
        pubkey: hex(),
        kind: 1059,
        created_at: Math.floor(Date.now() / 1000) - 5000,
        tags: [['p', recipient]],
        content: 'sealed',
        sig: hex(64),
      },
      nonce: hex(16),
    }));
  },
  async mailboxAuth({ relay, challenge, now }) {
    return {
      id: hex(),
      pubkey: MAILBOX,
      kind: 22242,
      created_at: now,
      tags: [
        ['relay', relay],
        ['challenge', challenge],
      ],
      content: '',
      sig: hex(64),
    };
  },
  async mailboxDeletion({ wrapId, now }) {
    return { id: hex(), pubkey: hex(), kind: 5, created_at: now, tags: [['e', wrapId]], content: '', sig: hex(64) };
  },
  async nostrSign({ signer }) {
    // One key per signer name, as the worker keeps them.
    return { id: hex(), pubkey: createHash('sha256').update(String(signer)).digest('hex'), sig: hex(64) };
  },
  async mailboxUnwrap() {
    throw new Error('not for us');
  },
};

/** Our mailbox over `mailboxCrypto`, its deletions and courier without delay; `options` and `identity` fields override. */
const openMailbox = ({ identity, ...options } = {}) =>
  createMailbox({
    cryptoClient: mailboxCrypto,
    store: memoryStore(),
    identity: { fingerprint: 'e'.repeat(64), mailboxKey: MAILBOX, spki: new Uint8Array(1), ...identity },
    sessions: fakeSessions(),
    spkiOf: () => null,
    dispatch: async () => 'accepted',
    timing: { deletionDelay: () => 0, courier: { delay: () => 0 } },
    ...options,
  });

const isReading = (message) =>
  message[0] === 'AUTH' ||
  (message[0] === 'REQ' && message.slice(2).some((filter) => filter['#p']?.includes(MAILBOX) || filter.authors?.includes(PROFILE_AUTHOR)));
const isPublishing = (message) => message[0] === 'EVENT' && [1059, 5, 30078].includes(message[1]?.kind);

test('no socket that reads our mailbox or profile, or authenticates as our mailbox, ever publishes a wrap, a history wrap, a profile record or a deletion', async () => {
  const relay = await recordingRelay();
  const mailbox = openMailbox({ identity: { profileAuthor: PROFILE_AUTHOR } });
  try {
    await mailbox.load();
    mailbox.configure({ relays: [relay.url], useNostr: true });
    mailbox.learn(FRIEND, { key: FRIEND_MAILBOX, relays: [] }, 'self');
    // The reading socket subscribes and authenticates first.
    await until(() => relay.sockets.some((s) => s.messages.some((m) => m[0] === 'AUTH')), 'AUTH on the reading socket');

    const sent = await mailbox.post(FRIEND, 'env', new Uint8Array(100));
    assert.equal(sent.accepted, true, 'the relay took the wraps');
    assert.equal(await mailbox.postHistory(new Uint8Array(50)), true, 'the relay took the history');
    const record = {
      id: hex(),
      pubkey: PROFILE_AUTHOR,
      kind: 30078,
      created_at: Math.floor(Date.now() / 1000),
      tags: [['d', hex()]],
      content: 'sealed',
      sig: hex(64),
    };
    assert.deepEqual(await mailbox.publishProfile(record), [relay.url]);
    mailbox.deleteWraps(sent.wraps);
    await until(
      () => relay.sockets.flatMap((s) => s.messages).filter((m) => m[0] === 'EVENT' && m[1].kind === 5).length === sent.wraps.length,
      'the deletions',
    );

    const readers = relay.sockets.filter((s) => s.messages.some(isReading));
    const publishers = relay.sockets.filter((s) => s.messages.some(isPublishing));
    assert.ok(readers.length >= 1, 'a socket read our mail');
    assert.ok(publishers.length >= 3, `${publishers.length} publishing sockets`);
    for (const socket of readers) assert.equal(socket.messages.filter(isPublishing).length, 0, 'a reading socket published');
    for (const socket of publishers) {
      assert.equal(socket.messages.filter(isReading).length, 0, 'a publishing socket read or authenticated as us');
      const kinds = socket.messages.filter(isPublishing).map((m) => m[1].kind);
      // A deletion travels alone: it would link the wraps it shares a connection with.
      if (kinds.includes(5)) assert.deepEqual(kinds, [5], 'a deletion shares its connection');
      // Our own history or profile beside mail to a contact would name that mail's sender.
      const events = socket.messages.filter(isPublishing).map((m) => m[1]);
      const ours = events.some((e) => e.kind === 30078 || (e.kind === 1059 && e.tags[0][1] === MAILBOX));
      const toOthers = events.some((e) => e.kind === 1059 && e.tags[0][1] !== MAILBOX);
      assert.ok(!(ours && toOthers), 'our history or profile shared a connection with mail to a contact');
    }
    // Short-lived: every publishing connection is closed once its events were answered.
    await until(() => publishers.every((s) => s.closed), 'publishing sockets closed');
    assert.ok(!readers[0].closed, 'the reading socket stays');
  } finally {
    mailbox.close();
    await relay.close();
  }
});

test('deletions are dated like wraps, up to two days back, never at the moment the recipient read the mail', async () => {
  const relay = await recordingRelay();
  const mailbox = openMailbox();
  try {
    mailbox.configure({ relays: [relay.url], useNostr: true });
    const wraps = Array.from({ length: 20 }, () => ({ id: hex(), nonce: hex(16) }));
    const now = Math.floor(Date.now() / 1000);
    mailbox.deleteWraps(wraps);
    const deletions = await until(() => {
      const found = relay.sockets.flatMap((s) => s.messages).filter((m) => m[0] === 'EVENT' && m[1].kind === 5);
      return found.length === wraps.length && found;
    }, 'the deletions');
    const ages = deletions.map((m) => now - m[1].created_at);
    assert.ok(
      ages.every((age) => age >= -5 && age <= 2 * 24 * 3600 + 5),
      `ages ${ages}`,
    );
    assert.ok(ages.filter((age) => age > 60).length >= 15, `most are dated well before now: ${ages}`);
  } finally {
    mailbox.close();
    await relay.close();
  }
});

test('a deletion waits for its random time, and is kept across a reload until then', async () => {
  const relay = await recordingRelay();
  const store = memoryStore();
  const make = (delay) => openMailbox({ store, timing: { deletionDelay: () => delay, courier: { delay: () => 0 } } });
  const first = make(60 * 60_000);
  first.configure({ relays: [relay.url], useNostr: true });
  first.deleteWraps([{ id: hex(), nonce: hex(16) }]);
  // The reading socket is open (it has spoken) when the tab closes, before the deletion's time.
  await until(() => relay.sockets.some((socket) => socket.messages.length > 0), 'the reading socket open');
  first.close();
  assert.equal(relay.sockets.flatMap((s) => s.messages).filter((m) => m[0] === 'EVENT').length, 0, 'nothing was deleted at once');
  const saved = await store.get('mailbox-deletions');
  assert.equal(saved.length, 1, 'the deletion is kept');
  saved[0].due = Date.now(); // its time has come when the app starts again
  await store.put('mailbox-deletions', saved);
  const second = make(0);
  try {
    await second.load();
    second.configure({ relays: [relay.url], useNostr: true });
    await until(() => relay.sockets.flatMap((s) => s.messages).some((m) => m[0] === 'EVENT' && m[1].kind === 5), 'the kept deletion');
  } finally {
    second.close();
    await relay.close();
  }
});

/** A WebTorrent tracker that records every announce, per socket. */
async function recordingTracker() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  const sockets = [];
  server.on('connection', (socket) => {
    const record = { announces: [] };
    sockets.push(record);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      record.announces.push(message);
      socket.send(JSON.stringify({ action: 'announce', info_hash: message.info_hash, interval: 120, complete: 0, incomplete: 1 }));
    });
  });
  return { url: `ws://127.0.0.1:${server.address().port}`, sockets, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('two rooms of one page never share a tracker peer id or a Nostr key, and our devices’ room signals over sockets of its own', async () => {
  const tracker = await recordingTracker();
  const relay = await recordingRelay();
  const cryptoClient = {
    ...mailboxCrypto,
    roomSeal: async (roomId, plaintext) => plaintext,
    roomOpen: async (roomId, blob) => blob,
    release: async () => {},
    nostrForget: async () => {},
  };
  const network = createNetwork({
    cryptoClient,
    device: '0123456789abcdef',
    sessions: { add() {}, remove() {} },
    dispatch: () => {},
  });
  try {
    network.configure({ trackers: [tracker.url], relays: [relay.url], iceServers: [], useTrackers: true, useNostr: true });
    const rooms = ['1', '2', '3'].map((n) => network.join({ room: { roomId: Number(n), announceId: n.repeat(64) }, allowed: () => [FRIEND] }));
    const devices = network.join({ room: { roomId: 4, announceId: '4'.repeat(64) }, allowed: () => [FRIEND], separate: true });
    const infoHashes = [...rooms, devices].map((room) => room.infoHash);

    const announces = () => tracker.sockets.flatMap((s, socket) => s.announces.map((a) => ({ ...a, socket })));
    await until(() => infoHashes.every((hash) => announces().some((a) => a.info_hash === hash)), 'every room announced on the tracker');
    const peerIds = new Map(
      infoHashes.map((hash) => [
        hash,
        new Set(
          announces()
            .filter((a) => a.info_hash === hash)
            .map((a) => a.peer_id),
        ),
      ]),
    );
    for (const [hash, ids] of peerIds) assert.equal(ids.size, 1, `room ${hash} keeps one peer id`);
    const all = [...peerIds.values()].map((ids) => [...ids][0]);
    assert.equal(new Set(all).size, all.length, 'every room has a peer id of its own');
    const socketOf = (hash) =>
      new Set(
        announces()
          .filter((a) => a.info_hash === hash)
          .map((a) => a.socket),
      );
    for (const room of rooms)
      for (const socket of socketOf(devices.infoHash)) assert.ok(!socketOf(room.infoHash).has(socket), 'the devices room shares a tracker socket');

    // Nostr: each room's events are signed by a key of its own; the devices room has its own socket.
    const events = () => relay.sockets.flatMap((s, socket) => s.messages.filter((m) => m[0] === 'EVENT').map((m) => ({ event: m[1], socket })));
    const tagOf = (event) => event.tags.find((tag) => tag[0] === 't')?.[1];
    const announceIds = [...rooms, devices].map((room) => room.announceId);
    await until(() => announceIds.every((id) => events().some((e) => tagOf(e.event) === id)), 'every room announced on the relay');
    const keys = announceIds.map(
      (id) =>
        new Set(
          events()
            .filter((e) => tagOf(e.event) === id)
            .map((e) => e.event.pubkey),
        ),
    );
    for (const set of keys) assert.equal(set.size, 1);
    assert.equal(new Set(keys.map((set) => [...set][0])).size, keys.length, 'every room signs with a key of its own');
    const subscribers = (id) =>
      new Set(relay.sockets.flatMap((s, socket) => (s.messages.some((m) => m[0] === 'REQ' && m[2]['#t']?.includes(id)) ? [socket] : [])));
    for (const room of rooms)
      for (const socket of subscribers(devices.announceId)) assert.ok(!subscribers(room.announceId).has(socket), 'the devices room shares a relay socket');
  } finally {
    network.close();
    await tracker.close();
    await relay.close();
  }
});

test('a relay replaying a contact’s older profile seal does not roll back where their mail goes', async () => {
  const current = await recordingRelay();
  const old = await recordingRelay();
  const mailbox = openMailbox({ spkiOf: () => new Uint8Array(1), timing: { courier: { delay: () => 0 } } });
  const profile = (relays, at) => new TextEncoder().encode(JSON.stringify({ mailbox: FRIEND_MAILBOX, relays, at }));
  try {
    mailbox.receiveProfile(FRIEND, null, profile([current.url], Date.now()));
    mailbox.receiveProfile(FRIEND, null, profile([old.url], Date.now() - 86_400_000)); // the replay
    const sent = await mailbox.post(FRIEND, 'env', new Uint8Array(10));
    assert.equal(sent.accepted, true);
    const carried = (relay) =>
      relay.sockets.flatMap((s) => s.messages).filter((m) => m[0] === 'EVENT' && m[1].kind === 1059 && m[1].tags[0][1] === FRIEND_MAILBOX).length;
    assert.ok(carried(current) > 0, 'the mail went where the newest profile says');
    assert.equal(carried(old), 0, 'nothing went where the replayed one said');
  } finally {
    mailbox.close();
    await current.close();
    await old.close();
  }
});

/** An event of `kind` created at `n`, as the worker makes it, without the crypto. */
const anEvent = (n, kind = 1059) => ({ id: hex(), kind, created_at: n, tags: [], content: '', pubkey: hex(), sig: hex(64) });

/** A courier whose every connection would wait `delayMs`; `delays()` counts the waits it asked for. */
function countingCourier(delayMs) {
  let delays = 0;
  const courier = createCourier({
    delay: () => {
      delays += 1;
      return delayMs;
    },
  });
  return { courier, delays: () => delays };
}

test('the courier keeps the order events were queued in, one connection at a time per relay, and only the first connection waits', async () => {
  const relay = await recordingRelay();
  const { courier, delays } = countingCourier(50);
  try {
    const events = Array.from({ length: 40 }, (_, i) => anEvent(i));
    const accepted = await Promise.all(events.map((event) => courier.publish(event, [relay.url])));
    assert.ok(
      accepted.every((urls) => urls.length === 1),
      'every event accepted',
    );
    const order = relay.sockets.flatMap((s) => s.messages.filter((m) => m[0] === 'EVENT').map((m) => m[1].created_at));
    assert.deepEqual(
      order,
      events.map((e) => e.created_at),
      'in the order queued',
    );
    assert.ok(relay.sockets.length >= 3, `${relay.sockets.length} connections (at most 16 events each)`);
    assert.equal(delays(), 1, 'a backlog goes on at once');
    await until(() => relay.sockets.every((s) => s.closed), 'every connection closed');
  } finally {
    courier.close();
    await relay.close();
  }
});

// A publication waits for its relays' answers, boundedly (18 s by default,
// ten minutes here): only a dead relay's failure, heard at once, lets this
// test end before its timeout (a hang detector, far beyond what a loopback
// relay takes to answer).
test('a dead relay never holds up the answer of one that works; what it missed stays queued for it', { timeout: 15_000 }, async () => {
  const relay = await recordingRelay();
  const courier = createCourier({ delay: () => 0, answerWaitMs: 10 * 60_000 });
  const dead = 'ws://127.0.0.1:9/';
  try {
    assert.deepEqual(await courier.publish(anEvent(1, 30078), [dead, relay.url]), [relay.url]);
    // Known to be down now: the next one does not even wait for its connection.
    assert.deepEqual(await courier.publish(anEvent(2, 30078), [dead, relay.url]), [relay.url]);
    const down = courier.status().find((s) => s.url === dead);
    assert.equal(down.queued, 2, 'both wait for the dead relay');
    assert.ok(down.lastError, 'its error is shown');
  } finally {
    courier.close();
    await relay.close();
  }
});

test('a caller who publishes one event after another pays one delay and shares connections, at most 16 events each', async () => {
  const relay = await recordingRelay();
  const { courier, delays } = countingCourier(20);
  try {
    for (let i = 0; i < 40; i++) assert.deepEqual(await courier.publish(anEvent(i), [relay.url]), [relay.url]);
    const carried = relay.sockets.map((s) => s.messages.filter((m) => m[0] === 'EVENT').length);
    assert.deepEqual(carried, [16, 16, 8], 'three connections, filled one after the other');
    assert.equal(delays(), 1, 'only the first connection waited');
  } finally {
    courier.close();
    await relay.close();
  }
});

/** Our Nostr signalling over `mailboxCrypto`; `signed()` counts the events it made. */
function countingStrategy() {
  let signed = 0;
  const strategy = createNostrStrategy({ cryptoClient: { ...mailboxCrypto, nostrSign: (args) => ((signed += 1), mailboxCrypto.nostrSign(args)) } });
  return { strategy, signed: () => signed };
}

test('a relay that says "rate-limited" to our signalling gets nothing from us for a while', async () => {
  // A relay that refuses every event as rate-limited, and logs what it gets.
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  const got = [];
  server.on('connection', (socket) =>
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      got.push(message[0]);
      if (message[0] === 'EVENT') socket.send(JSON.stringify(['OK', message[1].id, false, 'rate-limited: slow down']));
    }),
  );
  const { strategy, signed } = countingStrategy();
  const room = { announceId: '5'.repeat(64), peerId: 'p'.repeat(20), seal: async () => 'sealed' };
  try {
    strategy.addRoom(room);
    strategy.setUrls([`ws://127.0.0.1:${server.address().port}`]);
    await until(() => strategy.status()[0]?.lastError?.includes('rate-limited'), 'the first announce refused, and the refusal shown');
    // The room announces again and again (its warm-up): none of it goes to the paused relay.
    for (let i = 0; i < 5; i++) strategy.announce(room);
    await until(() => signed() === 6, 'the five announces made');
    // A subscription after them on the same socket: what was sent before it has arrived when it does.
    strategy.addRoom({ ...room, announceId: '6'.repeat(64) });
    await until(() => got.filter((type) => type === 'REQ').length === 2, 'the second subscription');
    assert.equal(got.filter((type) => type === 'EVENT').length, 1, 'nothing more went to the rate-limited relay');
  } finally {
    strategy.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a relay that never answers does not hold up a publication another relay took', async () => {
  const relay = await recordingRelay();
  const silent = new WebSocketServer({ port: 0, host: '127.0.0.1' }); // takes connections, answers nothing
  await new Promise((resolve) => silent.on('listening', resolve));
  const silentUrl = `ws://127.0.0.1:${silent.address().port}`;
  const courier = createCourier({ delay: () => 0 });
  try {
    assert.deepEqual(await courier.publish(anEvent(1), [silentUrl, relay.url]), [relay.url]);
    assert.equal(courier.status().find((s) => s.url === silentUrl)?.sending, true, 'resolved while the silent relay was still being waited for');
  } finally {
    courier.close();
    await relay.close();
    for (const client of silent.clients) client.terminate();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('on Nostr a room announces through its warm-up, then one steady tick in four, and not at all with everyone present', async () => {
  const relay = await recordingRelay();
  const { strategy, signed } = countingStrategy();
  const room = { announceId: '7'.repeat(64), peerId: 'q'.repeat(20), seal: async () => 'sealed' };
  const events = () => relay.sockets.flatMap((s) => s.messages).filter((m) => m[0] === 'EVENT').length;
  try {
    strategy.addRoom(room);
    strategy.setUrls([relay.url]);
    await until(() => events() === 1, 'the announce on connecting');
    strategy.announce(room, { keepalive: true, retry: true }); // everyone present
    strategy.announce(room, { retry: false }); // a steady tick between retries
    strategy.announce(room, { retry: false });
    strategy.announce(room, { retry: true }); // a retry: it goes
    await until(() => events() === 2, 'the retry');
    assert.equal(signed(), 2, 'nothing else was even made');
  } finally {
    strategy.close();
    await relay.close();
  }
});
