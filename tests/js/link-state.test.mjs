// The lifecycle of a peer session (net/link-state.js): the transitions a
// link may take, the ones it must refuse, and what each state allows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureReason, sealsFrames, TRANSITIONS, transition } from '../../templates/js/net/link-state.js';

const STATES = ['connecting', 'handshake', 'verified', 'ready', 'closed'];
const EVENTS = ['open', 'verified', 'device', 'close'];

test('a link goes connecting → handshake → verified → ready → closed, one event at a time', () => {
  let state = 'connecting';
  const seen = [state];
  for (const event of ['open', 'verified', 'device', 'close']) {
    state = transition(state, event);
    seen.push(state);
  }
  assert.deepEqual(seen, ['connecting', 'handshake', 'verified', 'ready', 'closed']);
});

test('a link closes from every state but closed', () => {
  for (const state of STATES.filter((s) => s !== 'closed')) assert.equal(transition(state, 'close'), 'closed', state);
});

test('the table allows exactly the lifecycle, and every other transition is refused with a clear error', () => {
  const allowed = new Set(['connecting open', 'connecting close', 'handshake verified', 'handshake close', 'verified device', 'verified close', 'ready close']);
  for (const state of STATES) {
    for (const event of EVENTS) {
      if (allowed.has(`${state} ${event}`)) {
        assert.ok(STATES.includes(transition(state, event)), `${state} on ${event}`);
      } else {
        assert.throws(() => transition(state, event), new RegExp(`^Error: link: no transition from ${state} on ${event}$`), `${state} on ${event}`);
      }
    }
  }
});

test('nothing leaves closed: a handshake step or a channel that finishes after the link closed cannot revive it', () => {
  for (const event of EVENTS) assert.throws(() => transition('closed', event), /no transition from closed/);
});

test('steps out of order are refused: no device part before the handshake verified the peer, no second handshake', () => {
  assert.throws(() => transition('handshake', 'device'), /no transition/);
  assert.throws(() => transition('connecting', 'verified'), /no transition/);
  assert.throws(() => transition('ready', 'device'), /no transition/);
  assert.throws(() => transition('ready', 'verified'), /no transition/);
  assert.throws(() => transition('verified', 'open'), /no transition/);
});

test('unknown states and events, and names an object inherits, are refused', () => {
  assert.throws(() => transition('ready', 'explode'), /no transition from ready on explode/);
  assert.throws(() => transition('lost', 'close'), /no transition from lost on close/);
  for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    assert.throws(() => transition('ready', name), /no transition/, name);
    assert.throws(() => transition(name, 'close'), /no transition/, name);
  }
});

test('the table is frozen and names only known states and events', () => {
  assert.ok(Object.isFrozen(TRANSITIONS));
  assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...STATES].sort());
  for (const [state, row] of Object.entries(TRANSITIONS)) {
    assert.ok(Object.isFrozen(row), state);
    for (const [event, next] of Object.entries(row)) {
      assert.ok(EVENTS.includes(event), `${state}: ${event}`);
      assert.ok(STATES.includes(next), `${state} on ${event}: ${next}`);
    }
  }
  assert.throws(() => {
    TRANSITIONS.closed.open = 'ready';
  }, TypeError);
});

test('frames are sealed from verified on (our device part goes first), and never before or after', () => {
  assert.deepEqual(
    STATES.filter((state) => sealsFrames(state)),
    ['verified', 'ready'],
  );
});

test('a frame that could not be taken closes the link for the reason its state and error say', () => {
  assert.equal(failureReason('handshake', undefined), 'rejected', 'the peer refused during the handshake');
  assert.equal(failureReason('handshake', 'malformed'), 'rejected');
  assert.equal(failureReason('ready', 'framing'), 'protocol-error');
  assert.equal(failureReason('verified', undefined), 'protocol-error');
  for (const state of ['handshake', 'verified', 'ready']) assert.equal(failureReason(state, 'frame-rejected'), 'frame-rejected', state);
});
