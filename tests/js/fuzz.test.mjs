// Mutation fuzzing of the JavaScript decoders that take bytes or JSON from
// peers: frame reassembly (framing.js), message contents (content.js), chunk
// frames (transfers.js), call and renegotiation messages. Deterministic; the
// count per target is TRUSTERO_FUZZ_ITERATIONS (default 20,000; tests/fuzz.sh
// runs a long pass). Each must only ever refuse, never throw anything else,
// and never hold more than its stated bound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReceiver, encodeFrame, FramingError, KIND, MAX_BUFFERED } from '../../templates/js/net/framing.js';
import { checkContent } from '../../templates/js/chat/content.js';
import { decodeChunkFrame } from '../../templates/js/chat/transfers.js';
import { parseCallMessage } from '../../templates/js/calls/calls.js';
import { parseRtcMessage } from '../../templates/js/calls/negotiation.js';
import { frameLimit } from '../../templates/js/net/protocol.js';

const ITERATIONS = Number(process.env.TRUSTERO_FUZZ_ITERATIONS ?? 20_000);

function generator(seed) {
  let state = BigInt(seed) | 1n;
  const next = () => {
    state ^= (state << 13n) & 0xffffffffffffffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffffffffffffffffn;
    return Number(state & 0xffffffffn);
  };
  return { next, below: (n) => next() % Math.max(1, n) };
}

function mutate(rng, seed) {
  let data = Uint8Array.from(seed);
  for (let round = 0; round <= rng.below(4); round++) {
    const at = rng.below(data.length);
    switch (rng.below(6)) {
      case 0: if (data.length) data[at] ^= 1 << rng.below(8); break;
      case 1: if (data.length) data[at] = rng.next() & 0xff; break;
      case 2: if (data.length >= 4) new DataView(data.buffer).setUint32(Math.min(at, Math.max(0, data.length - 4)), [0, 1, 0x7fffffff, 0xffffffff, 0x10000][rng.below(5)]); break;
      case 3: data = data.slice(0, at); break;
      case 4: data = Uint8Array.from([...data.slice(0, at), ...Array.from({ length: 1 + rng.below(16) }, () => rng.next() & 0xff), ...data.slice(at)]); break;
      default: data = Uint8Array.from({ length: rng.below(300) }, () => rng.next() & 0xff);
    }
  }
  return data;
}

test('frame reassembly only ever refuses with FramingError, and holds no more than its bound', () => {
  const rng = generator(11);
  const seeds = [
    encodeFrame({ kind: KIND.WHOLE, id: 1, total: 3, type: 'env', data: Uint8Array.of(1, 2, 3) }),
    encodeFrame({ kind: KIND.FIRST, id: 2, total: 1_000_000, type: 'env', data: new Uint8Array(100) }),
    encodeFrame({ kind: KIND.MIDDLE, id: 2, data: new Uint8Array(100) }),
    encodeFrame({ kind: KIND.LAST, id: 2, data: new Uint8Array(100) }),
    encodeFrame({ kind: KIND.PING, id: 5 }),
    encodeFrame({ kind: KIND.BYE }),
  ];
  let receiver = createReceiver({ onMessage() {}, limitFor: frameLimit });
  for (let n = 0; n < ITERATIONS; n++) {
    try {
      receiver.push(mutate(rng, seeds[rng.below(seeds.length)]));
    } catch (error) {
      assert.ok(error instanceof FramingError, `input ${n}: ${error}`);
      receiver = createReceiver({ onMessage() {}, limitFor: frameLimit }); // the session would be dropped
    }
    assert.ok(receiver.buffered <= MAX_BUFFERED);
  }
});

function randomJson(rng, depth = 0) {
  const pick = rng.below(depth > 3 ? 5 : 8);
  switch (pick) {
    case 0: return null;
    case 1: return rng.below(2) === 0;
    case 2: return [0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, 256 * 1024, 1e308][rng.below(7)];
    case 3: return ['', 'text', 'file', 'call', 'group-invite', 'image/png', 'a'.repeat(rng.below(300)), 'data:image/jpeg;base64,'][rng.below(8)];
    case 4: return 'f'.repeat([32, 43, 64][rng.below(3)]);
    case 5: return Array.from({ length: rng.below(4) }, () => randomJson(rng, depth + 1));
    default: {
      const keys = ['t', 'body', 'fileId', 'size', 'mime', 'chunkSize', 'chunks', 'key', 'root', 'name', 'thumb', 'group', 'members', 'fingerprint', 'spki', 'id', 'nonce', 'secret', 'creator', 'epoch', 'video', 'outcome', 'n', '__proto__', 'constructor'];
      const value = {};
      for (let i = 0; i < rng.below(8); i++) value[keys[rng.below(keys.length)]] = randomJson(rng, depth + 1);
      return value;
    }
  }
}

test('content checks never throw on arbitrary JSON, and pass only their own shapes', () => {
  const rng = generator(12);
  for (let n = 0; n < ITERATIONS; n++) {
    const value = randomJson(rng);
    const checked = checkContent(value);
    if (checked !== null) {
      assert.equal(typeof checked.t, 'string');
      // What passes can be shown: strings where strings are drawn.
      if (checked.t === 'text') assert.equal(typeof checked.body, 'string');
      if (checked.t === 'file') assert.equal(typeof checked.mime, 'string');
      if (checked.group) assert.ok(Array.isArray(checked.group.members));
    }
  }
});

test('chunk frames, call and renegotiation messages only ever refuse', () => {
  const rng = generator(13);
  const utf8 = (value) => new TextEncoder().encode(JSON.stringify(value));
  for (let n = 0; n < ITERATIONS; n++) {
    const bytes = mutate(rng, new Uint8Array(60 + rng.below(20)));
    const chunk = decodeChunkFrame(bytes);
    if (chunk) assert.ok(chunk.sealed.length < bytes.length);
    const json = utf8(randomJson(rng));
    parseCallMessage(json);
    try {
      parseRtcMessage(json);
    } catch (error) {
      assert.equal(error.code, 'malformed');
    }
  }
});
