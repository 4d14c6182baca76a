// How long ago, how long: the one formatter every view uses (ui/time.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ago, formatDuration, secondsUntil } from '../../templates/js/ui/time.js';

const NOW = 1_800_000_000_000;

test('ago says seconds, then minutes, hours and days, and never a time in the future', () => {
  assert.equal(ago(NOW + 5_000, NOW), '0 s ago', 'a clock ahead of ours is "now"');
  assert.equal(ago(NOW - 12_000, NOW), '12 s ago');
  assert.equal(ago(NOW - 90_000, NOW), '2 min ago');
  assert.equal(ago(NOW - 119 * 60_000, NOW), '119 min ago');
  assert.equal(ago(NOW - 3 * 3600_000, NOW), '3 h ago');
  assert.equal(ago(NOW - 47 * 3600_000, NOW), '47 h ago');
  assert.equal(ago(NOW - 4 * 86400_000, NOW), '4 days ago');
});

test('formatDuration reads like a clock, with hours only when there are some', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(-5_000), '0:00');
  assert.equal(formatDuration(59_600), '1:00');
  assert.equal(formatDuration(3_723_000), '1:02:03');
});

test('secondsUntil counts down to zero and stays there', () => {
  assert.equal(secondsUntil(NOW + 9_400, NOW), 9);
  assert.equal(secondsUntil(NOW - 1_000, NOW), 0);
});
