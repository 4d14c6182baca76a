// Someone who knows a mailbox address fills it with junk (docs/mailbox.md
// "Junk"): chat/mailbox.js must still get the real mail. A relay on
// loopback holds stored wraps and pushes live ones; the worker's crypto is a
// stand-in whose "wraps" carry their fragment in the clear (JSON), so the
// test can make junk that opens — wraps any stranger can make for an
// address — with seals that claim made-up senders.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { fakeSessions, memoryStore } from './fakes.mjs';
import { until } from './wait.mjs';

globalThis.WebSocket ??= WebSocket;
globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};
globalThis.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} };
const { createMailbox } = await import('../../templates/js/chat/mailbox.js');

const MAILBOX = 'aa'.repeat(32);
const NOW = Math.floor(Date.now() / 1000);
const CONTACT = 'c'.repeat(64);
const NEWCOMER = 'd'.repeat(64);
let counter = 0;
const nextId = () => (++counter).toString(16).padStart(64, '0');
const fingerprint = (n) => n.toString(16).padStart(64, 'e');

/** A relay holding `stored` wraps (honest: newest first, at most 500, within since/until) that can push live ones. */
async function mailRelay(stored) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  const live = new Set();
  let requests = 0;
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const [type, id, filter] = JSON.parse(String(data));
      if (type !== 'REQ' || !filter['#p']) return;
      requests += 1;
      if (id === 'trustero-mailbox') live.add(socket);
      const answer = stored
        .filter((e) => e.created_at >= (filter.since ?? 0) && e.created_at <= (filter.until ?? Infinity))
        .sort((a, b) => b.created_at - a.created_at)
        .slice(0, 500);
      for (const event of answer) socket.send(JSON.stringify(['EVENT', id, event]));
      socket.send(JSON.stringify(['EOSE', id]));
    });
    socket.on('close', () => live.delete(socket));
  });
  return {
    url: `ws://127.0.0.1:${server.address().port}`,
    requests: () => requests,
    push(event) {
      stored.push(event);
      for (const socket of live) socket.send(JSON.stringify(['EVENT', 'trustero-mailbox', event]));
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A wrap whose fragment is in the clear: seal = {sender, type, text}, cut into `count` parts. */
function wraps({ sender, type = 'env', text = 'hello', count = 1, createdAt, bundle = nextId() }) {
  const seal = Buffer.from(JSON.stringify({ sender, type, text }));
  const size = Math.ceil(seal.length / count);
  return Array.from({ length: count }, (_, index) => ({
    id: nextId(),
    kind: 1059,
    created_at: createdAt,
    tags: [['p', MAILBOX]],
    content: JSON.stringify({ bundle, index, count, data: seal.subarray(index * size, (index + 1) * size).toString('base64') }),
  }));
}

const calls = { unwrap: 0, sealSender: 0 };
const mailboxCrypto = {
  async mailboxUnwrap(event) {
    calls.unwrap += 1;
    const { bundle, index, count, data } = JSON.parse(event.content);
    return { bundle, index, count, data: new Uint8Array(Buffer.from(data, 'base64')) };
  },
  async mailboxSealSender(seal) {
    calls.sealSender += 1;
    return JSON.parse(Buffer.from(seal).toString()).sender;
  },
  async mailboxOpenSeal(seal, spki) {
    const { sender, type, text } = JSON.parse(Buffer.from(seal).toString());
    if (spki !== `key of ${sender}`) throw new Error('bad seal');
    return { type, payload: new Uint8Array(Buffer.from(text)) };
  },
  async peekEnvelope() {
    return { timestampMs: 0, lamport: 0 };
  },
};

function openMailbox(relay, { known }) {
  const delivered = [];
  const mailbox = createMailbox({
    cryptoClient: mailboxCrypto,
    store: memoryStore(),
    identity: { fingerprint: 'f'.repeat(64), mailboxKey: MAILBOX, spki: 'mine' },
    sessions: fakeSessions(),
    spkiOf: (fp) => (known.has(fp) ? `key of ${fp}` : null),
    dispatch: async (sender, _link, _type, payload) => {
      delivered.push({ sender, text: Buffer.from(payload).toString() });
      return 'accepted';
    },
  });
  mailbox.configure({ relays: [relay.url], useNostr: true });
  return { mailbox, delivered };
}

test('junk bundles of one fragment each cannot push out a real large message that is arriving', async () => {
  const bundle = nextId();
  const real = wraps({ sender: CONTACT, text: 'a large message '.repeat(40), count: 4, createdAt: NOW - 100, bundle });
  // Three fragments are in, then the junk comes (more than MAX_BUNDLES, 64), then the last fragment.
  const junk = Array.from({ length: 100 }, (_, i) => wraps({ sender: fingerprint(i), count: 2, createdAt: NOW - 200 - i })[0]);
  const relay = await mailRelay([...real.slice(0, 3), ...junk]);
  const unwrapped = calls.unwrap;
  const { mailbox, delivered } = openMailbox(relay, { known: new Set([CONTACT]) });
  try {
    await until(() => calls.unwrap - unwrapped >= 3 + junk.length, 'the catch-up handled');
    relay.push(real[3]);
    await until(() => delivered.some((d) => d.sender === CONTACT), 'the large message');
  } finally {
    mailbox.close();
    await relay.close();
  }
});

test('seals claiming hundreds of made-up senders push out a real newcomer’s mail only until the newcomer is known: it is then read again', async () => {
  const realWrap = wraps({ sender: NEWCOMER, text: 'hi, I just added you', createdAt: NOW - 100 });
  const junk = Array.from({ length: 300 }, (_, i) => wraps({ sender: fingerprint(i), createdAt: NOW - 50 + (i % 40) })[0]);
  const relay = await mailRelay([...realWrap]);
  const known = new Set([CONTACT]);
  const checked = calls.sealSender;
  const { mailbox, delivered } = openMailbox(relay, { known });
  try {
    await until(() => mailbox.status()[0]?.subscription === 'live' && calls.sealSender > checked, 'the catch-up handled');
    for (const event of junk) relay.push(event); // the flood, live
    await until(() => calls.sealSender - checked >= 1 + junk.length, 'the flood handled');
    const before = relay.requests();
    // The user adds the newcomer; a contact's mail arrives.
    known.add(NEWCOMER);
    mailbox.learn(NEWCOMER, { key: 'bb'.repeat(32) }, 'link');
    await until(() => delivered.some((d) => d.sender === NEWCOMER), 'the newcomer’s mail');
    assert.ok(relay.requests() > before, 'the relays were read again from the time of the seal let go');
  } finally {
    mailbox.close();
    await relay.close();
  }
});
