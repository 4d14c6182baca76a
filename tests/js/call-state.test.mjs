// calls/call-state.js: the call protocol's decisions as a pure step function,
// run without sessions, media or timers. Links are plain records (a state,
// a close reason, the device their instance id names); what is asserted is
// the next call and the effects, in order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSED_GRACE_MS, LATE_RING_TIMEOUT_MS, MAX_PARTICIPANTS, RECONNECT_GRACE_MS, RING_TIMEOUT_MS, step } from '../../templates/js/calls/call-state.js';

const US = '0'.repeat(64);
const UMA = 'a'.repeat(64);
const TESS = 'b'.repeat(64);
const VIC = 'c'.repeat(64);
const STRANGER = 'd'.repeat(64);
const CONV = 'conv';
const ID = '1'.repeat(32);
const OTHER_ID = '2'.repeat(32);
const T0 = 1_000_000;

/** A ready session reaching `device` (12 hex digits: the device part of its instance id). */
const link = (name, device, fields = {}) => ({ name, state: 'ready', closeReason: null, peer: { instance: '0'.repeat(20) + device }, ...fields });

/** Runs events one after the other from `call` (each at T0 unless it says); the last call and every effect. */
function play(call, ...events) {
  const effects = [];
  for (const event of events) {
    const result = step(call, { now: T0, ...event });
    call = result.call;
    effects.push(...result.effects);
  }
  return { call, effects };
}

const types = (effects) => effects.map((effect) => effect.type);
/** The messages sent, as 'link op' (with `how` for elsewhere). */
const sent = (effects) => effects.filter((e) => e.type === 'send').map((e) => `${e.to.name} ${e.op}${e.extra?.how ? ` ${e.extra.how}` : ''}`);
const stateOf = (call, fingerprint) => call.participants.get(fingerprint)?.state;
/** A call message from `from` on `via`; `members`: the conversation's, without us. */
const message = (from, via, op, extra = {}, { id = ID, members = [UMA, TESS, VIC], now = T0 } = {}) => ({
  type: 'message',
  from,
  link: via,
  body: { op, id, ...extra },
  members,
  now,
});
/** What the session registry answers: `links` by fingerprint, the last one current. */
const reach = (links) => ({
  linkTo: Object.fromEntries(Object.entries(links).map(([fingerprint, list]) => [fingerprint, list.at(-1) ?? null])),
  linksTo: links,
});

// ---- the callee: Uma calls us (and Tess) ----

const toUma = link('uma', '0000000000a1');
const tessLaptop = link('tess laptop', '0000000000b1');
const tessPhone = link('tess phone', '0000000000b2');

function incoming() {
  return play(null, message(UMA, toUma, 'invite', { conv: CONV, video: true, members: [US, TESS] }));
}

/** Answered, with Tess still ringing (and no session with her yet). */
function answered() {
  return play(incoming().call, { type: 'accept' }, { type: 'announce', reach: reach({ [UMA]: [toUma] }) });
}

test('an invite from a member rings: the caller is in the call, the members it names ring', () => {
  const { call, effects } = incoming();
  assert.equal(call.id, ID);
  assert.equal(call.state, 'ringing');
  assert.equal(call.outgoing, false);
  assert.equal(call.accepted, false);
  assert.equal(call.initiator, UMA);
  assert.equal(call.video, true);
  assert.deepEqual([...call.participants.keys()], [UMA, TESS], 'Vic was not invited');
  assert.equal(stateOf(call, UMA), 'joined');
  assert.equal(call.participants.get(UMA).link, toUma);
  assert.equal(stateOf(call, TESS), 'ringing');
  assert.deepEqual(effects, [{ type: 'ring-timer', ms: LATE_RING_TIMEOUT_MS }, { type: 'ticking' }, { type: 'ring' }, { type: 'changed' }]);
});

test('an invite from someone not of that conversation, or naming too many, rings no one it should not', () => {
  assert.deepEqual(play(null, message(STRANGER, toUma, 'invite', { conv: CONV })), { call: null, effects: [] });
  const crowd = Array.from({ length: MAX_PARTICIPANTS }, (_, i) => String(i).repeat(64));
  const { call } = play(null, message(UMA, toUma, 'invite', { conv: CONV, members: [TESS, ...crowd] }));
  assert.deepEqual([...call.participants.keys()], [UMA], 'more members than a call takes: only the caller');
});

test('a repeated invite changes nothing; an invite to another call while in one is answered busy', () => {
  const { call } = incoming();
  assert.deepEqual(play(call, message(UMA, toUma, 'invite', { conv: CONV, video: true, members: [US, TESS] })), { call, effects: [] });
  const other = play(call, message(VIC, link('vic', '0000000000c1'), 'invite', { conv: CONV }, { id: OTHER_ID }));
  assert.deepEqual(other.call, call);
  assert.deepEqual(other.effects, [{ type: 'send', to: other.effects[0].to, id: OTHER_ID, op: 'busy' }]);
  assert.equal(other.effects[0].to.name, 'vic');
});

test('a step never changes the call it is given', () => {
  const { call } = incoming();
  const before = structuredClone(call);
  const { call: next } = play(call, { type: 'accept' }, message(TESS, tessLaptop, 'accept'), message(UMA, toUma, 'hangup'));
  assert.deepEqual(call, before);
  assert.notEqual(next, call);
});

test('answering: the call is active, the ring timer stops, and each participant hears accept on the right sessions', () => {
  const accepted = play(incoming().call, { type: 'accept', video: false, now: T0 + 3_000 });
  assert.equal(accepted.call.accepted, true);
  assert.equal(accepted.call.state, 'active');
  assert.equal(accepted.call.activeAt, T0 + 3_000);
  assert.equal(accepted.call.video, false, 'answered with sound only');
  assert.deepEqual(accepted.effects, [{ type: 'stop-ring-timer' }, { type: 'changed' }]);

  // Uma on the session she is in the call from; Tess, still ringing, on every device.
  const announced = play(accepted.call, { type: 'announce', reach: reach({ [UMA]: [toUma], [TESS]: [tessLaptop, tessPhone] }) });
  assert.deepEqual(sent(announced.effects), ['uma accept', 'tess laptop accept', 'tess phone accept']);
  assert.deepEqual(types(announced.effects).slice(-2), ['ticking', 'changed']);
  const again = play(announced.call, { type: 'announce', reach: reach({ [UMA]: [toUma], [TESS]: [tessLaptop] }) });
  assert.deepEqual(sent(again.effects), [], 'each is told once');

  // Accepting again, or answering a call we made, does nothing.
  assert.deepEqual(play(accepted.call, { type: 'accept' }).effects, []);
  assert.deepEqual(play(calling().call, { type: 'accept' }).effects, []);
});

test('a member with no session when we answered hears accept once one comes up', () => {
  const { call } = answered();
  assert.equal(call.participants.get(TESS).announced, false);
  const up = play(call, { type: 'session-up', from: TESS, link: tessLaptop, reach: reach({ [UMA]: [toUma], [TESS]: [tessLaptop] }), members: [UMA, TESS] });
  assert.deepEqual(sent(up.effects), ['tess laptop accept']);
  assert.equal(up.call.participants.get(TESS).announced, true);
});

test('accept and here: a participant joins and media starts with them; here before we answered is ignored', () => {
  const early = play(incoming().call, message(TESS, tessLaptop, 'here'));
  assert.equal(stateOf(early.call, TESS), 'ringing');
  assert.deepEqual(early.effects, [{ type: 'changed' }]);

  const here = play(answered().call, message(TESS, tessLaptop, 'here'));
  assert.equal(stateOf(here.call, TESS), 'joined');
  assert.equal(here.call.participants.get(TESS).link, tessLaptop);
  assert.deepEqual(sent(here.effects), []);
  assert.deepEqual(here.effects.at(-2), { type: 'sync-media', fingerprint: TESS, link: tessLaptop });

  // Tess accepts after we did: she hears here from us; a repeated accept changes nothing but says here again.
  const accept = play(answered().call, message(TESS, tessLaptop, 'accept', {}, { members: [UMA, TESS] }));
  assert.equal(stateOf(accept.call, TESS), 'joined');
  assert.deepEqual(sent(accept.effects), ['tess laptop here']);
  assert.ok(accept.effects.some((e) => e.type === 'sync-media' && e.fingerprint === TESS));
  const repeated = play(accept.call, message(TESS, tessLaptop, 'accept', {}, { members: [UMA, TESS] }));
  assert.equal(stateOf(repeated.call, TESS), 'joined');
  assert.equal(repeated.call.activeAt, accept.call.activeAt);
  assert.deepEqual(sent(repeated.effects), ['tess laptop here']);
});

test('media says which stream is the screen; anything but a string clears it', () => {
  const { call } = play(answered().call, message(UMA, toUma, 'media', { screen: 'stream-7' }));
  assert.equal(call.participants.get(UMA).screenStreamId, 'stream-7');
  assert.equal(play(call, message(UMA, toUma, 'media', { screen: 7 })).call.participants.get(UMA).screenStreamId, null);
});

test('declining sends decline to whom we have a session with and ends the call, which only the caller records', () => {
  const { call, effects } = play(incoming().call, { type: 'decline', now: T0 + 1 });
  assert.equal(call.state, 'ended');
  assert.equal(call.outcome, 'declined');
  assert.equal(call.endedAt, T0 + 1);
  assert.deepEqual(sent(effects), ['uma decline'], 'Tess has no session: nothing to her');
  assert.deepEqual(types(effects), ['send', 'end', 'changed']);
  assert.equal(effects.at(-1).ended, call);
  // Once answered, declining no longer applies; hanging up does.
  assert.deepEqual(play(answered().call, { type: 'decline' }).effects, []);
});

test('hanging up before answering declines', () => {
  const { call, effects } = play(incoming().call, { type: 'hangup' });
  assert.equal(call.outcome, 'declined');
  assert.deepEqual(sent(effects), ['uma decline']);
});

test('the caller cancelling, or hanging up before we answered, is a missed call', () => {
  for (const op of ['cancel', 'hangup']) {
    const { call, effects } = play(incoming().call, message(UMA, toUma, op));
    assert.equal(call.outcome, 'missed', op);
    assert.equal(stateOf(call, UMA), 'left');
    assert.deepEqual(types(effects), ['clear-grace', 'remove-media', 'end', 'changed', 'changed'], op);
  }
});

test('the initiator leaving a running call: it goes on while others are in, and the callee records it at the end', () => {
  const { call } = play(answered().call, message(TESS, tessLaptop, 'here'), message(UMA, toUma, 'hangup', {}, { members: [UMA, TESS] }));
  assert.equal(call.state, 'active', 'Tess is still in');
  assert.equal(call.initiatorLost, true);
  const last = play(call, message(TESS, tessLaptop, 'hangup', {}, { members: [UMA, TESS], now: T0 + 60_000 }));
  assert.equal(last.call.outcome, 'ended');
  assert.deepEqual(
    last.effects.find((e) => e.type === 'record'),
    {
      type: 'record',
      conversationId: CONV,
      content: { t: 'call', video: true, outcome: 'ended', durationMs: 60_000 },
    },
  );
  // Had she hung up before anyone answered, we would record nothing (the call was missed).
  assert.ok(!play(incoming().call, message(UMA, toUma, 'hangup')).effects.some((e) => e.type === 'record'));
});

test('elsewhere: only the caller stops our ringing, as answered or declined on another device of ours', () => {
  const ignored = play(incoming().call, message(TESS, tessLaptop, 'elsewhere', { how: 'answered' }));
  assert.equal(ignored.call.state, 'ringing');
  assert.deepEqual(ignored.effects, [{ type: 'changed' }]);
  assert.equal(play(incoming().call, message(UMA, toUma, 'elsewhere', { how: 'answered' })).call.outcome, 'answered-elsewhere');
  const declined = play(incoming().call, message(UMA, toUma, 'elsewhere', { how: 'declined' }));
  assert.equal(declined.call.outcome, 'declined-elsewhere');
  assert.ok(!declined.effects.some((e) => e.type === 'record'), 'a callee records nothing');
});

test('messages for a call we do not have: resume is answered hangup, the rest ignored', () => {
  for (const current of [null, incoming().call]) {
    const resume = play(current, message(UMA, toUma, 'resume', {}, { id: OTHER_ID }));
    assert.deepEqual(resume.call, current);
    assert.deepEqual(resume.effects, [{ type: 'send', to: toUma, id: OTHER_ID, op: 'hangup' }]);
    for (const op of ['accept', 'here', 'decline', 'busy', 'cancel', 'hangup', 'media', 'elsewhere']) {
      assert.deepEqual(play(current, message(UMA, toUma, op, {}, { id: OTHER_ID })), { call: current, effects: [] }, op);
    }
  }
  // Of a call we have, but from someone not in it.
  assert.deepEqual(play(incoming().call, message(VIC, link('vic', '0000000000c1'), 'hangup')).effects, []);
});

test('an unanswered incoming call stops at the ring timeout; an answered one does not', () => {
  const { call, effects } = play(incoming().call, { type: 'ring-timeout' });
  assert.equal(call.outcome, 'missed');
  assert.deepEqual(types(effects), ['end', 'changed']);
  assert.deepEqual(play(answered().call, { type: 'ring-timeout' }).effects, []);
});

// ---- the caller: we call Tess (two devices) and Vic ----

const vicLink = link('vic', '0000000000c1');

function calling({ online = [TESS, VIC] } = {}) {
  const started = play(null, { type: 'start', id: ID, conversationId: CONV, video: false, initiator: US, online });
  return play(started.call, { type: 'dial', reach: reach({ [TESS]: [tessLaptop, tessPhone], [VIC]: [vicLink] }) });
}

test('starting and dialling: everyone online rings on every device, and the ring timer starts', () => {
  const started = play(null, { type: 'start', id: ID, conversationId: CONV, video: false, initiator: US, online: [TESS, VIC] });
  assert.equal(started.call.outgoing, true);
  assert.equal(started.call.accepted, true, 'the caller is in the media mesh from the start');
  assert.equal(started.call.state, 'ringing');
  assert.deepEqual(started.effects, [{ type: 'changed' }]);
  assert.deepEqual(play(started.call, { type: 'start', id: OTHER_ID, conversationId: CONV, video: true, initiator: US, online: [VIC] }), {
    call: started.call,
    effects: [],
  });

  const { call, effects } = calling();
  assert.deepEqual(sent(effects), ['tess laptop invite', 'tess phone invite', 'vic invite']);
  assert.deepEqual(effects[0].extra, { conv: CONV, video: false, members: [TESS, VIC] });
  assert.deepEqual(effects.slice(-3), [{ type: 'ring-timer', ms: RING_TIMEOUT_MS }, { type: 'ticking' }, { type: 'changed' }]);
  assert.deepEqual([...call.participants.get(TESS).rung], [tessLaptop, tessPhone]);
  assert.equal(call.participants.get(TESS).link, tessPhone, 'the current session');
});

test('the first device to answer takes the call: the others hear elsewhere, a second answer is told it lost', () => {
  const first = play(calling().call, message(TESS, tessLaptop, 'accept', {}, { now: T0 + 2_000 }));
  assert.deepEqual(sent(first.effects), ['tess phone elsewhere answered', 'tess laptop here']);
  assert.equal(first.call.state, 'active');
  assert.equal(first.call.activeAt, T0 + 2_000);
  assert.ok(first.effects.some((e) => e.type === 'stop-ring-timer'));
  assert.equal(first.call.participants.get(TESS).link, tessLaptop);
  assert.equal(first.call.participants.get(TESS).rung.size, 0);

  const second = play(first.call, message(TESS, tessPhone, 'accept'));
  assert.deepEqual(sent(second.effects), ['tess phone elsewhere answered']);
  assert.equal(second.call.participants.get(TESS).link, tessLaptop, 'the media stays with the laptop');
});

test('decline and busy: busy on one device lets the others ring; when nobody is left the call ends and is recorded', () => {
  const busy = play(calling().call, message(TESS, tessLaptop, 'busy'));
  assert.equal(stateOf(busy.call, TESS), 'ringing', 'the phone may still answer');
  const declined = play(busy.call, message(TESS, tessPhone, 'decline'));
  assert.equal(stateOf(declined.call, TESS), 'declined');
  assert.equal(declined.call.state, 'ringing', 'Vic still rings');
  const vicBusy = play(declined.call, message(VIC, vicLink, 'busy'));
  assert.equal(vicBusy.call.outcome, 'declined');
  assert.deepEqual(vicBusy.effects.find((e) => e.type === 'record').content, { t: 'call', video: false, outcome: 'declined', durationMs: 0 });

  // Everyone busy: busy.
  const allBusy = play(calling({ online: [VIC] }).call, message(VIC, vicLink, 'busy'));
  assert.equal(allBusy.call.outcome, 'busy');

  // Declining on one device tells the others.
  const elsewhere = play(calling().call, message(TESS, tessPhone, 'decline'));
  assert.deepEqual(sent(elsewhere.effects), ['tess laptop elsewhere declined']);
});

test('the caller hanging up: cancel while it rings, hangup once active, each with its record', () => {
  const cancelled = play(calling().call, { type: 'hangup', now: T0 + 5_000 });
  assert.deepEqual(sent(cancelled.effects), ['tess laptop cancel', 'tess phone cancel', 'vic cancel']);
  assert.equal(cancelled.call.outcome, 'cancelled');
  assert.equal(cancelled.effects.find((e) => e.type === 'record').content.outcome, 'cancelled');

  const active = play(calling().call, message(TESS, tessLaptop, 'accept'));
  const ended = play(active.call, { type: 'hangup', now: T0 + 65_000 });
  assert.deepEqual(sent(ended.effects), ['tess laptop hangup', 'vic hangup']);
  assert.equal(ended.call.outcome, 'ended');
  assert.deepEqual(ended.effects.find((e) => e.type === 'record').content, { t: 'call', video: false, outcome: 'ended', durationMs: 65_000 });
  assert.deepEqual(types(ended.effects).slice(-3), ['end', 'record', 'changed']);
});

test('ring timeout: an unanswered call is cancelled on every ready device rung and recorded missed; an answered one goes on', () => {
  const closedPhone = { ...tessPhone, state: 'closed' };
  const started = play(null, { type: 'start', id: ID, conversationId: CONV, video: false, initiator: US, online: [TESS] });
  const dialled = play(started.call, { type: 'dial', reach: reach({ [TESS]: [tessLaptop, closedPhone] }) });
  const { call, effects } = play(dialled.call, { type: 'ring-timeout', now: T0 + RING_TIMEOUT_MS });
  assert.deepEqual(sent(effects), ['tess laptop cancel']);
  assert.equal(call.outcome, 'missed');
  assert.equal(effects.find((e) => e.type === 'record').content.outcome, 'missed');
  assert.deepEqual(play(play(calling().call, message(TESS, tessLaptop, 'accept')).call, { type: 'ring-timeout' }).effects, []);
});

test('a member rung during a running call stops ringing after the late ring timeout', () => {
  const active = play(calling().call, message(TESS, tessLaptop, 'accept', {}, {}), { type: 'tick', now: T0 + LATE_RING_TIMEOUT_MS });
  assert.equal(stateOf(active.call, VIC), 'ringing', 'not before the timeout');
  const late = play(active.call, { type: 'tick', now: T0 + LATE_RING_TIMEOUT_MS + 1 });
  assert.equal(stateOf(late.call, VIC), 'no-answer');
  assert.equal(late.call.state, 'active');
  // While nobody has answered, the call's own ring timeout applies instead.
  assert.equal(stateOf(play(calling().call, { type: 'tick', now: T0 + 10 * LATE_RING_TIMEOUT_MS }).call, VIC), 'ringing');
});

test('after the statistics: the call ends once nobody else is in it or ringing, else it redraws', () => {
  const active = play(calling({ online: [TESS] }).call, message(TESS, tessLaptop, 'accept'));
  assert.deepEqual(play(active.call, { type: 'stats-read' }).effects, [{ type: 'changed' }]);
  const alone = play(active.call, message(TESS, tessLaptop, 'hangup'));
  assert.equal(alone.call.outcome, 'ended', 'hangup of the last one ends it at once');
  assert.deepEqual(play(calling().call, { type: 'stats-read' }).effects, [{ type: 'changed' }], 'still ringing');
});

test('a member of the conversation answering late joins; a stranger, or one too many, does not', () => {
  const { call } = play(calling({ online: [TESS] }).call, message(TESS, tessLaptop, 'accept'));
  const late = play(call, message(VIC, vicLink, 'accept'));
  assert.equal(stateOf(late.call, VIC), 'joined');
  assert.deepEqual(sent(late.effects), ['vic here']);
  assert.equal(play(call, message(STRANGER, link('x', '0000000000d1'), 'accept')).call.participants.has(STRANGER), false);
  // Uma makes four of us; a fifth member is refused.
  const FIFTH = 'e'.repeat(64);
  const four = play(late.call, message(UMA, toUma, 'accept'));
  assert.equal(four.call.participants.size + 1, MAX_PARTICIPANTS);
  const fifth = play(four.call, message(FIFTH, link('fifth', '0000000000e1'), 'accept', {}, { members: [UMA, TESS, VIC, FIFTH] }));
  assert.equal(fifth.call.participants.has(FIFTH), false);
  assert.deepEqual(sent(fifth.effects), []);
});

test('resume from a participant on a new session of the same device moves the call there; from another device, nothing', () => {
  const active = play(calling().call, message(TESS, tessLaptop, 'accept')).call;
  const reloaded = link('tess laptop reloaded', '0000000000b1');
  const moved = play(active, message(TESS, reloaded, 'resume'));
  assert.equal(moved.call.participants.get(TESS).link, reloaded);
  assert.deepEqual(
    moved.effects.filter((e) => e.type.endsWith('-media')),
    [
      { type: 'remove-media', fingerprint: TESS, link: tessLaptop },
      { type: 'sync-media', fingerprint: TESS, link: reloaded },
    ],
  );
  const other = play(active, message(TESS, tessPhone, 'resume'));
  assert.equal(other.call.participants.get(TESS).link, tessLaptop);
  assert.deepEqual(other.effects, []);
});

/** We call Tess and Vic, both answer; Tess on `laptop`. */
const bothIn = (laptop) => play(calling().call, message(TESS, laptop, 'accept'), message(VIC, vicLink, 'accept')).call;
const sessionEnd = (from, via, linksTo = []) => ({ type: 'session-end', from, link: via, reach: reach({ [from]: linksTo }) });

test('sessions going: goodbye is leaving, a closed channel gets the short grace, anything else the long one', () => {
  const untouched = play(bothIn(tessLaptop), sessionEnd(TESS, tessPhone));
  assert.equal(stateOf(untouched.call, TESS), 'joined', 'not the session she is in the call on');
  assert.deepEqual(untouched.effects, []);

  const laptop = link('tess laptop', '0000000000b1', { closeReason: 'peer-left' });
  const left = play(bothIn(laptop), sessionEnd(TESS, laptop));
  assert.equal(stateOf(left.call, TESS), 'left');
  assert.equal(left.call.state, 'active', 'Vic is still in');

  for (const [closeReason, ms] of [
    ['closed', CLOSED_GRACE_MS],
    ['ice-failed', RECONNECT_GRACE_MS],
  ]) {
    const dropped = link('tess laptop', '0000000000b1', { closeReason });
    const lost = play(bothIn(dropped), { ...sessionEnd(TESS, dropped), now: T0 + 7 });
    assert.equal(stateOf(lost.call, TESS), 'reconnecting', closeReason);
    assert.equal(lost.call.participants.get(TESS).lostAt, T0 + 7);
    assert.deepEqual(
      lost.effects.filter((e) => e.type === 'remove-media' || e.type === 'grace'),
      [
        { type: 'remove-media', fingerprint: TESS, link: dropped },
        { type: 'grace', fingerprint: TESS, ms },
      ],
    );
    // The grace runs out: she left.
    assert.equal(stateOf(play(lost.call, { type: 'grace-expired', fingerprint: TESS }).call, TESS), 'left');
    // She came back first (the same device, a new session): nothing expires.
    const reloaded = link('tess laptop reloaded', '0000000000b1');
    const back = play(lost.call, { type: 'session-up', from: TESS, link: reloaded, reach: reach({ [TESS]: [reloaded] }), members: [TESS, VIC] });
    assert.equal(stateOf(back.call, TESS), 'joined');
    assert.deepEqual(sent(back.effects), ['tess laptop reloaded resume']);
    assert.deepEqual(play(back.call, { type: 'grace-expired', fingerprint: TESS }).effects, []);
  }
});

test('the last one in losing their session ends the call only when their grace runs out', () => {
  const laptop = link('tess laptop', '0000000000b1', { closeReason: 'closed' });
  const active = play(calling({ online: [TESS] }).call, message(TESS, laptop, 'accept')).call;
  const lost = play(active, sessionEnd(TESS, laptop));
  assert.equal(lost.call.state, 'active');
  const expired = play(lost.call, { type: 'grace-expired', fingerprint: TESS, now: T0 + CLOSED_GRACE_MS });
  assert.equal(expired.call.outcome, 'ended');
  assert.equal(expired.effects.find((e) => e.type === 'record').content.durationMs, CLOSED_GRACE_MS);
});

test('a session ending while another from the same device is up moves the call to it', () => {
  const active = play(calling().call, message(TESS, tessLaptop, 'accept')).call;
  const second = link('tess laptop (group room)', '0000000000b1');
  const { call, effects } = play(active, sessionEnd(TESS, tessLaptop, [tessPhone, second]));
  assert.equal(call.participants.get(TESS).link, second);
  assert.deepEqual(sent(effects), ['tess laptop (group room) resume']);
  assert.equal(stateOf(call, TESS), 'joined');
});

test('sessions coming: a new device of someone ringing rings too, a latecomer of the conversation is rung, another device of a participant changes nothing', () => {
  const tablet = link('tess tablet', '0000000000b3');
  const rung = play(calling().call, {
    type: 'session-up',
    from: TESS,
    link: tablet,
    reach: reach({ [TESS]: [tessLaptop, tessPhone, tablet] }),
    members: [TESS, VIC],
  });
  assert.deepEqual(sent(rung.effects), ['tess tablet invite']);

  const { call } = play(calling({ online: [TESS] }).call, message(TESS, tessLaptop, 'accept'));
  const latecomer = play(call, { type: 'session-up', from: VIC, link: vicLink, reach: reach({ [VIC]: [vicLink] }), members: [TESS, VIC] });
  assert.equal(stateOf(latecomer.call, VIC), 'ringing');
  assert.deepEqual(sent(latecomer.effects), ['vic invite']);
  assert.deepEqual(latecomer.effects[0].extra.members, [TESS, VIC]);
  const stranger = play(call, { type: 'session-up', from: STRANGER, link: link('x', '0000000000d1'), reach: reach({}), members: [TESS, VIC] });
  assert.deepEqual(sent(stranger.effects), []);

  const other = play(call, { type: 'session-up', from: TESS, link: tessPhone, reach: reach({ [TESS]: [tessLaptop, tessPhone] }), members: [TESS, VIC] });
  assert.deepEqual(sent(other.effects), []);
  assert.equal(other.call.participants.get(TESS).link, tessLaptop);
});

test('camera-on: the call has video from now on (a latecomer is invited to a video call)', () => {
  const { call } = play(calling().call, { type: 'camera-on' });
  assert.equal(call.video, true);
});
