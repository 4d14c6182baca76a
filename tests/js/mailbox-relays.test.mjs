// net/mailbox-relays.js pages back through what a relay holds: a catch-up
// asks again for what is older than the oldest wrap it got until a page
// brings nothing new. The relays here are small WebSocket servers that
// answer NIP-01 requests from a list (one honest, with the common 500-event
// cap; two hostile), so that paging can be driven and counted; the real
// relays carry the mailbox in tests/e2e. Nothing here is timed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { MAX_PAGES, createMailboxRelays } from '../../templates/js/net/mailbox-relays.js';

globalThis.WebSocket ??= WebSocket;

const KEY = 'ab'.repeat(32);
const NOW = Math.floor(Date.now() / 1000);
const hex = (n) => n.toString(16).padStart(64, '0');

/**
 * A relay answering REQs with `answer(filter, request number)` → events
 * (then EOSE); counts the requests.
 */
async function fakeRelay(answer, { answersPages = true } = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  const requests = [];
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const [type, id, filter] = JSON.parse(String(data));
      if (type !== 'REQ') return;
      requests.push({ id, filter });
      if (!answersPages && filter.until !== undefined) return; // a relay that never answers a third subscription
      for (const event of answer(filter, requests.length)) socket.send(JSON.stringify(['EVENT', id, event]));
      socket.send(JSON.stringify(['EOSE', id]));
    });
  });
  return { url: `ws://127.0.0.1:${server.address().port}`, requests, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Reads the relay at `url` until its catch-up is complete; resolves to the ids received. */
function catchUp(url, { pageTimeoutMs } = {}) {
  const received = [];
  const cursors = new Map();
  return new Promise((resolve) => {
    const relays = createMailboxRelays({
      mailboxKey: KEY,
      cursors: { get: (u) => cursors.get(u), set: (u, s) => cursors.set(u, s) },
      retentionS: () => 14 * 86_400,
      onEvent: async (event) => received.push(event.id),
      onCaughtUp: () => {
        // The cursor moves right after: resolve once it has.
        queueMicrotask(() =>
          setTimeout(() => {
            relays.close();
            resolve({ received, cursor: cursors.get(url) });
          }),
        );
      },
      authenticate: null,
      relayInfo: async () => null,
      pageTimeoutMs,
    });
    relays.setUrls([url]);
  });
}

/** What an honest relay holding `events` answers: newest first, at most 500, within since/until. */
const honest = (events) => (filter) =>
  events
    .filter((e) => e.created_at >= (filter.since ?? 0) && e.created_at <= (filter.until ?? Infinity))
    .sort((a, b) => b.created_at - a.created_at)
    .slice(0, Math.min(filter.limit ?? 500, 500));

test('a catch-up pages back through everything a relay holds beyond its 500-event cap, and only then moves the cursor', async () => {
  // 1,234 wraps over the last ten days, several per second at times.
  const events = Array.from({ length: 1234 }, (_, i) => ({ id: hex(i + 1), kind: 1059, created_at: NOW - 3600 - Math.floor((i * 700) / 3) }));
  const relay = await fakeRelay(honest(events));
  try {
    const { received, cursor } = await catchUp(relay.url);
    assert.equal(new Set(received).size, events.length, 'every wrap');
    assert.ok(received.length < events.length + 20, 'few repeats (only the boundary seconds)');
    assert.ok(relay.requests.length >= 3 && relay.requests.length <= 6, `${relay.requests.length} requests`);
    assert.ok(Number.isSafeInteger(cursor), 'the cursor moved once the last page was in');
  } finally {
    await relay.close();
  }
});

test('a relay that feeds new wraps for ever is asked a bounded number of pages; one that ignores `until` is asked once more', async () => {
  let next = 0;
  const endless = await fakeRelay((filter) =>
    Array.from({ length: 10 }, () => ({ id: hex(++next), kind: 1059, created_at: Math.min(filter.until ?? NOW, NOW) - 1 })),
  );
  const stubborn = await fakeRelay(() => Array.from({ length: 500 }, (_, i) => ({ id: hex(i + 1), kind: 1059, created_at: NOW - i })));
  try {
    const fed = await catchUp(endless.url);
    assert.equal(endless.requests.length, MAX_PAGES + 1, 'the first request and MAX_PAGES pages');
    assert.ok(Number.isSafeInteger(fed.cursor));
    const same = await catchUp(stubborn.url);
    assert.equal(stubborn.requests.length, 2, 'a page of nothing new ends the catch-up');
    assert.equal(new Set(same.received).size, 500);
  } finally {
    await endless.close();
    await stubborn.close();
  }
});

test('a relay that never answers an older page still lets the catch-up end, without moving the cursor', async () => {
  const events = Array.from({ length: 30 }, (_, i) => ({ id: hex(i + 1), kind: 1059, created_at: NOW - 100 - i }));
  const silent = await fakeRelay(honest(events), { answersPages: false });
  try {
    const { received, cursor } = await catchUp(silent.url, { pageTimeoutMs: 200 });
    assert.equal(new Set(received).size, 30, 'what the first request brought is handled');
    assert.equal(silent.requests.length, 2);
    assert.equal(cursor, undefined, 'the next catch-up asks again');
  } finally {
    await silent.close();
  }
});

/**
 * Reads `url` like catchUp(), with `isJunk(event)` deciding which wraps do
 * not open (someone who knows the mailbox address made them); resolves to
 * the real ids received and the cursor.
 */
function catchUpWithJunk(url, isJunk, { cursor, budget } = {}) {
  const received = [];
  const cursors = new Map(cursor === undefined ? [] : [[url, cursor]]);
  return new Promise((resolve) => {
    const relays = createMailboxRelays({
      mailboxKey: KEY,
      cursors: { get: (u) => cursors.get(u), set: (u, s) => cursors.set(u, s) },
      retentionS: () => 14 * 86_400,
      onEvent: async (event) => {
        if (isJunk(event)) return false;
        received.push(event.id);
        return true;
      },
      onCaughtUp: () => {
        queueMicrotask(() =>
          setTimeout(() => {
            relays.close();
            resolve({ received, cursor: cursors.get(url) });
          }),
        );
      },
      authenticate: null,
      relayInfo: async () => null,
      budget,
    });
    relays.setUrls([url]);
  });
}

test('500 junk wraps sharing one second, newer than the real mail, do not hide it: all 300 real wraps arrive', async () => {
  const junkAt = NOW - 60;
  const junk = Array.from({ length: 500 }, (_, i) => ({ id: hex(100_000 + i), kind: 1059, created_at: junkAt }));
  const real = Array.from({ length: 300 }, (_, i) => ({ id: hex(i + 1), kind: 1059, created_at: NOW - 3600 - i * 97 }));
  const relay = await fakeRelay(honest([...junk, ...real]));
  try {
    let junkOpened = 0;
    const { received, cursor } = await catchUpWithJunk(relay.url, (event) => event.created_at === junkAt && ++junkOpened > 0);
    assert.equal(new Set(received).size, 300, 'every real wrap');
    assert.equal(junkOpened, 500, 'each junk wrap is opened once, however often the relay repeats it');
    assert.ok(Number.isSafeInteger(cursor), 'the cursor moves once the real mail is in');
  } finally {
    await relay.close();
  }
});

test('junk dated in the future neither heads every page nor moves the cursor', async () => {
  const future = Array.from({ length: 500 }, (_, i) => ({ id: hex(200_000 + i), kind: 1059, created_at: NOW + 365 * 86_400 - i }));
  const real = Array.from({ length: 300 }, (_, i) => ({ id: hex(i + 1), kind: 1059, created_at: NOW - 3600 - i * 97 }));
  const relay = await fakeRelay(honest([...future, ...real]));
  const onlyFuture = await fakeRelay(honest(future));
  try {
    const { received, cursor } = await catchUpWithJunk(relay.url, (event) => event.created_at > NOW + 86_400);
    assert.equal(new Set(received).size, 300, 'every real wrap');
    assert.ok(cursor <= Math.floor(Date.now() / 1000), `the cursor is not in the future: ${cursor}`);
    assert.ok(
      relay.requests.slice(1).every((r) => r.filter.until <= Math.floor(Date.now() / 1000) + 15 * 60),
      'no page asks beyond now + 15 min',
    );
    let opened = 0;
    const alone = await catchUpWithJunk(
      onlyFuture.url,
      () => {
        opened += 1;
        return true;
      },
      { cursor: NOW - 86_400 },
    );
    assert.equal(opened, 0, 'wraps from the future are not even opened');
    assert.ok(alone.cursor <= Math.floor(Date.now() / 1000), 'the cursor never moves into the future');
  } finally {
    await relay.close();
    await onlyFuture.close();
  }
});

test('a catch-up ended by a page of wraps that do not open keeps the cursor where it was', async () => {
  const junk = Array.from({ length: 40 }, (_, i) => ({ id: hex(300_000 + i), kind: 1059, created_at: NOW - 600 - i }));
  const relay = await fakeRelay(honest(junk));
  try {
    const { received, cursor } = await catchUpWithJunk(relay.url, () => true, { cursor: NOW - 7200 });
    assert.equal(received.length, 0);
    assert.equal(cursor, NOW - 7200, 'the next catch-up reads the same span again');
  } finally {
    await relay.close();
  }
});

test('one catch-up opens at most its budget of wraps, and keeps the cursor', async () => {
  const junk = Array.from({ length: 120 }, (_, i) => ({ id: hex(400_000 + i), kind: 1059, created_at: NOW - 600 - i }));
  const real = Array.from({ length: 5 }, (_, i) => ({ id: hex(i + 1), kind: 1059, created_at: NOW - 7200 - i }));
  const relay = await fakeRelay(honest([...junk, ...real]));
  try {
    let opened = 0;
    const isJunk = (event) => {
      opened += 1;
      return event.created_at > NOW - 7000;
    };
    const first = await catchUpWithJunk(relay.url, isJunk, { cursor: NOW - 3 * 86_400, budget: 100 });
    assert.ok(opened <= 100, `${opened} wraps opened`);
    assert.equal(first.cursor, NOW - 3 * 86_400, 'out of budget: the cursor stays');
  } finally {
    await relay.close();
  }
});

/**
 * A relay that wants NIP-42 AUTH before it serves our mailbox: it sends a
 * challenge on connection, closes a subscription asked for before we
 * answered it ("auth-required:"), takes an AUTH that answers its
 * challenge, and then serves `wraps` (and `records` to the profile
 * subscription, to anyone). Records what it was sent.
 */
async function authRelay({ wraps = [], records = [] } = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  const received = [];
  server.on('connection', (socket) => {
    const challenge = `challenge-${received.length}`;
    let authed = false;
    const send = (message) => socket.send(JSON.stringify(message));
    send(['AUTH', challenge]);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      received.push(message);
      const [type, id, body] = message;
      if (type === 'AUTH') {
        const tag = (name) => id.tags.find((t) => t[0] === name)?.[1];
        authed = tag('challenge') === challenge;
        send(['OK', id.id, authed, authed ? '' : 'auth-required: wrong challenge']);
      } else if (type === 'REQ' && id === 'trustero-profile') {
        for (const record of records) send(['EVENT', id, record]);
        send(['EOSE', id]);
      } else if (type === 'REQ' && !authed) {
        send(['CLOSED', id, 'auth-required: this relay serves its members']);
      } else if (type === 'REQ') {
        for (const wrap of wraps.filter((w) => body.until === undefined || w.created_at <= body.until)) send(['EVENT', id, wrap]);
        send(['EOSE', id]);
      }
    });
  });
  return { url: `ws://127.0.0.1:${server.address().port}`, received, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('a relay that wants AUTH is answered with our mailbox key, then serves our mail; what happens is said on `events`', async () => {
  const wraps = Array.from({ length: 3 }, (_, i) => ({ id: hex(i + 1), kind: 1059, created_at: NOW - 600 - i }));
  const records = [{ id: hex(900), kind: 30078, pubkey: 'cd'.repeat(32), created_at: NOW - 60 }];
  const relay = await authRelay({ wraps, records });
  const received = [];
  const heard = [];
  const answered = [];
  let relays;
  try {
    const caughtUp = new Promise((resolve) => {
      relays = createMailboxRelays({
        mailboxKey: KEY,
        cursors: { get: () => undefined, set: () => {} },
        retentionS: () => 14 * 86_400,
        onEvent: async (event) => received.push(event.id),
        onCaughtUp: resolve,
        authenticate: async ({ relay: url, challenge }) => {
          answered.push({ url, challenge });
          return {
            id: hex(answered.length + 500),
            kind: 22242,
            tags: [
              ['relay', url],
              ['challenge', challenge],
            ],
          };
        },
        relayInfo: async () => null,
        profileAuthor: 'cd'.repeat(32),
      });
      for (const name of ['relay-open', 'profile-record', 'reachable', 'status-changed']) relays.events.on(name, (payload) => heard.push([name, payload]));
      relays.setUrls([relay.url]);
    });
    assert.equal(await caughtUp, relay.url);
    assert.deepEqual(answered, [{ url: relay.url, challenge: 'challenge-0' }], 'one answer, to the relay’s challenge');
    assert.deepEqual([...new Set(received)].sort(), wraps.map((w) => w.id).sort(), 'the mail it held, once it knew us');
    const mailboxRequests = relay.received.filter((m) => m[0] === 'REQ' && m[1] === 'trustero-mailbox');
    assert.equal(mailboxRequests.length, 2, 'asked, closed for want of AUTH, asked again once it took our answer');
    // Our profile's records are asked for with every subscription: here twice.
    const profileRequests = relay.received.filter((m) => m[0] === 'REQ' && m[1] === 'trustero-profile').length;
    assert.equal(profileRequests, 2);
    const changes = heard.filter(([name]) => name === 'status-changed');
    assert.ok(changes.length >= 3 && changes.every(([, payload]) => Object.keys(payload).length === 0), 'opened, challenged, closed, authenticated');
    assert.ok(
      heard.findIndex(([name]) => name === 'status-changed') < heard.findIndex(([name]) => name === 'relay-open'),
      'the socket is open in status() first',
    );
    assert.deepEqual(
      heard.filter(([name]) => name !== 'status-changed'),
      [['relay-open', { url: relay.url }], ...Array(profileRequests).fill(['profile-record', { event: records[0] }])],
    );
    const [status] = relays.status();
    assert.deepEqual(
      { url: status.url, reads: status.reads, auth: status.auth, subscription: status.subscription },
      { url: relay.url, reads: true, auth: 'ok', subscription: 'live' },
    );
  } finally {
    relays?.close();
    await relay.close();
  }
});
