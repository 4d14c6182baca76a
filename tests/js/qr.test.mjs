// The QR encoder against an independent decoder (jsQR), across every version
// and error-correction level.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import jsQR from 'jsqr';
import { encode } from '../../templates/js/ui/qr.js';

function decode(code, scale = 2) {
  const quiet = 4;
  const side = (code.size + 2 * quiet) * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  code.modules.forEach((row, y) => row.forEach((dark, x) => {
    if (!dark) return;
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const i = (((y + quiet) * scale + dy) * side + (x + quiet) * scale + dx) * 4;
        pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
      }
    }
  }));
  return jsQR(pixels, side, side)?.data;
}

test('every version 1-40 at every level decodes back to its text', () => {
  const seen = new Set();
  for (const level of ['L', 'M', 'Q', 'H']) {
    for (let length = 1; length < 3000; length = Math.ceil(length * 1.35) + 1) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join('');
      let code;
      try {
        code = encode(text, level);
      } catch {
        break; // beyond version 40 at this level
      }
      seen.add(code.version);
      assert.equal(code.size, code.version * 4 + 17);
      assert.equal(decode(code), text, `level ${level}, ${length} bytes, version ${code.version}`);
    }
  }
  assert.ok(seen.has(1) && seen.has(40), `versions seen: ${[...seen].sort((a, b) => a - b)}`);
});

test('an add-me link with a 4096-bit key fits and decodes', () => {
  const link = `http://localhost:9000/index.htm#add=${'A'.repeat(736)}`;
  const code = encode(link, 'M');
  assert.equal(decode(code, 3), link);
});

test('UTF-8 text survives byte mode', () => {
  const text = 'grüße 👋 — ключ';
  assert.equal(decode(encode(text, 'Q')), text);
});

test('text beyond version 40 is refused with a clear error', () => {
  assert.throws(() => encode('x'.repeat(3000), 'H'), /do not fit in a QR code/);
});
