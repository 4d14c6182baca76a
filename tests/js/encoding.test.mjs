import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode, toBase64, fromBase64, toHex, fromHex } from '../../templates/js/core/encoding.js';

test('round trips every length without padding or +/', () => {
  for (let length = 0; length < 70; length++) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + 251) & 0xff);
    const text = encode(bytes);
    assert.doesNotMatch(text, /[+/=]/);
    assert.deepEqual(decode(text), bytes);
  }
});

test('invalid input is refused', () => {
  assert.throws(() => decode('abc$'), /not a base64url string/);
  assert.throws(() => decode('a'), /not a base64url string/);
});

test('base64 and hex round trip and refuse junk', () => {
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  assert.deepEqual(fromBase64(toBase64(bytes)), bytes);
  assert.deepEqual(fromHex(toHex(bytes)), bytes);
  assert.throws(() => fromBase64('a"b'), /not a base64/);
  assert.throws(() => fromHex('abc'), /not a hex/);
});
