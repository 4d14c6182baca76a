// The timing profile (templates/js/core/timing.js): the release's timers
// unless a test passes its own, and nothing else gets in.

import { test } from 'node:test';
import assert from 'node:assert/strict';

const { RELEASE_TIMING, timingProfile } = await import('../../templates/js/core/timing.js');

test('with nothing given, the release profile is in force, and it cannot be changed', () => {
  for (const given of [undefined, null, 'fast', 42, []]) assert.deepEqual(timingProfile(given), RELEASE_TIMING);
  assert.ok(Object.isFrozen(timingProfile(undefined)));
  assert.throws(() => {
    'use strict';
    RELEASE_TIMING.heartbeatMs = 1;
  }, TypeError);
});

test('a test profile replaces the timers it names, with positive numbers only', () => {
  const timing = timingProfile({ statsEveryMs: 250, relayAfterMs: 0, heartbeatMs: -5, silenceTimeoutMs: Number.NaN, unknown: 1 });
  assert.equal(timing.statsEveryMs, 250);
  assert.equal(timing.relayAfterMs, RELEASE_TIMING.relayAfterMs, 'zero is refused');
  assert.equal(timing.heartbeatMs, RELEASE_TIMING.heartbeatMs, 'a negative value is refused');
  assert.equal(timing.silenceTimeoutMs, RELEASE_TIMING.silenceTimeoutMs, 'NaN is refused');
  assert.equal('unknown' in timing, false);
  assert.equal(timingProfile({ heartbeatMs: '100' }).heartbeatMs, RELEASE_TIMING.heartbeatMs, 'a string is refused');
});

test('a session may never be closed for silence before two heartbeats could have come', () => {
  const timing = timingProfile({ heartbeatMs: 4_000, silenceTimeoutMs: 1_000 });
  assert.equal(timing.silenceTimeoutMs, 8_000);
  assert.deepEqual(timingProfile({ heartbeatMs: 2_000, silenceTimeoutMs: 6_000 }), { ...RELEASE_TIMING, heartbeatMs: 2_000, silenceTimeoutMs: 6_000 });
});
