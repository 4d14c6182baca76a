// The frame codec and message reassembly, without a network.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CHUNK_SIZE, FramingError, KIND, MAX_BUFFERED, MAX_PARTIAL, createReceiver, createSender, decodeFrame, encodeFrame,
} from '../../templates/js/net/framing.js';

// The tests' own frame table: every type they use may be up to 16 MiB.
const ANY_KNOWN = (type) => (['chat', 'file', 'small', 'big', 'empty', 'exact', 't'].includes(type) ? 16 << 20 : 0);

function pipe({ limitFor = ANY_KNOWN } = {}) {
  const frames = [];
  const received = [];
  const progress = [];
  const receiver = createReceiver({
    onMessage: (type, data) => received.push({ type, data }),
    onProgress: (type, id, done, total) => progress.push([done, total]),
    limitFor,
  });
  const sender = createSender(async (frame) => {
    frames.push(frame);
    receiver.push(frame);
  });
  return { sender, receiver, frames, received, progress };
}

test('every frame kind round-trips through the codec', () => {
  const data = Uint8Array.of(1, 2, 3);
  for (const frame of [
    { kind: KIND.WHOLE, id: 7, total: 3, type: 'chat', data },
    { kind: KIND.FIRST, id: 8, total: 1000, type: 'file', data },
    { kind: KIND.MIDDLE, id: 8, data },
    { kind: KIND.LAST, id: 8, data },
    { kind: KIND.PING, id: 99 },
    { kind: KIND.PONG, id: 99 },
    { kind: KIND.BYE },
  ]) {
    const decoded = decodeFrame(encodeFrame(frame));
    assert.equal(decoded.kind, frame.kind);
    if ('id' in frame) assert.equal(decoded.id, frame.id);
    if (frame.type) assert.equal(decoded.type, frame.type);
    if (frame.data) assert.deepEqual(decoded.data, frame.data);
  }
});

test('small messages are one frame, big ones are chunked and reassembled exactly', async () => {
  const { sender, frames, received, progress } = pipe();
  await sender.send('small', Uint8Array.of(9, 9));
  assert.equal(frames.length, 1);
  const big = Uint8Array.from({ length: CHUNK_SIZE * 3 + 17 }, (_, i) => i & 0xff);
  await sender.send('big', big);
  assert.equal(frames.length, 1 + 4);
  assert.deepEqual(received.map((m) => m.type), ['small', 'big']);
  assert.deepEqual(received[1].data, big);
  assert.deepEqual(progress.at(-1), [big.length, big.length]);
});

test('an empty message and a message of exactly one chunk are single frames', async () => {
  const { sender, frames, received } = pipe();
  await sender.send('empty', new Uint8Array(0));
  await sender.send('exact', new Uint8Array(CHUNK_SIZE));
  assert.equal(frames.length, 2);
  assert.equal(received[0].data.length, 0);
  assert.equal(received[1].data.length, CHUNK_SIZE);
});

test('malformed frames are refused with a FramingError', () => {
  const { receiver } = pipe();
  for (const bad of [new Uint8Array(0), Uint8Array.of(1, 0, 0), Uint8Array.of(42, 0, 0, 0, 0), Uint8Array.of(3, 0, 0, 0, 1, 5)]) {
    assert.throws(() => receiver.push(bad), FramingError);
  }
  const lying = encodeFrame({ kind: KIND.WHOLE, id: 1, total: 10, type: 't', data: Uint8Array.of(1) });
  assert.throws(() => receiver.push(lying), /length mismatch/);
});

test('chunks beyond the announced length, or a short ending, are refused', () => {
  const { receiver } = pipe();
  receiver.push(encodeFrame({ kind: KIND.FIRST, id: 5, total: 4, type: 't', data: Uint8Array.of(1, 2) }));
  assert.throws(() => receiver.push(encodeFrame({ kind: KIND.LAST, id: 5, data: Uint8Array.of(3, 4, 5) })), /exceed/);
  const other = pipe().receiver;
  other.push(encodeFrame({ kind: KIND.FIRST, id: 6, total: 4, type: 't', data: Uint8Array.of(1) }));
  assert.throws(() => other.push(encodeFrame({ kind: KIND.LAST, id: 6, data: Uint8Array.of(2) })), /ended short/);
});

test('size limits per type are enforced before anything is buffered', () => {
  const { receiver } = pipe({ limitFor: (type) => (type === 'chat' ? 100 : 1 << 20) });
  assert.throws(
    () => receiver.push(encodeFrame({ kind: KIND.FIRST, id: 1, total: 5000, type: 'chat', data: new Uint8Array(10) })),
    /exceeds its size limit/,
  );
  assert.equal(receiver.pending, 0);
});

test('a peer cannot open unlimited partial messages', () => {
  const { receiver } = pipe();
  for (let id = 1; id <= MAX_PARTIAL; id++) {
    receiver.push(encodeFrame({ kind: KIND.FIRST, id, total: 100, type: 't', data: new Uint8Array(10) }));
  }
  assert.throws(
    () => receiver.push(encodeFrame({ kind: KIND.FIRST, id: 99, total: 100, type: 't', data: new Uint8Array(10) })),
    /too many messages/,
  );
});

test('control frames are handed back to the session layer', () => {
  const { receiver } = pipe();
  assert.deepEqual(receiver.push(encodeFrame({ kind: KIND.PING, id: 3 })), { kind: KIND.PING, id: 3 });
  assert.deepEqual(receiver.push(encodeFrame({ kind: KIND.BYE })), { kind: KIND.BYE });
});

test('a message type the receiver does not know is refused, however small', () => {
  const { receiver, received } = pipe();
  assert.throws(() => receiver.push(encodeFrame({ kind: KIND.WHOLE, id: 1, total: 0, type: 'mystery', data: new Uint8Array(0) })), /unknown message type/);
  assert.throws(() => receiver.push(encodeFrame({ kind: KIND.FIRST, id: 2, total: 64 << 20, type: 'mystery', data: new Uint8Array(8) })), /unknown message type/);
  assert.equal(received.length, 0);
  assert.equal(receiver.buffered, 0);
});

test('announcing a big message allocates nothing until its data arrives', () => {
  const { receiver } = pipe();
  // 16 MiB announced, 10 bytes sent: only the 10 bytes are held.
  receiver.push(encodeFrame({ kind: KIND.FIRST, id: 1, total: 16 << 20, type: 'big', data: new Uint8Array(10) }));
  assert.equal(receiver.buffered, 10);
  receiver.push(encodeFrame({ kind: KIND.MIDDLE, id: 1, data: new Uint8Array(1000) }));
  assert.equal(receiver.buffered, 1010);
});

test('unfinished data from one peer is bounded, across all its messages', () => {
  const { receiver } = pipe();
  const chunk = new Uint8Array(CHUNK_SIZE);
  let pushed = 0;
  assert.throws(() => {
    for (let id = 1; id <= MAX_PARTIAL; id++) {
      receiver.push(encodeFrame({ kind: KIND.FIRST, id, total: 16 << 20, type: 'big', data: chunk }));
      pushed += chunk.length;
    }
    for (;;) {
      for (let id = 1; id <= MAX_PARTIAL; id++) {
        receiver.push(encodeFrame({ kind: KIND.MIDDLE, id, data: chunk }));
        pushed += chunk.length;
      }
    }
  }, /too much unfinished data/);
  assert.ok(receiver.buffered <= MAX_BUFFERED);
  assert.ok(pushed <= MAX_BUFFERED);
});

test('a finished message frees what it held', async () => {
  const { sender, receiver, received } = pipe();
  await sender.send('big', new Uint8Array(CHUNK_SIZE * 5));
  assert.equal(received.length, 1);
  assert.equal(receiver.buffered, 0);
});
