// calls/calls.js with several devices per member, without a browser: fake
// sessions (one per device; a device may be reached over two rooms), no
// media devices (as a page without microphone access), and mocked timers
// for the ring timeout. What is asserted is the call protocol each device
// sees: who is rung, who is told to stop, where the media stays.

import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { RING_TIMEOUT_MS, createCalls, parseCallMessage } from '../../templates/js/calls/calls.js';
import { createSessions } from '../../templates/js/net/sessions.js';

globalThis.MediaStream ??= class {
  getTracks() {
    return [];
  }
  addTrack() {}
  removeTrack() {}
};

const UMA = 'a'.repeat(64);
const TESS = 'b'.repeat(64);
const CONV = 'conv';
const utf8 = (value) => new TextEncoder().encode(JSON.stringify(value));

/** A ready session to a device (`device`: 6 bytes as 12 hex digits) that records what it is sent. */
function link(device, name) {
  const instance = new Uint8Array(16);
  instance.set(Buffer.from(device, 'hex'), 10);
  const pc = new EventTarget();
  pc.signalingState = 'stable';
  pc.getStats = async () => new Map();
  const sent = [];
  return {
    name,
    state: 'ready',
    closeReason: null,
    role: 'offerer',
    peer: { instance },
    pc,
    sent,
    ops: () => sent.filter((s) => s.type === 'call').map((s) => parseCallMessage(s.data).op),
    send: async (type, data) => {
      sent.push({ type, data });
    },
  };
}

/** One side of a call: its registry, its calls, what it recorded, the calls that rang and those that ended. */
function side(fingerprint, member) {
  const sessions = createSessions();
  const records = [];
  const rings = [];
  const ended = [];
  const calls = createCalls({
    identity: { fingerprint },
    sessions,
    membersOf: () => [{ fingerprint: member }],
    record: async (conversationId, content) => records.push(content),
  });
  calls.events.on('ringing', ({ call }) => rings.push(call));
  calls.events.on('call-changed', (change) => change.ended && ended.push(change.ended));
  const from = (fp, via, op, id, extra = {}) => calls.frames.call(fp, via, utf8({ op, id, ...extra }));
  return { sessions, calls, records, rings, ended, from };
}

test('a call rings every device of the member once; the first device to answer takes it and only the others are told to stop', async () => {
  const uma = side(UMA, TESS);
  const laptop = link('0000000000a1', 'laptop (pair room)');
  const laptopGroup = link('0000000000a1', 'laptop (group room)');
  const phone = link('0000000000b2', 'phone');
  for (const l of [laptop, laptopGroup, phone]) uma.sessions.add(TESS, l);
  const call = await uma.calls.start(CONV, { video: false });
  for (const l of [laptop, laptopGroup, phone]) assert.deepEqual(l.ops(), ['invite'], l.name);

  // The laptop answers over the group room.
  uma.from(TESS, laptopGroup, 'accept', call.id);
  assert.deepEqual(phone.ops(), ['invite', 'elsewhere'], 'the phone stops ringing');
  assert.equal(parseCallMessage(phone.sent.at(-1).data).how, 'answered');
  assert.deepEqual(laptop.ops(), ['invite'], 'the laptop is not told to stop over its other room');
  assert.deepEqual(laptopGroup.ops(), ['invite', 'here']);
  const tess = uma.calls.current().participants.get(TESS);
  assert.equal(tess.state, 'joined');
  assert.equal(tess.link, laptopGroup);

  // The phone answered at the same moment: it is told it lost, and the media stays with the laptop.
  uma.from(TESS, phone, 'accept', call.id);
  assert.deepEqual(phone.ops(), ['invite', 'elsewhere', 'elsewhere']);
  assert.equal(uma.calls.current().participants.get(TESS).link, laptopGroup);

  // Another device of Tess coming online changes nothing; the laptop reloading (same device) takes the media over.
  const tablet = link('0000000000c3', 'tablet');
  uma.sessions.add(TESS, tablet);
  assert.equal(uma.calls.current().participants.get(TESS).link, laptopGroup);
  const reloaded = link('0000000000a1', 'laptop after a reload');
  uma.sessions.add(TESS, reloaded);
  assert.equal(uma.calls.current().participants.get(TESS).link, reloaded);
  assert.deepEqual(reloaded.ops(), ['resume']);
  uma.calls.close();
});

test('declining on one device declines for the member; busy on one device lets the others ring', async () => {
  const uma = side(UMA, TESS);
  const laptop = link('0000000000a1', 'laptop');
  const phone = link('0000000000b2', 'phone');
  uma.sessions.add(TESS, laptop);
  uma.sessions.add(TESS, phone);
  let call = await uma.calls.start(CONV, { video: false });
  uma.from(TESS, laptop, 'busy', call.id);
  assert.equal(uma.calls.current()?.participants.get(TESS).state, 'ringing', 'the phone may still answer');
  uma.from(TESS, phone, 'decline', call.id);
  assert.equal(uma.calls.current(), null, 'declined: the call ends');
  assert.deepEqual(uma.records.at(-1), { t: 'call', video: false, outcome: 'declined', durationMs: 0 });

  // With one device only, busy ends the call as busy.
  const alone = side(UMA, TESS);
  alone.sessions.add(TESS, link('0000000000e5', 'only device'));
  const busyCall = await alone.calls.start(CONV, { video: false });
  alone.from(TESS, alone.sessions.linkTo(TESS), 'busy', busyCall.id);
  assert.equal(alone.calls.current(), null);
  assert.deepEqual(
    alone.ended.map((call) => [call.id, call.outcome]),
    [[busyCall.id, 'busy']],
  );
  alone.calls.close();

  call = await uma.calls.start(CONV, { video: false });
  uma.from(TESS, phone, 'decline', call.id);
  assert.equal(parseCallMessage(laptop.sent.at(-1).data).op, 'elsewhere');
  assert.equal(parseCallMessage(laptop.sent.at(-1).data).how, 'declined');
  uma.calls.close();
});

test('a device that rings stops when the caller says another device answered; the word of anyone else is ignored', async () => {
  const phone = side(TESS, UMA);
  const toUma = link('0000000000d4', 'Uma');
  phone.sessions.add(UMA, toUma);
  const id = 'f'.repeat(32);
  phone.from(UMA, toUma, 'invite', id, { conv: CONV, video: false, members: [TESS] });
  assert.equal(phone.rings.length, 1);
  phone.from('c'.repeat(64), toUma, 'elsewhere', id, { how: 'answered' });
  assert.equal(phone.calls.current()?.id, id, 'not from the caller: still ringing');
  phone.from(UMA, toUma, 'elsewhere', id, { how: 'answered' });
  assert.equal(phone.calls.current(), null);
  assert.deepEqual(
    phone.ended.map((call) => [call.id, call.outcome]),
    [[id, 'answered-elsewhere']],
  );
  assert.equal(phone.records.length, 0, 'only the caller writes the call into the conversation');
  phone.calls.close();
});

test('an unanswered call stops ringing on every device after the ring timeout, and the caller records it as missed', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
  try {
    const uma = side(UMA, TESS);
    const laptop = link('0000000000a1', 'laptop');
    const phone = link('0000000000b2', 'phone');
    uma.sessions.add(TESS, laptop);
    uma.sessions.add(TESS, phone);
    const call = await uma.calls.start(CONV, { video: false });
    const callee = side(TESS, UMA);
    const toUma = link('0000000000d4', 'Uma');
    callee.sessions.add(UMA, toUma);
    callee.from(UMA, toUma, 'invite', call.id, { conv: CONV, video: false, members: [TESS] });

    mock.timers.tick(RING_TIMEOUT_MS - 1);
    assert.equal(uma.calls.current()?.id, call.id, 'still ringing just before the timeout');
    mock.timers.tick(1);
    assert.equal(uma.calls.current(), null);
    for (const l of [laptop, phone]) assert.equal(l.ops().at(-1), 'cancel', l.name);
    assert.deepEqual(uma.records, [{ t: 'call', video: false, outcome: 'missed', durationMs: 0 }]);
    // A callee that never heard the cancel stops by itself a little later.
    assert.equal(callee.calls.current()?.id, call.id);
    mock.timers.tick(5_000);
    assert.equal(callee.calls.current(), null);
    assert.deepEqual(
      callee.ended.map((ended) => [ended.id, ended.outcome]),
      [[call.id, 'missed']],
    );
    uma.calls.close();
    callee.calls.close();
  } finally {
    mock.timers.reset();
  }
});
