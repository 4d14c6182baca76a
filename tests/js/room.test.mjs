// A room's signalling under attack, without a network: replayed and stale
// offers, and a flood of offers from fresh peer ids. WebRTC is replaced by a
// minimal stand-in that records every connection the room builds.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

const built = [];
class FakeChannel extends EventTarget {
  readyState = 'connecting';
}
class FakePeerConnection extends EventTarget {
  constructor() {
    super();
    this.connectionState = 'new';
    this.iceGatheringState = 'complete';
    this.channel = new FakeChannel();
    built.push(this);
  }
  async setRemoteDescription(description) { this.remoteDescription = description; }
  async createAnswer() { return { type: 'answer', sdp: 'v=0 answer' }; }
  async createOffer() { return { type: 'offer', sdp: 'v=0 offer' }; }
  async setLocalDescription(description) { this.localDescription = description; }
  createDataChannel() { return this.channel; }
  close() {
    if (this.connectionState === 'closed') return;
    this.connectionState = 'closed';
    this.dispatchEvent(new Event('connectionstatechange'));
    this.channel.dispatchEvent(new Event('close'));
  }
}
globalThis.RTCPeerConnection = FakePeerConnection;
// The answering side waits for a 'datachannel' event: deliver the channel.
const realAdd = FakePeerConnection.prototype.addEventListener;
FakePeerConnection.prototype.addEventListener = function add(type, listener, options) {
  realAdd.call(this, type, listener, options);
  if (type === 'datachannel') listener({ channel: Object.assign(this.channel, { label: 'trustero' }) });
};

const { createRoom, MAX_CONNECTING, SIGNAL_MAX_AGE_MS } = await import('../../templates/js/net/room.js');
const { fromBase64, toBase64, fromUtf8, utf8 } = await import('../../templates/js/core/encoding.js');

// Sealing is the worker's job; here a blob is just the JSON, base64-encoded.
const cryptoClient = {
  roomSeal: async (roomId, plaintext) => plaintext,
  roomOpen: async (roomId, blob) => blob,
  release: async () => {},
};
const seal = (message) => toBase64(utf8(JSON.stringify(message)));
const openBlob = (payload) => JSON.parse(fromUtf8(fromBase64(payload)));

function makeRoom() {
  return createRoom({
    cryptoClient, roomId: 1, announceId: 'a'.repeat(64), self: { peerId: 'me'.padEnd(20, '0'), instance: new Uint8Array(16) },
    allowed: () => ['f'.repeat(64)], iceServers: () => [], limitFor: () => 0,
    handlers: { announce() {} },
  });
}
const rooms = [];
after(() => rooms.forEach((r) => r.leave()));

const offer = (from, extra = {}) => seal({ kind: 'offer', from, to: null, offerId: `offer-${from}`, sdp: 'v=0 offer', at: Date.now(), ...extra });

test('a fresh offer is answered, with the answer carrying its own time', async () => {
  const room = makeRoom();
  rooms.push(room);
  const answer = await room.handleOffer({ from: 'p1'.padEnd(20, '1'), payload: offer('p1'.padEnd(20, '1')), via: 'test' });
  assert.ok(answer);
  const opened = openBlob(answer);
  assert.equal(opened.kind, 'answer');
  assert.ok(Math.abs(opened.at - Date.now()) < 60_000);
});

test('offers without a time, or older or later than the window, are ignored', async () => {
  const room = makeRoom();
  rooms.push(room);
  const before = built.length;
  for (const at of [undefined, 'now', Date.now() - SIGNAL_MAX_AGE_MS - 1000, Date.now() + SIGNAL_MAX_AGE_MS + 1000]) {
    const from = `stale${String(at)}`.slice(0, 20).padEnd(20, '2');
    assert.equal(await room.handleOffer({ from, payload: offer(from, { at }), via: 'test' }), null, String(at));
  }
  assert.equal(built.length, before, 'no connection was built for a stale offer');
});

test('an offer replayed by a tracker builds no second connection', async () => {
  const room = makeRoom();
  rooms.push(room);
  const from = 'replayer'.padEnd(20, '3');
  const payload = offer(from);
  assert.ok(await room.handleOffer({ from, payload, via: 'test' }));
  // The first connection fails; the same sealed offer comes again.
  built.at(-1).close();
  const count = built.length;
  assert.equal(await room.handleOffer({ from, payload, via: 'test' }), null);
  assert.equal(built.length, count);
});

test('a flood of offers from fresh peer ids builds a bounded number of connections', async () => {
  const room = makeRoom();
  rooms.push(room);
  const before = built.length;
  let answered = 0;
  for (let n = 0; n < 50; n++) {
    const from = `flood${n}`.padEnd(20, '4');
    if (await room.handleOffer({ from, payload: offer(from), via: 'test' })) answered += 1;
  }
  assert.equal(answered, MAX_CONNECTING);
  assert.equal(built.length - before, MAX_CONNECTING);
  assert.equal(room.connections().length, MAX_CONNECTING);
});
