// The pure cores of net/mailbox-relays.js, tested without a socket: each
// relay's authentication and subscription tables (net/relay-state.js), what
// a relay's message means (net/relay-messages.js), and a catch-up's page
// bookkeeping (net/catch-up.js). tests/js/mailbox-relays.test.mjs drives
// the whole over real WebSockets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUTH_TRANSITIONS,
  SUBSCRIPTION_TRANSITIONS,
  authTransition,
  connected,
  createRelayState,
  forgetRelay,
  isPaused,
  subscriptionTransition,
} from '../../templates/js/net/relay-state.js';
import {
  PROFILE_KIND,
  WRAP_KIND,
  authMessage,
  closeOlderPage,
  interpretMessage,
  mailboxRequest,
  olderPageRequest,
  profileRequest,
} from '../../templates/js/net/relay-messages.js';
import { MAX_PAGES, countForPage, createCatchUp, emptyPage, movesCursor, nextPageUntil, olderPageUntil } from '../../templates/js/net/catch-up.js';

const AUTH_STATES = ['none', 'pending', 'ok', 'refused'];
const AUTH_EVENTS = ['connected', 'challenged', 'answering', 'accepted', 'refused'];
const SUBSCRIPTION_STATES = ['none', 'asked', 'live', 'waiting-auth', 'paused', 'closed'];
const SUBSCRIPTION_EVENTS = ['connected', 'ask', 'stored-end', 'auth-required', 'rate-limited', 'closed'];

// ---- relay-state: authentication ----

test('authentication: every state takes every event, into a known state, and the tables cannot be changed', () => {
  assert.deepEqual(Object.keys(AUTH_TRANSITIONS).sort(), [...AUTH_STATES].sort());
  for (const state of AUTH_STATES) {
    assert.deepEqual(Object.keys(AUTH_TRANSITIONS[state]).sort(), [...AUTH_EVENTS].sort(), state);
    for (const event of AUTH_EVENTS) assert.ok(AUTH_STATES.includes(authTransition(state, event)), `${state} --${event}-->`);
  }
  assert.ok(Object.isFrozen(AUTH_TRANSITIONS) && AUTH_STATES.every((s) => Object.isFrozen(AUTH_TRANSITIONS[s])));
});

test('authentication: a new connection forgets it, an answer settles it, and a new challenge voids it unless an answer is on its way', () => {
  for (const state of AUTH_STATES) {
    assert.equal(authTransition(state, 'connected'), 'none', `${state}: a new connection is a new NIP-42 session`);
    assert.equal(authTransition(state, 'accepted'), 'ok', state);
    assert.equal(authTransition(state, 'refused'), 'refused', state);
    assert.equal(authTransition(state, 'answering'), 'pending', state);
  }
  assert.equal(authTransition('ok', 'challenged'), 'none', 'what we answered before no longer counts');
  assert.equal(authTransition('refused', 'challenged'), 'none');
  assert.equal(authTransition('pending', 'challenged'), 'pending', 'the answer on its way is still judged');
  // The whole round: challenge, answer, OK.
  const round = ['challenged', 'answering', 'accepted'].reduce((s, e) => authTransition(s, e), 'none');
  assert.equal(round, 'ok');
});

test('authentication: a state or event outside the table throws (a programming error, never relay input)', () => {
  assert.throws(() => authTransition('none', 'ask'), /relay auth: no transition from none on ask/);
  assert.throws(() => authTransition('authenticated', 'accepted'), /no transition/);
  assert.throws(() => authTransition('none', 'toString'), /no transition/);
  assert.throws(() => authTransition('__proto__', 'accepted'), /no transition/);
});

// ---- relay-state: subscription ----

test('subscription: every state takes every event, and what the relay said last holds', () => {
  assert.deepEqual(Object.keys(SUBSCRIPTION_TRANSITIONS).sort(), [...SUBSCRIPTION_STATES].sort());
  const target = { connected: 'none', ask: 'asked', 'stored-end': 'live', 'auth-required': 'waiting-auth', 'rate-limited': 'paused', closed: 'closed' };
  for (const state of SUBSCRIPTION_STATES) {
    assert.deepEqual(Object.keys(SUBSCRIPTION_TRANSITIONS[state]).sort(), [...SUBSCRIPTION_EVENTS].sort(), state);
    for (const event of SUBSCRIPTION_EVENTS) assert.equal(subscriptionTransition(state, event), target[event], `${state} --${event}-->`);
  }
  assert.ok(Object.isFrozen(SUBSCRIPTION_TRANSITIONS) && SUBSCRIPTION_STATES.every((s) => Object.isFrozen(SUBSCRIPTION_TRANSITIONS[s])));
  // A relay that wants AUTH first: asked, closed for want of it, asked again once we answered, then its stored events end.
  const round = ['ask', 'auth-required', 'ask', 'stored-end'].reduce((s, e) => subscriptionTransition(s, e), 'none');
  assert.equal(round, 'live');
  assert.throws(() => subscriptionTransition('live', 'accepted'), /relay subscription: no transition from live on accepted/);
  assert.throws(() => subscriptionTransition('open', 'ask'), /no transition/);
  assert.throws(() => subscriptionTransition('live', 'constructor'), /no transition/);
});

test('a new connection resets the NIP-42 session and the subscription, and keeps the pause, the limit and the reading in progress', () => {
  const relay = createRelayState('wss://r.example');
  const catchUp = createCatchUp({ since: 10, upper: 20 });
  Object.assign(relay, {
    challenge: 'c',
    auth: 'ok',
    authRetries: 2,
    subscription: 'live',
    pausedUntil: 99,
    pauses: 3,
    maxMessage: 4096,
    askedAt: 15,
    catchUp,
  });
  connected(relay);
  assert.deepEqual(
    { challenge: relay.challenge, auth: relay.auth, authRetries: relay.authRetries, subscription: relay.subscription },
    { challenge: null, auth: 'none', authRetries: 0, subscription: 'none' },
  );
  assert.deepEqual({ pausedUntil: relay.pausedUntil, pauses: relay.pauses, maxMessage: relay.maxMessage }, { pausedUntil: 99, pauses: 3, maxMessage: 4096 });
  assert.equal(relay.catchUp, catchUp);
  assert.equal(relay.askedAt, 15);
});

test('a relay we stop reading from is forgotten, but what it had in progress goes on', () => {
  const relay = createRelayState('wss://r.example');
  const catchUp = createCatchUp({ since: 10, upper: 20 });
  const chain = Promise.resolve('handled');
  Object.assign(relay, {
    challenge: 'c',
    auth: 'pending',
    subscription: 'live',
    pausedUntil: 99,
    pauses: 3,
    maxMessage: 4096,
    timer: 7,
    chain,
    askedAt: 15,
    catchUp,
  });
  const forgotten = forgetRelay(relay);
  assert.notEqual(forgotten, relay, 'a new object: an answer to what was asked of the old one finds it gone');
  assert.deepEqual(forgotten, { ...createRelayState('wss://r.example'), chain, askedAt: 15, catchUp });
  assert.equal(relay.auth, 'pending', 'the old one is left as it was');
});

test('a pause lasts until its time, and a relay never paused is not', () => {
  const relay = createRelayState('wss://r.example');
  assert.equal(isPaused(relay, 1_000), false);
  assert.equal(isPaused(undefined, 1_000), false);
  relay.pausedUntil = 2_000;
  assert.equal(isPaused(relay, 1_999), true);
  assert.equal(isPaused(relay, 2_000), false);
});

// ---- relay-messages ----

test('the requests: our mailbox from `since` (no `until`: it stays live), an older page, our profile records, AUTH and the page’s end', () => {
  const key = 'ab'.repeat(32);
  assert.deepEqual(mailboxRequest(key, 100), ['REQ', 'trustero-mailbox', { kinds: [WRAP_KIND], '#p': [key], since: 100 }]);
  assert.deepEqual(olderPageRequest(key, 100, 200), ['REQ', 'trustero-mailbox-older', { kinds: [WRAP_KIND], '#p': [key], since: 100, until: 200 }]);
  assert.deepEqual(profileRequest('cd'.repeat(32)), ['REQ', 'trustero-profile', { kinds: [PROFILE_KIND], authors: ['cd'.repeat(32)] }]);
  assert.deepEqual(closeOlderPage(), ['CLOSE', 'trustero-mailbox-older']);
  assert.deepEqual(authMessage({ id: 'x' }), ['AUTH', { id: 'x' }]);
  assert.equal(WRAP_KIND, 1059);
  assert.equal(PROFILE_KIND, 30078);
});

test('what a relay says, by subscription: wraps, older wraps, profile records, the end of stored events, closings', () => {
  const event = { id: 'e' };
  assert.deepEqual(interpretMessage(['EVENT', 'trustero-mailbox', event]), { type: 'wrap', event });
  assert.deepEqual(interpretMessage(['EVENT', 'trustero-mailbox-older', event]), { type: 'older-wrap', event });
  assert.deepEqual(interpretMessage(['EVENT', 'trustero-profile', event]), { type: 'profile-record', event });
  assert.deepEqual(interpretMessage(['EOSE', 'trustero-mailbox']), { type: 'stored-end' });
  assert.deepEqual(interpretMessage(['EOSE', 'trustero-mailbox-older']), { type: 'page-end' });
  assert.deepEqual(interpretMessage(['CLOSED', 'trustero-mailbox', 'auth-required: who are you']), { type: 'closed', reason: 'auth-required: who are you' });
  assert.deepEqual(interpretMessage(['CLOSED', 'trustero-mailbox-older', 'error: too many']), { type: 'page-closed', reason: 'error: too many' });
  assert.deepEqual(interpretMessage(['OK', 'id1', true, '']), { type: 'ok', id: 'id1', accepted: true, message: '' });
  assert.deepEqual(interpretMessage(['OK', 'id1', 'true', 'no']), { type: 'ok', id: 'id1', accepted: false, message: 'no' }, 'only `true` accepts');
  assert.deepEqual(interpretMessage(['NOTICE', 'slow down']), { type: 'notice', text: 'slow down' });
  assert.deepEqual(interpretMessage(['AUTH', 'challenge-1']), { type: 'challenge', challenge: 'challenge-1' });
  assert.deepEqual(interpretMessage(['AUTH', 'c'.repeat(512)]), { type: 'challenge', challenge: 'c'.repeat(512) });
});

test('whatever else a relay says means nothing: other subscriptions, look-alike ids, malformed messages', () => {
  const junk = [
    null,
    'EVENT',
    {},
    [],
    ['EVENT', 'someone-else', { id: 'e' }],
    ['EVENT', ['trustero-mailbox'], { id: 'e' }], // an array whose text is our subscription's id
    ['EVENT', 'toString', { id: 'e' }],
    ['EVENT', '__proto__', { id: 'e' }],
    ['EOSE', 'trustero-profile'],
    ['EOSE', ['trustero-mailbox']],
    ['CLOSED', 'trustero-profile', 'closed'],
    ['OK', 42, true, ''],
    ['OK'],
    ['AUTH', 'c'.repeat(513)],
    ['AUTH', { challenge: 'c' }],
    ['COUNT', 'trustero-mailbox', { count: 1 }],
  ];
  for (const message of junk) assert.equal(interpretMessage(message), null, JSON.stringify(message));
});

// ---- catch-up ----

test('a page counts the wraps within the catch-up’s bounds, the new ones, the oldest, and those from the future', () => {
  const catchUp = createCatchUp({ since: 1_000, upper: 2_000 });
  assert.deepEqual(catchUp.page, emptyPage(null));
  const wrap = (id, at) => ({ id, created_at: at });
  assert.equal(countForPage(catchUp, wrap('a', 1_500)), true);
  assert.equal(countForPage(catchUp, wrap('b', 1_200)), true);
  assert.equal(countForPage(catchUp, wrap('a', 1_500)), true, 'a repeat is within bounds, but not new');
  assert.equal(countForPage(catchUp, wrap('c', 2_001)), false, 'from the future');
  assert.equal(countForPage(catchUp, wrap('d', 999)), false, 'older than the catch-up');
  assert.equal(countForPage(catchUp, { id: 'e', created_at: '1500' }), false, 'no date');
  assert.equal(countForPage(catchUp, { created_at: 1_500 }), false, 'no id');
  assert.equal(countForPage(catchUp, null), false);
  assert.deepEqual(catchUp.page, { until: null, inRange: 3, fresh: 2, oldest: 1_200, atUntil: false, beyond: 1, opened: 0, junk: 0 });
});

test('the next page goes on from the oldest new wrap; a saturated second goes on from the second before; nothing new ends it', () => {
  const bounds = { since: 1_000, upper: 2_000 };
  const page = (fields) => ({ ...emptyPage(null), ...fields });
  assert.equal(nextPageUntil(bounds, page({ fresh: 5, inRange: 5, oldest: 1_400 })), 1_400);
  assert.equal(nextPageUntil(bounds, page({ until: 1_400, fresh: 0, inRange: 500, atUntil: true, oldest: 1_400 })), 1_399);
  assert.equal(nextPageUntil(bounds, page({ until: 1_400, fresh: 0, inRange: 3, atUntil: false, oldest: 1_300 })), null);
  assert.equal(nextPageUntil(bounds, page({ beyond: 500 })), 2_000, 'a first answer of wraps from the future: ask again, bounded');
  assert.equal(nextPageUntil(bounds, page({ fresh: 1, inRange: 1, oldest: 1_000 })), null, 'at `since`: complete');
});

test('a catch-up stops at its page limit or its budget; it moves the cursor unless junk ended it or its budget ran out', () => {
  const catchUp = createCatchUp({ since: 1_000, upper: 2_000 });
  catchUp.page = { ...emptyPage(null), fresh: 5, inRange: 5, oldest: 1_400 };
  assert.equal(olderPageUntil(catchUp), 1_400);
  catchUp.pages = MAX_PAGES;
  assert.equal(olderPageUntil(catchUp), null, 'MAX_PAGES asked: over');
  catchUp.pages = 0;
  catchUp.over = true;
  assert.equal(olderPageUntil(catchUp), null, 'out of budget: over');
  assert.equal(movesCursor(catchUp), false, 'out of budget: the next catch-up starts from the same cursor');
  catchUp.over = false;
  catchUp.page.junk = 3;
  assert.equal(movesCursor(catchUp), false, 'a last page of nothing but junk');
  catchUp.page.opened = 1;
  assert.equal(movesCursor(catchUp), true, 'junk beside real mail');
  catchUp.page = emptyPage(1_400);
  assert.equal(movesCursor(catchUp), true, 'an empty last page');
});
