// A room's signalling under attack, without a network: replayed and stale
// offers, and a flood of offers from fresh peer ids. WebRTC is replaced by a
// minimal stand-in that records every connection the room builds
// (fake-webrtc.mjs).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

const { built } = await import('./fake-webrtc.mjs');
const { fakeCrypto } = await import('./fakes.mjs');
const { settle, until } = await import('./wait.mjs');

const { createRoom, MAX_CONNECTING, MAX_CANDIDATES_PER_MESSAGE, SIGNAL_MAX_AGE_MS } = await import('../../templates/js/net/room.js');
const { MAX_TRICKLED_CANDIDATES } = await import('../../templates/js/net/peer.js');
const { fromBase64, toBase64, fromUtf8, utf8 } = await import('../../templates/js/core/encoding.js');

// Sealing is the worker's job; the stand-in's rooms seal nothing, so a blob is just the JSON, base64-encoded.
const cryptoClient = fakeCrypto();
const seal = (message) => toBase64(utf8(JSON.stringify(message)));
const openBlob = (payload) => JSON.parse(fromUtf8(fromBase64(payload)));

function makeRoom({ meshTarget = undefined, allowed = () => ['f'.repeat(64)], identityOf = undefined } = {}) {
  return createRoom({
    cryptoClient,
    roomId: 1,
    announceId: 'a'.repeat(64),
    self: { peerId: 'me'.padEnd(20, '0'), instance: new Uint8Array(16) },
    allowed,
    iceServers: () => [],
    limitFor: () => 0,
    meshTarget,
    identityOf,
    handlers: { announce() {} },
  });
}
const rooms = [];
const ME = 'me'.padEnd(20, '0');
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

test('a flood of offers from fresh peer ids never holds more than a bounded number of connections at once', async () => {
  const room = makeRoom();
  rooms.push(room);
  const before = built.length;
  for (let n = 0; n < 50; n++) {
    const from = `flood${n}`.padEnd(20, '4');
    await room.handleOffer({ from, payload: offer(from), via: 'test' });
    assert.ok(room.connections().length <= MAX_CONNECTING);
  }
  const open = built.slice(before).filter((pc) => pc.connectionState !== 'closed');
  assert.equal(open.length, MAX_CONNECTING, 'each newcomer closed the oldest one still being set up');
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
  await room.handleAnswer({
    from: answerer,
    payload: seal({ kind: 'answer', from: answerer, to: ME, offerId, sdp: 'v=0 answer', at: Date.now() }),
    via: 'test',
    reply,
  });
  await settle();
  assert.deepEqual(pc.added, [candidate(1).candidate], "the answerer's early candidate applies, the stranger's never");
  await room.handleAnswer({ from: answerer, payload: candidates(answerer, offerId, [candidate(3)]), via: 'test', reply });
  await settle();
  assert.deepEqual(pc.added, [candidate(1).candidate, candidate(3).candidate]);
  assert.equal(sent.length, 1, 'our waiting candidate went once the answer named the peer');
  assert.deepEqual(
    { kind: sent[0].kind, to: sent[0].to, offerId: sent[0].offerId, candidates: sent[0].candidates.map((c) => c.candidate) },
    { kind: 'candidates', to: answerer, offerId, candidates: [candidate(7).candidate] },
  );
  pc.gather(candidate(8).candidate);
  await settle();
  assert.equal(sent.length, 2, 'later candidates of ours go at once');
});

test("the answerer trickles its later candidates back and takes the offerer's", async () => {
  const room = makeRoom();
  rooms.push(room);
  const from = 'offerer'.padEnd(20, '7');
  const sent = [];
  const answer = await room.handleOffer({ from, payload: offer(from), via: 'test', reply: (payload) => sent.push(openBlob(payload)) });
  assert.ok(answer);
  const pc = built.at(-1);
  pc.gather(candidate(4).candidate);
  await settle();
  assert.deepEqual(
    sent.map((m) => [m.kind, m.to, m.offerId]),
    [['candidates', from, `offer-${from}`]],
  );
  await room.handleAnswer({ from, payload: candidates(from, `offer-${from}`, [candidate(5)]), via: 'test' });
  await settle();
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
  await settle();
  assert.deepEqual(pc.added, [], 'nothing malformed was applied');
  for (let n = 0; n < MAX_TRICKLED_CANDIDATES + 10; n += 1) await send([candidate(n % 200)]);
  await settle();
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
  await settle();
  assert.deepEqual(pc.added, [candidate(4).candidate]);
});

test('a group room with a mesh target takes offers up to twice the target, and offers only while under it', async () => {
  const members = Array.from({ length: 100 }, (_, n) => n.toString(16).padStart(64, '0'));
  const room = makeRoom({ meshTarget: () => 2, allowed: () => members });
  rooms.push(room);
  assert.equal(room.offerCount(), 2, 'seeks the target, not all 100');
  for (let n = 0; n < 6; n++) {
    const from = `mesh${n}`.padEnd(20, '7');
    await room.handleOffer({ from, payload: offer(from), via: 'test' });
    assert.ok(room.connections().length <= 4, 'up to twice the target');
  }
  assert.equal(room.connections().length, 4);
  const unbounded = makeRoom({ allowed: () => members });
  rooms.push(unbounded);
  assert.equal(unbounded.offerCount(), 4, 'without a target: every missing member, capped per announce');
});

test('offers that arrive together cannot take a partial mesh past twice its target while each is being answered', async () => {
  const members = Array.from({ length: 100 }, (_, n) => n.toString(16).padStart(64, '0'));
  const room = makeRoom({ meshTarget: () => 2, allowed: () => members });
  rooms.push(room);
  const froms = Array.from({ length: 6 }, (_, n) => `burst${n}`.padEnd(20, '6'));
  await Promise.all(froms.map((from) => room.handleOffer({ from, payload: offer(from), via: 'test' })));
  const open = room.connections().filter((c) => c.state !== 'closed').length;
  assert.ok(open <= 4, `${open} connections for a target of 2`);
});

test('while a peer is missing, a full mesh offers to every member the tracker counts (capped); a partial mesh only to the peers it seeks', () => {
  // Each offer goes to a random member of the swarm: with the friend and our
  // own other device there, one offer reaches the friend half the time.
  const pair = makeRoom();
  rooms.push(pair);
  assert.equal(pair.offerCount(), 1, 'the swarm not counted yet: one per missing peer');
  assert.equal(pair.offerCount(2), 2, 'the friend and another device of ours: both get one');
  assert.equal(pair.offerCount(40), 4, 'capped per announce');
  const nobody = makeRoom({ allowed: () => [] });
  rooms.push(nobody);
  assert.equal(nobody.offerCount(5), 0, 'no one missing, no offers');
  const members = Array.from({ length: 100 }, (_, n) => n.toString(16).padStart(64, '0'));
  const mesh = makeRoom({ meshTarget: () => 2, allowed: () => members });
  rooms.push(mesh);
  assert.equal(mesh.offerCount(99), 2, 'a partial mesh seeks its target whatever the swarm');
});

test('a peer id known from another room as someone this room does not allow gets no answer and no offer; others still do', async () => {
  const friend = 'f'.repeat(64);
  const ours = 'e'.repeat(64);
  const known = new Map([
    ['mylaptop'.padEnd(20, '5'), ours],
    ['friendphone'.padEnd(20, '5'), friend],
  ]);
  const room = makeRoom({ identityOf: (id) => known.get(id) ?? null });
  rooms.push(room);
  const before = built.length;
  const laptop = 'mylaptop'.padEnd(20, '5');
  assert.equal(await room.handleOffer({ from: laptop, payload: offer(laptop), via: 'test' }), null, 'our own device: the handshake would refuse it');
  assert.equal(built.length, before, 'no connection built for it');
  assert.equal(room.shouldOfferTo(laptop), false);
  const phone = 'friendphone'.padEnd(20, '5');
  assert.equal(room.shouldOfferTo(phone), true);
  assert.ok(await room.handleOffer({ from: phone, payload: offer(phone), via: 'test' }), 'the friend’s device is answered');
  const stranger = 'unknown'.padEnd(20, '5');
  assert.equal(room.shouldOfferTo(stranger), true, 'unknown peer ids are tried');
});

test('over Nostr a partial mesh that has its connections offers to no announcer; a full mesh offers to one it is not connected to, never to itself', () => {
  const members = Array.from({ length: 10 }, (_, n) => n.toString(16).padStart(64, '0'));
  const satisfied = makeRoom({ meshTarget: () => 0, allowed: () => members });
  rooms.push(satisfied);
  assert.equal(satisfied.shouldOfferTo('announcer'.padEnd(20, '6')), false);
  const full = makeRoom({ allowed: () => members });
  rooms.push(full);
  assert.equal(full.shouldOfferTo('announcer'.padEnd(20, '6')), true);
  assert.equal(full.shouldOfferTo(ME), false, 'never to ourselves');
});

test('a small group whose members number no more than the target is a full mesh: its announces reach the whole swarm', () => {
  const members = Array.from({ length: 3 }, (_, n) => n.toString(16).padStart(64, '0'));
  const small = makeRoom({ meshTarget: () => 6, allowed: () => members });
  rooms.push(small);
  assert.equal(small.offerCount(4), 4, 'three members missing, four others in the swarm (a member’s second device)');
  assert.equal(small.shouldOfferTo('announcer'.padEnd(20, '8')), true);
});

// ---- admission: who gets a room's connections (sessions played by fake-peer.mjs) ----

const { playPeer } = await import('./fake-peer.mjs');
const { MAX_SESSIONS_PER_IDENTITY, MESH_SESSIONS_PER_IDENTITY } = await import('../../templates/js/net/room.js');

/** A room whose handshakes the test plays; `sessions` lists who got one (ready and not closed). */
function playedRoom({ meshTarget = undefined, allowed, crypto = fakeCrypto() }) {
  const reported = [];
  const room = createRoom({
    cryptoClient: crypto,
    roomId: 1,
    announceId: 'a'.repeat(64),
    self: { peerId: ME, instance: new Uint8Array(16) },
    allowed,
    iceServers: () => [],
    limitFor: () => 0,
    meshTarget,
    handlers: { announce() {}, onSession: (session) => reported.push(session) },
  });
  rooms.push(room);
  const sessions = () => room.peers().map((p) => p.fingerprint);
  return { room, reported, sessions, crypto };
}
/** Offers from `peerId`, then plays its handshake as `fingerprint` on device `device` (12 hex digits, sent once verified). */
async function join(room, peerId, fingerprint, device) {
  const answer = await room.handleOffer({ from: peerId, payload: realOffer(peerId), via: 'test', reply: () => {} });
  if (!answer) return false;
  await playPeer(built.at(-1), { fingerprint, instance: `${peerId}${'0'.repeat(12)}`, device: Buffer.from(device, 'hex') });
  return true;
}
const peerIdOf = (name, n) => `${name}${String(n).padStart(3, '0')}`.padEnd(20, '0');
/** An offer whose description names a DTLS certificate, as a browser's does (the handshake signs it). */
const realOffer = (from, extra = {}) => offer(from, { sdp: `v=0 offer\r\na=fingerprint:sha-256 ${Array(32).fill('CD').join(':')}\r\n`, ...extra });
const deviceOf12 = (n) => n.toString(16).padStart(12, '0');

test('stalled connections do not lock the real peer out: a newcomer takes the oldest slot still being set up', async () => {
  const friend = 'f'.repeat(64);
  const { room, sessions } = playedRoom({ allowed: () => [friend] });
  const stalled = [];
  for (let n = 0; n < MAX_CONNECTING; n++) {
    assert.ok(await room.handleOffer({ from: peerIdOf('stall', n), payload: offer(peerIdOf('stall', n)), via: 'test' }));
    stalled.push(built.at(-1));
  }
  assert.equal(room.connections().length, MAX_CONNECTING);
  assert.ok(await join(room, peerIdOf('friend', 0), friend, deviceOf12(1)), 'the friend’s offer is answered');
  assert.equal(stalled[0].connectionState, 'closed', 'the oldest stalled connection made way');
  assert.ok(stalled.slice(1).every((pc) => pc.connectionState !== 'closed'));
  assert.deepEqual(sessions(), [friend]);
  assert.ok(room.connections().length <= MAX_CONNECTING, 'never more being set up than the cap');
});

test('a flood of stalled offers never holds more than the cap, and a connection already in its handshake outlives the stalled ones', async () => {
  const friend = 'f'.repeat(64);
  const { room } = playedRoom({ allowed: () => [friend] });
  assert.ok(await room.handleOffer({ from: peerIdOf('slowfriend', 0), payload: realOffer(peerIdOf('slowfriend', 0)), via: 'test' }));
  const progressed = built.at(-1);
  progressed.channel.open(); // its channel is up and our hello went: it is in its handshake
  await settle();
  for (let n = 0; n < 50; n++) {
    await room.handleOffer({ from: peerIdOf('flood', n), payload: offer(peerIdOf('flood', n)), via: 'test' });
    assert.ok(room.connections().filter((c) => c.state !== 'closed').length <= MAX_CONNECTING);
  }
  assert.notEqual(progressed.connectionState, 'closed', 'the stalled ones made way, not the one that got further');
});

test('in a group’s room, many instances of one identity get two connections; another member still finds room', async () => {
  const members = Array.from({ length: 100 }, (_, n) => n.toString(16).padStart(64, '0'));
  const [mallory, carol] = [members[1], members[2]];
  const { room, sessions } = playedRoom({ meshTarget: () => 6, allowed: () => members });
  for (let n = 0; n < 12; n++) await join(room, peerIdOf('mallory', n), mallory, deviceOf12(n + 1));
  assert.ok(sessions().filter((fp) => fp === mallory).length <= MESH_SESSIONS_PER_IDENTITY, `${sessions().length} sessions of one identity`);
  assert.equal(MESH_SESSIONS_PER_IDENTITY, 2);
  assert.ok(await join(room, peerIdOf('carol', 0), carol, deviceOf12(99)), 'a 13th instance, of another member, is answered');
  assert.ok(sessions().includes(carol), 'and gets its session');
  const known = peerIdOf('mallory', 5);
  assert.equal(
    await room.handleOffer({ from: known, payload: realOffer(known, { offerId: 'again' }), via: 'test' }),
    null,
    'a refused instance of a full identity is not answered again',
  );
});

test('an identity may have a few devices online in a room, not fifty', async () => {
  const friend = 'f'.repeat(64);
  const { room, sessions } = playedRoom({ allowed: () => [friend] });
  for (let n = 0; n < 50; n++) await join(room, peerIdOf('device', n), friend, deviceOf12(n + 1));
  assert.equal(sessions().length, 8, `${sessions().length} sessions of one identity`);
  assert.equal(MAX_SESSIONS_PER_IDENTITY, 8);
  // One of them leaves: another device of the friend gets in again.
  room.peers()[0].link.close('closed');
  await until(() => sessions().length === MAX_SESSIONS_PER_IDENTITY - 1, 'its session gone');
  assert.ok(await join(room, peerIdOf('device', 60), friend, deviceOf12(60)));
  assert.equal(sessions().length, MAX_SESSIONS_PER_IDENTITY);
});

test('a partial mesh whose connections are all sessions takes no one more: no session makes way', async () => {
  const members = Array.from({ length: 100 }, (_, n) => n.toString(16).padStart(64, '0'));
  const { room, sessions } = playedRoom({ meshTarget: () => 2, allowed: () => members });
  for (let n = 0; n < 4; n++) assert.ok(await join(room, peerIdOf('member', n), members[n + 1], deviceOf12(n + 1)));
  assert.equal(sessions().length, 4);
  assert.equal(await room.handleOffer({ from: peerIdOf('late', 0), payload: realOffer(peerIdOf('late', 0)), via: 'test' }), null);
  assert.equal(sessions().length, 4);
});
