import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../templates/js/net/backoff.js';

test('retry delays grow exponentially, stay jittered in the upper half and are capped', () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = Math.min(60_000, 1_000 * 2 ** attempt);
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(attempt);
      assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay}`);
    }
  }
  const spread = new Set(Array.from({ length: 20 }, () => backoffDelay(5)));
  assert.ok(spread.size > 10, 'clients do not retry in lockstep');
});
