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
  added = [];
  async addIceCandidate(candidate) {
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.added.push(candidate.candidate);
  }
  /** A local candidate found after the offer or answer went out. */
  gather(candidate) {
    this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } }));
  }
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

const { createRoom, MAX_CONNECTING, MAX_CANDIDATES_PER_MESSAGE, SIGNAL_MAX_AGE_MS } = await import('../../templates/js/net/room.js');
const { MAX_TRICKLED_CANDIDATES } = await import('../../templates/js/net/peer.js');
const { fromBase64, toBase64, fromUtf8, utf8 } = await import('../../templates/js/core/encoding.js');

// Sealing is the worker's job; here a blob is just the JSON, base64-encoded.
const cryptoClient = {
  roomSeal: async (roomId, plaintext) => plaintext,
  roomOpen: async (roomId, blob) => blob,
  release: async () => {},
};
const seal = (message) => toBase64(utf8(JSON.stringify(message)));
const openBlob = (payload) => JSON.parse(fromUtf8(fromBase64(payload)));

function makeRoom({ meshTarget = undefined, allowed = () => ['f'.repeat(64)] } = {}) {
  return createRoom({
    cryptoClient, roomId: 1, announceId: 'a'.repeat(64), self: { peerId: 'me'.padEnd(20, '0'), instance: new Uint8Array(16) },
    allowed, iceServers: () => [], limitFor: () => 0, meshTarget,
    handlers: { announce() {} },
  });
}
const rooms = [];
const ME = 'me'.padEnd(20, '0');
const flushed = () => new Promise((resolve) => setImmediate(resolve));
const candidate = (n) => ({ candidate: `candidate:${n} 1 udp 2122260223 192.168.1.${n} 5000${n} typ host`, sdpMid: '0', sdpMLineIndex: 0 });
const candidates = (from, offerId, list, extra = {}) => seal({ kind: 'candidates', from, to: ME, offerId, candidates: list, at: Date.now(), ...extra });
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

test('candidates that overtake the answer apply once it is in, only from the peer that answered; ours wait for it', async () => {
  const room = makeRoom();
  rooms.push(room);
  const { offerId } = await room.makeOffer();
  const pc = built.at(-1);
  const sent = [];
  const reply = (payload) => sent.push(openBlob(payload));
  // A candidate of ours found after the offer went: nobody to send it to yet.
  pc.gather(candidate(7).candidate);
  const answerer = 'answerer'.padEnd(20, '5');
  const stranger = 'stranger'.padEnd(20, '6');
  await room.handleAnswer({ from: answerer, payload: candidates(answerer, offerId, [candidate(1)]), via: 'test', reply });
  await room.handleAnswer({ from: stranger, payload: candidates(stranger, offerId, [candidate(2)]), via: 'test', reply });
  assert.deepEqual(pc.added, [], 'nothing applies before the answer');
  await room.handleAnswer({ from: answerer, payload: seal({ kind: 'answer', from: answerer, to: ME, offerId, sdp: 'v=0 answer', at: Date.now() }), via: 'test', reply });
  await flushed();
  assert.deepEqual(pc.added, [candidate(1).candidate], "the answerer's early candidate applies, the stranger's never");
  await room.handleAnswer({ from: answerer, payload: candidates(answerer, offerId, [candidate(3)]), via: 'test', reply });
  await flushed();
  assert.deepEqual(pc.added, [candidate(1).candidate, candidate(3).candidate]);
  assert.equal(sent.length, 1, 'our waiting candidate went once the answer named the peer');
  assert.deepEqual({ kind: sent[0].kind, to: sent[0].to, offerId: sent[0].offerId, candidates: sent[0].candidates.map((c) => c.candidate) }, { kind: 'candidates', to: answerer, offerId, candidates: [candidate(7).candidate] });
  pc.gather(candidate(8).candidate);
  await flushed();
  assert.equal(sent.length, 2, 'later candidates of ours go at once');
});

test('the answerer trickles its later candidates back and takes the offerer\'s', async () => {
  const room = makeRoom();
  rooms.push(room);
  const from = 'offerer'.padEnd(20, '7');
  const sent = [];
  const answer = await room.handleOffer({ from, payload: offer(from), via: 'test', reply: (payload) => sent.push(openBlob(payload)) });
  assert.ok(answer);
  const pc = built.at(-1);
  pc.gather(candidate(4).candidate);
  await flushed();
  assert.deepEqual(sent.map((m) => [m.kind, m.to, m.offerId]), [['candidates', from, `offer-${from}`]]);
  await room.handleAnswer({ from, payload: candidates(from, `offer-${from}`, [candidate(5)]), via: 'test' });
  await flushed();
  assert.deepEqual(pc.added, [candidate(5).candidate]);
});

test('hostile trickled candidates never reach WebRTC: malformed, oversized, stale, unknown offers, beyond the cap', async () => {
  const room = makeRoom();
  rooms.push(room);
  const from = 'hostile'.padEnd(20, '8');
  assert.ok(await room.handleOffer({ from, payload: offer(from), via: 'test', reply: () => {} }));
  const pc = built.at(-1);
  const offerId = `offer-${from}`;
  const send = (list, extra) => room.handleAnswer({ from, payload: candidates(from, offerId, list, extra), via: 'test' });
  for (const bad of [
    'candidate:1 1 udp',
    { candidate: 'a=candidate:1', sdpMid: '0', sdpMLineIndex: 0 },
    { candidate: `candidate:${'x'.repeat(600)}`, sdpMid: '0', sdpMLineIndex: 0 },
    { candidate: 'candidate:1 1 udp 1 10.0.0.1 1 typ host', sdpMid: null, sdpMLineIndex: null },
    { candidate: 'candidate:1 1 udp 1 10.0.0.1 1 typ host', sdpMid: 5, sdpMLineIndex: 0 },
    { candidate: 'candidate:1 1 udp 1 10.0.0.1 1 typ host', sdpMid: '0', sdpMLineIndex: -1 },
    null,
  ]) {
    await send([bad]);
  }
  await send(Array.from({ length: MAX_CANDIDATES_PER_MESSAGE + 1 }, (_, n) => candidate(n)));
  await send([candidate(1)], { at: Date.now() - SIGNAL_MAX_AGE_MS - 1000 });
  await send([candidate(1)], { offerId: 'not-an-offer-of-ours' });
  await send([candidate(1)], { candidates: 'many' });
  await room.handleAnswer({ from, payload: 'not base64 at all', via: 'test' });
  await flushed();
  assert.deepEqual(pc.added, [], 'nothing malformed was applied');
  for (let n = 0; n < MAX_TRICKLED_CANDIDATES + 10; n += 1) await send([candidate(n % 200)]);
  await flushed();
  assert.equal(pc.added.length, MAX_TRICKLED_CANDIDATES, 'a connection takes a bounded number of candidates');
});

test('candidates that come on their own (Nostr) pass the same checks: addressed to us, fresh, from the peer that answered', async () => {
  const room = makeRoom();
  rooms.push(room);
  const from = 'nostrpeer'.padEnd(20, '9');
  assert.ok(await room.handleOffer({ from, payload: offer(from), via: 'test', reply: () => {} }));
  const pc = built.at(-1);
  const offerId = `offer-${from}`;
  await room.handleCandidates({ from, payload: candidates(from, offerId, [candidate(1)], { to: 'someone-else'.padEnd(20, '0') }) });
  await room.handleCandidates({ from, payload: candidates(from, offerId, [candidate(2)], { at: Date.now() - SIGNAL_MAX_AGE_MS - 1000 }) });
  await room.handleCandidates({ from: 'intruder'.padEnd(20, '9'), payload: candidates('intruder'.padEnd(20, '9'), offerId, [candidate(3)]) });
  await room.handleCandidates({ from, payload: seal({ kind: 'answer', from, to: ME, offerId, sdp: 'v=0', at: Date.now() }) });
  await room.handleCandidates({ from, payload: candidates(from, offerId, [candidate(4)]) });
  await flushed();
  assert.deepEqual(pc.added, [candidate(4).candidate]);
});

test('a group room with a mesh target takes offers up to twice the target, and offers only while under it', async () => {
  const members = Array.from({ length: 100 }, (_, n) => n.toString(16).padStart(64, '0'));
  const room = makeRoom({ meshTarget: () => 2, allowed: () => members });
  rooms.push(room);
  assert.equal(room.offerCount(), 2, 'seeks the target, not all 100');
  let answered = 0;
  for (let n = 0; n < 6; n++) {
    const from = `mesh${n}`.padEnd(20, '7');
    if (await room.handleOffer({ from, payload: offer(from), via: 'test' })) answered += 1;
  }
  assert.equal(answered, 4, 'up to twice the target');
  assert.equal(room.connections().length, 4);
  const unbounded = makeRoom({ allowed: () => members });
  rooms.push(unbounded);
  assert.equal(unbounded.offerCount(), 4, 'without a target: every missing member, capped per announce');
});
