import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode } from '../../templates/js/base64url.js';

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
