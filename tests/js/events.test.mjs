// core/events.js: named events, in subscription order, robust to listeners
// that throw or unsubscribe while called.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEvents } from '../../templates/js/core/events.js';

test('listeners of a name hear its events in the order they subscribed; other names and unsubscribed listeners do not', () => {
  const events = createEvents();
  const heard = [];
  events.on('a', (p) => heard.push(['first', p]));
  const off = events.on('a', (p) => heard.push(['second', p]));
  events.on('b', (p) => heard.push(['b', p]));
  events.emit('a', 1);
  off();
  events.emit('a', 2);
  events.emit('c', 3);
  assert.deepEqual(heard, [['first', 1], ['second', 1], ['first', 2]]);
  events.clear();
  events.emit('a', 4);
  events.emit('b', 4);
  assert.equal(heard.length, 3);
});

test('a listener that throws is reported and the others still hear the event; one may unsubscribe another while called', () => {
  const events = createEvents();
  const heard = [];
  const reported = [];
  const original = globalThis.reportError;
  globalThis.reportError = (error) => reported.push(error.message);
  try {
    let offLast = () => {};
    events.on('x', () => {
      throw new Error('broken view');
    });
    events.on('x', (p) => {
      heard.push(p);
      offLast();
    });
    offLast = events.on('x', (p) => heard.push(`last ${p}`));
    events.emit('x', 'one');
    events.emit('x', 'two');
  } finally {
    globalThis.reportError = original;
  }
  // The listener unsubscribed during the first emit still heard that one (emission works on a copy).
  assert.deepEqual(heard, ['one', 'last one', 'two']);
  assert.deepEqual(reported, ['broken view', 'broken view']);
});
