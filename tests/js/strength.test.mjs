import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimate, MIN_BITS } from '../../templates/js/core/strength.js';

test('the most common passwords are refused with a reason', () => {
  for (const password of ['password', 'Password1', '123456789', 'qwertyuiop', 'iloveyou', 'letmein!']) {
    const result = estimate(password);
    assert.equal(result.acceptable, false, password);
    assert.ok(result.feedback.length > 0, password);
  }
});

test('short, repetitive or sequential passwords are refused', () => {
  for (const password of ['Summer2024!', 'aaaaaaaaaaaaaaaa', 'abcdefgh12345678', 'ilovemycat']) {
    assert.equal(estimate(password).acceptable, false, password);
  }
});

test('a password containing the username is refused', () => {
  const result = estimate('alice-the-great-2024', { username: 'alice' });
  assert.equal(result.acceptable, false);
  assert.ok(result.feedback.some((f) => /username/.test(f)));
});

test('random passphrases and random character strings are accepted', () => {
  for (const password of ['correct horse battery staple', 'zebra-lantern-orbit-velvet-quarry', 'x7$kP!q9Zm#2', 'Tr0ub4dor&3 is not enough, but this is']) {
    const result = estimate(password);
    assert.ok(result.acceptable, `${password}: ${result.bits} bits`);
    assert.ok(result.bits >= MIN_BITS);
  }
});

test('levels rise with strength', () => {
  const levels = ['123', 'purple monkey', 'purple monkey dishwasher', 'zebra-lantern-orbit-velvet-quarry'].map((p) => estimate(p).level);
  assert.deepEqual([...levels].sort(), levels);
  assert.equal(estimate('').acceptable, false);
});
