// What a session tells a peer before and after the handshake verified it
// (net/link.js): the device part of our instance id goes only to a verified
// peer, as the first sealed frame, and a peer's own device part completes
// its instance id before its room hears of it. WebRTC and the worker are
// stand-ins (fake-webrtc.mjs, fakes.mjs and fake-peer.mjs) whose handshake messages and
// frames the test reads.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';

const { built } = await import('./fake-webrtc.mjs');
const { playPeer } = await import('./fake-peer.mjs');
const { fakeCrypto } = await import('./fakes.mjs');
const { until } = await import('./wait.mjs');
const { createRoom } = await import('../../templates/js/net/room.js');
const { decodeFrame, encodeFrame, KIND } = await import('../../templates/js/net/framing.js');
const { deviceOf, sameDevice } = await import('../../templates/js/net/instance.js');
const { toBase64, utf8 } = await import('../../templates/js/core/encoding.js');

const FRIEND = 'f'.repeat(64);
const STRANGER = 'e'.repeat(64);
const ME = '0123456789abcdef0123';
/** Our instance: its load part (the peer id), then the 6 bytes naming this browser. */
const DEVICE = 'de71ce0fda7a';
const INSTANCE = Buffer.from(`${ME}${DEVICE}`, 'hex');
const rooms = [];
after(() => rooms.forEach((room) => room.leave()));

function makeRoom(crypto = fakeCrypto()) {
  const sessions = [];
  const room = createRoom({
    cryptoClient: crypto,
    roomId: 1,
    announceId: 'a'.repeat(64),
    self: { peerId: ME, instance: new Uint8Array(INSTANCE) },
    allowed: () => [FRIEND],
    iceServers: () => [],
    limitFor: () => 1024,
    handlers: { announce() {}, onSession: (session) => sessions.push(session) },
  });
  rooms.push(room);
  return { room, sessions, crypto };
}
const offer = (from) =>
  toBase64(
    utf8(
      JSON.stringify({
        kind: 'offer',
        from,
        to: null,
        offerId: `offer-${from}`,
        sdp: `v=0\r\na=fingerprint:sha-256 ${Array(32).fill('CD').join(':')}\r\n`,
        at: Date.now(),
      }),
    ),
  );
async function answered(room, from) {
  assert.ok(await room.handleOffer({ from, payload: offer(from), via: 'test', reply: () => {} }));
  return built.at(-1);
}
/** Whether `bytes` contain `part` anywhere. */
const contains = (bytes, part) => Buffer.from(bytes).includes(Buffer.from(part, 'hex'));

test('a peer the handshake refuses never learns the device part of our instance id', async () => {
  const { room, crypto, sessions } = makeRoom();
  const pc = await answered(room, 'aa'.repeat(10));
  await playPeer(pc, { fingerprint: STRANGER, instance: `${'aa'.repeat(10)}${'00'.repeat(6)}`, device: Buffer.from('111111111111', 'hex') });
  assert.equal(pc.channel.readyState, 'closed', 'refused');
  assert.deepEqual(sessions, []);
  const hello = crypto.started[0];
  assert.equal(hello.slice(0, 20), ME, 'the handshake carries our load part');
  assert.notEqual(hello.slice(20), DEVICE, 'and random bytes for the device');
  for (const bytes of pc.channel.sent) assert.ok(!contains(bytes, DEVICE), 'nothing sent on the channel names our device');
  assert.deepEqual(crypto.frames, [], 'nothing was sealed for it');
});

test('a verified peer gets our device part as our first sealed frame, and its own completes its instance id before the room hears of it', async () => {
  const { room, crypto, sessions } = makeRoom();
  const peerId = 'bb'.repeat(10);
  const pc = await answered(room, peerId);
  // The peer's handshake, too, carries random bytes where its device part goes.
  await playPeer(pc, { fingerprint: FRIEND, instance: `${peerId}${'77'.repeat(6)}`, device: Buffer.from('a1a2a3a4a5a6', 'hex') });
  const first = decodeFrame(crypto.frames[0]);
  assert.equal(first.type, 'device');
  assert.equal(Buffer.from(first.data).toString('hex'), DEVICE);
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0].instance, `${peerId}a1a2a3a4a5a6`);
  assert.equal(deviceOf(sessions[0].instance), 'a1a2a3a4a5a6', 'the peer’s real device part');
});

test('two devices of one identity are told apart; a reload of one replaces it and leaves the other', async () => {
  const { room, sessions } = makeRoom();
  const join = async (peerId, device) =>
    playPeer(await answered(room, peerId), { fingerprint: FRIEND, instance: `${peerId}${'00'.repeat(6)}`, device: Buffer.from(device, 'hex') });
  await join('c1'.repeat(10), '0000000000a1');
  await join('c2'.repeat(10), '0000000000b2');
  assert.equal(room.peers().length, 2, 'a laptop and a phone: both stay');
  assert.ok(!sameDevice(sessions[0].link, sessions[1].link));
  await join('c3'.repeat(10), '0000000000a1');
  // The replaced load says goodbye first.
  await until(() => room.peers().length === 2, 'the replaced load gone');
  assert.deepEqual(
    room
      .peers()
      .map((p) => p.peerId)
      .sort(),
    ['c2'.repeat(10), 'c3'.repeat(10)],
    'the laptop’s reload replaced its old load',
  );
  assert.ok(sameDevice(sessions[0].link, sessions[2].link), 'two loads of one device');
});

test('a peer that sends anything else first, a device part of the wrong size, or a second one, loses its session', async () => {
  const cases = [
    ['app frame first', (ch) => ch.receive(encodeFrame({ kind: KIND.WHOLE, id: 1, total: 1, type: 'env', data: Uint8Array.of(1) }))],
    ['too short', (ch) => ch.receive(encodeFrame({ kind: KIND.WHOLE, id: 1, total: 5, type: 'device', data: new Uint8Array(5) }))],
    [
      'twice',
      (ch) => {
        ch.receive(encodeFrame({ kind: KIND.WHOLE, id: 1, total: 6, type: 'device', data: new Uint8Array(6) }));
        ch.receive(encodeFrame({ kind: KIND.WHOLE, id: 2, total: 6, type: 'device', data: new Uint8Array(6) }));
      },
    ],
  ];
  for (const [what, misbehave] of cases) {
    const { room, sessions } = makeRoom();
    const peerId = Buffer.from(what.padEnd(10, '.')).subarray(0, 10).toString('hex');
    const pc = await answered(room, peerId);
    await playPeer(pc, { fingerprint: FRIEND, instance: `${peerId}${'00'.repeat(6)}` });
    misbehave(pc.channel);
    await until(() => pc.channel.readyState === 'closed', `the session closed (${what})`);
    assert.equal(pc.channel.readyState, 'closed', what);
    assert.equal(room.peers().length, 0, what);
    if (what !== 'twice') assert.deepEqual(sessions, [], what);
  }
});
