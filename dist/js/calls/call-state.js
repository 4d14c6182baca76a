// @ts-check
// A call's own state as a pure step function: ringing → active → ended, who
// called, how it ended, and what each call message, timer and session event
// decides (the protocol is described at the top of calls.js).
// step(call, event) returns the next call and the effects to perform, as
// plain data; calls.js performs them over the sessions, the media and the
// mesh. Nothing here sends, waits or reads a clock (`now` comes with each
// event), so the whole protocol runs in node as it is.
//
// Sessions (net/sessions.js) appear as their links: this module reads them
// (is one ready, which device does it reach) and names them in effects, but
// never uses them. Participants change state only through the table of
// participants.js.

import { inCall, transition } from './participants.js';
import { sameDevice } from '../net/instance.js';

/** An unanswered call stops ringing after this long. */
export const RING_TIMEOUT_MS = 45_000;
/** ... and a callee, or a member rung during a running call, a little later (in case the caller's word never came). */
export const LATE_RING_TIMEOUT_MS = RING_TIMEOUT_MS + 5_000;
/** A participant whose session dropped has this long to come back. */
export const RECONNECT_GRACE_MS = 30_000;
/** ... and this long if its channel closed (most often: the tab closed or reloaded). */
export const CLOSED_GRACE_MS = 10_000;
/** Largest mesh we offer (see docs/decisions.md, measured by tests/bench/calls.mjs). */
export const MAX_PARTICIPANTS = 4;

/**
 * @typedef {import('./participants.js').ParticipantState} ParticipantState
 * @typedef {import('./participants.js').ParticipantEvent} ParticipantEvent
 *
 * @typedef {{ state: string, closeReason?: string | null, peer?: { instance?: Uint8Array | string } }} Link  a session, as far as a call reads it
 *
 * @typedef {object} Participant  another member in (or rung for) the call
 * @property {string} fingerprint
 * @property {ParticipantState} state
 * @property {Link | null} link  the session of the device they are in the call from (or were last rung on)
 * @property {Set<Link>} rung  the sessions (one per device) an invite went to while ringing
 * @property {boolean} announced  we told them we are in the call
 * @property {number} invitedAt
 * @property {number} lostAt  when their session last dropped (0: never)
 * @property {string | null} screenStreamId  which of their streams is their screen
 *
 * @typedef {'ended' | 'missed' | 'declined' | 'busy' | 'cancelled' | 'answered-elsewhere' | 'declined-elsewhere'} Outcome
 *
 * @typedef {object} Call
 * @property {string} id
 * @property {string} conversationId
 * @property {boolean} video
 * @property {string} initiator  the caller's fingerprint
 * @property {boolean} outgoing  we called
 * @property {'ringing' | 'active' | 'ended'} state
 * @property {boolean} accepted  we are in the media mesh (the caller from the start)
 * @property {number} createdAt
 * @property {number} activeAt  when it was first answered (0: not yet)
 * @property {number} endedAt
 * @property {Outcome | null} outcome
 * @property {boolean} initiatorLost  the caller left: a callee then writes the call into the conversation
 * @property {Map<string, Participant>} participants  everyone else, by fingerprint
 *
 * @typedef {{ op: string, id: string } & Record<string, any>} CallBody  a parsed call message (messages.js)
 * @typedef {{ linkTo: Record<string, Link | null>, linksTo: Record<string, Link[]> }} Reach
 *   what the session registry answers now for each fingerprint concerned: its current ready session, and all its ready ones
 */

/**
 * What happens to a call. Ours: start (we call the members online), dial (our
 * media is open: ring them), accept (we answer; `video: false` with sound
 * only), announce (our media is open after answering: tell each participant),
 * decline, hangup, camera-on. Theirs: message (a call message from `from` on
 * `link`; `members`: the fingerprints of the conversation it concerns),
 * session-up / session-end (one of a member's sessions came or went). Time:
 * ring-timeout, grace-expired (a participant's time to come back ran out),
 * tick (once a second, before the statistics are read), stats-read (after).
 * @typedef {(
 *   | { type: 'start', id: string, conversationId: string, video: boolean, initiator: string, online: string[] }
 *   | { type: 'dial', reach: Reach }
 *   | { type: 'accept', video?: boolean }
 *   | { type: 'announce', reach: Reach }
 *   | { type: 'decline' }
 *   | { type: 'hangup' }
 *   | { type: 'camera-on' }
 *   | { type: 'message', from: string, link: Link, body: CallBody, members: string[] }
 *   | { type: 'session-up', from: string, link: Link, reach: Reach, members: string[] }
 *   | { type: 'session-end', from: string, link: Link, reach: Reach }
 *   | { type: 'ring-timeout' }
 *   | { type: 'grace-expired', fingerprint: string }
 *   | { type: 'tick' }
 *   | { type: 'stats-read' }
 * ) & { now: number }} CallEvent
 */

/**
 * What to do, in order. send: a call message on `to`; remove-media: stop
 * sending to a participant and forget what they sent (on `link`, the session
 * the media went over); sync-media: make what we send them on `link` match our
 * local tracks; grace: (re)start their time to come back (then
 * 'grace-expired'); clear-grace: stop it; ring-timer: 'ring-timeout' after
 * `ms`; stop-ring-timer; ticking: (re)start the once-a-second tick; ring: a
 * call comes in, tell the user; changed: something to redraw (`ended`: the
 * call that just ended); record: write the call's summary into its
 * conversation; end: tear the call down (timers, media, local tracks) and
 * forget it as the current call.
 * @typedef {(
 *   | { type: 'send', to: Link, id: string, op: string, extra?: Record<string, unknown> }
 *   | { type: 'remove-media', fingerprint: string, link: Link | null }
 *   | { type: 'sync-media', fingerprint: string, link: Link | null }
 *   | { type: 'grace', fingerprint: string, ms: number }
 *   | { type: 'clear-grace', fingerprint: string }
 *   | { type: 'ring-timer', ms: number }
 *   | { type: 'stop-ring-timer' }
 *   | { type: 'ticking' }
 *   | { type: 'ring' }
 *   | { type: 'changed', ended?: Call }
 *   | { type: 'record', conversationId: string, content: { t: 'call', video: boolean, outcome: string, durationMs: number } }
 *   | { type: 'end', outcome: Outcome }
 * )} Effect
 */

/** @template {CallEvent['type']} K @typedef {Extract<CallEvent, { type: K }>} EventOf */

/**
 * A new call. @param {{ id: string, conversationId: string, video: boolean, initiator: string, outgoing: boolean, now: number }} fields
 * @returns {Call}
 */
export function newCall({ id, conversationId, video, initiator, outgoing, now }) {
  return {
    id,
    conversationId,
    video,
    initiator,
    outgoing,
    state: 'ringing',
    accepted: outgoing,
    createdAt: now,
    activeAt: 0,
    endedAt: 0,
    outcome: null,
    initiatorLost: false,
    participants: new Map(),
  };
}

/** @param {string} fingerprint @param {ParticipantState} state @param {number} now @returns {Participant} */
function participant(fingerprint, state, now) {
  return { fingerprint, state, link: null, rung: new Set(), announced: false, invitedAt: now, lostAt: 0, screenStreamId: null };
}

/** A call that rings here and is not answered yet. @param {Call | null | undefined} call */
export const answerable = (call) => !!call && !call.outgoing && !call.accepted;

/** The participants in the media mesh. @param {Call} call */
export const joinedOthers = (call) => [...call.participants.values()].filter((p) => inCall(p.state));

/**
 * The next call and what to do. `call` is not changed: a step works on a copy
 * (the links in it are shared: they are the sessions themselves).
 * @param {Call | null} call @param {CallEvent} event @returns {{ call: Call | null, effects: Effect[] }}
 */
export function step(call, event) {
  /** @type {Effect[]} */
  const effects = [];
  const next = call && copy(call);
  const handler = /** @type {(call: Call | null, event: CallEvent, effects: Effect[]) => Call | null} */ (STEPS[event.type]);
  return { call: handler(next, event, effects), effects };
}

/** @param {Call} call @returns {Call} */
function copy(call) {
  const participants = new Map([...call.participants].map(([fingerprint, p]) => [fingerprint, { ...p, rung: new Set(p.rung) }]));
  return { ...call, participants };
}

/**
 * A step for an event that concerns the current call only.
 * @template {CallEvent['type']} K
 * @param {(call: Call, event: EventOf<K>, effects: Effect[]) => Call} handler
 * @returns {(call: Call | null, event: EventOf<K>, effects: Effect[]) => Call | null}
 */
const withCall = (handler) => (call, event, effects) => (call ? handler(call, event, effects) : null);

// ---- what each step changes and decides ----

/** @param {Effect[]} effects @param {Link | null} to @param {string} id @param {string} op @param {Record<string, unknown>} [extra] */
function send(effects, to, id, op, extra) {
  if (to) effects.push(extra ? { type: 'send', to, id, op, extra } : { type: 'send', to, id, op });
}

/** Every state change of a participant goes through the table (participants.js). @param {Call} call @param {Participant} p @param {ParticipantEvent} event @param {Effect[]} effects */
function move(call, p, event, effects) {
  const before = p.state;
  p.state = transition(p.state, event);
  if (before === p.state) return;
  if (!inCall(p.state)) effects.push({ type: 'clear-grace', fingerprint: p.fingerprint }, { type: 'remove-media', fingerprint: p.fingerprint, link: p.link });
  if (p.state === 'left' && p.fingerprint === call.initiator) call.initiatorLost = true;
}

/** Takes `link` as `p`'s session (first time, or after a reconnect). @param {Call} call @param {Participant} p @param {Link} link @param {Effect[]} effects */
function adopt(call, p, link, effects) {
  if (p.link !== link) {
    effects.push({ type: 'remove-media', fingerprint: p.fingerprint, link: p.link });
    p.link = link;
  }
  effects.push({ type: 'clear-grace', fingerprint: p.fingerprint });
  if (p.state === 'reconnecting') move(call, p, 'back', effects);
  if (call.accepted && p.state === 'joined') effects.push({ type: 'sync-media', fingerprint: p.fingerprint, link: p.link });
}

/** Where a message to `p` goes: every rung device while it rings, its own device after. @param {Participant} p */
function routeTo(p) {
  if (p.state === 'ringing' && p.rung.size) return [...p.rung].filter((link) => link.state === 'ready');
  return p.link ? [p.link] : [];
}

/** `p`'s ready sessions not rung yet. @param {Participant} p @param {Reach} reach */
const unrung = (p, reach) => (reach.linksTo[p.fingerprint] ?? []).filter((link) => !p.rung.has(link));

/** Rings `p` on `links`. @param {Call} call @param {Participant} p @param {Link[]} links @param {Effect[]} effects */
function ring(call, p, links, effects) {
  for (const link of links) {
    p.rung.add(link);
    send(effects, link, call.id, 'invite', { conv: call.conversationId, video: call.video, members: [...call.participants.keys()] });
  }
}

/** `p`'s ready session on the device it is in the call from (a reload's new one included). @param {Participant} p @param {Reach} reach */
function deviceLink(p, reach) {
  if (p.link?.state === 'ready') return p.link;
  if (!p.link) return reach.linkTo[p.fingerprint] ?? null;
  return (reach.linksTo[p.fingerprint] ?? []).find((link) => sameDevice(link, p.link)) ?? null;
}

/**
 * Tells `p` we are in the call, once we have a session with them: every
 * device of a member still ringing (we cannot know which will answer), the
 * device a member is in the call from otherwise.
 * @param {Call} call @param {Participant} p @param {Reach} reach @param {Effect[]} effects
 */
function announce(call, p, reach, effects) {
  if (p.announced || p.state === 'declined' || p.state === 'left' || p.state === 'busy') return;
  const targets = p.state === 'ringing' ? (reach.linksTo[p.fingerprint] ?? []) : [deviceLink(p, reach)].filter((link) => link !== null);
  if (!targets.length) return;
  p.announced = true;
  for (const link of targets) send(effects, link, call.id, 'accept');
}

/**
 * The caller tells `p`'s other rung devices that one of them answered or declined.
 * @param {Call} call @param {Participant} p @param {Link} link @param {'answered' | 'declined'} how @param {Effect[]} effects
 */
function settleRinging(call, p, link, how, effects) {
  if (!call.outgoing) return;
  // A device may be rung over several sessions (a pair room and a group
  // room): only other devices hear it.
  for (const other of p.rung) if (!sameDevice(other, link) && other.state === 'ready') send(effects, other, call.id, 'elsewhere', { how });
  p.rung.clear();
}

/** @param {Call} call @param {Outcome} outcome @param {number} now @param {Effect[]} effects */
function end(call, outcome, now, effects) {
  if (call.state === 'ended') return call;
  call.state = 'ended';
  call.outcome = outcome;
  call.endedAt = now;
  effects.push({ type: 'end', outcome });
  // The caller writes the call into the conversation (delivered like any
  // message); the callee does only if the caller vanished without a word.
  if (call.outgoing || (call.initiatorLost && call.activeAt)) {
    const durationMs = call.activeAt ? call.endedAt - call.activeAt : 0;
    const declined = [...call.participants.values()].every((p) => p.state === 'declined' || p.state === 'busy');
    const summary = call.activeAt ? 'ended' : declined ? 'declined' : outcome === 'cancelled' ? 'cancelled' : 'missed';
    effects.push({ type: 'record', conversationId: call.conversationId, content: { t: 'call', video: call.video, outcome: summary, durationMs } });
  }
  effects.push({ type: 'changed', ended: call });
  return call;
}

/** Ends the call once nobody else is in it (or will be). @param {Call} call @param {number} now @param {Effect[]} effects */
function maybeEnd(call, now, effects) {
  const others = joinedOthers(call);
  const states = [...call.participants.values()].map((p) => p.state);
  const ringing = states.includes('ringing');
  const unanswered = states.every((state) => state === 'busy')
    ? 'busy'
    : states.every((state) => state === 'declined' || state === 'busy')
      ? 'declined'
      : 'missed';
  if (call.accepted && !others.length && (call.activeAt || !ringing)) end(call, call.activeAt ? 'ended' : unanswered, now, effects);
  else if (!call.accepted && !others.length) end(call, 'missed', now, effects);
}

/** A member may still join: a latecomer of the conversation, while there is room. @param {Call} call @param {string} fingerprint @param {string[]} members */
const mayJoinLate = (call, fingerprint, members) => call.participants.size + 1 < MAX_PARTICIPANTS && members.includes(fingerprint);

// ---- the steps ----

/** @param {Call | null} call @param {EventOf<'start'>} event @param {Effect[]} effects */
function start(call, { id, conversationId, video, initiator, online, now }, effects) {
  if (call) return call; // one call at a time (calls.js refuses a second one first)
  const started = newCall({ id, conversationId, video, initiator, outgoing: true, now });
  for (const fingerprint of online) started.participants.set(fingerprint, participant(fingerprint, 'ringing', now));
  effects.push({ type: 'changed' });
  return started;
}

/** @param {Call} call @param {EventOf<'dial'>} event @param {Effect[]} effects */
function dial(call, { reach }, effects) {
  for (const p of call.participants.values()) {
    p.link = reach.linkTo[p.fingerprint] ?? null;
    ring(call, p, unrung(p, reach), effects);
  }
  effects.push({ type: 'ring-timer', ms: RING_TIMEOUT_MS }, { type: 'ticking' }, { type: 'changed' });
  return call;
}

/** @param {Call} call @param {EventOf<'accept'>} event @param {Effect[]} effects */
function accept(call, { video, now }, effects) {
  if (!answerable(call)) return call;
  call.accepted = true;
  if (video === false) call.video = false;
  call.state = 'active';
  call.activeAt = now;
  effects.push({ type: 'stop-ring-timer' }, { type: 'changed' });
  return call;
}

/** @param {Call} call @param {EventOf<'announce'>} event @param {Effect[]} effects */
function announceAll(call, { reach }, effects) {
  for (const p of call.participants.values()) announce(call, p, reach, effects);
  effects.push({ type: 'ticking' }, { type: 'changed' });
  return call;
}

/** @param {Call} call @param {{ now: number }} event @param {Effect[]} effects */
function decline(call, { now }, effects) {
  if (!answerable(call)) return call;
  for (const p of call.participants.values()) send(effects, p.link, call.id, 'decline');
  return end(call, 'declined', now, effects);
}

/** Leaves the call (or stops ringing, for the caller). @param {Call} call @param {EventOf<'hangup'>} event @param {Effect[]} effects */
function hangup(call, event, effects) {
  if (!call.accepted) return decline(call, event, effects);
  const ringing = call.state === 'ringing';
  for (const p of call.participants.values())
    if (p.state !== 'left') for (const link of routeTo(p)) send(effects, link, call.id, ringing ? 'cancel' : 'hangup');
  return end(call, ringing ? 'cancelled' : 'ended', event.now, effects);
}

/** @param {Call} call */
function cameraOn(call) {
  call.video = true;
  return call;
}

/** @param {Call} call @param {EventOf<'ring-timeout'>} event @param {Effect[]} effects */
function ringTimeout(call, { now }, effects) {
  if (!call.outgoing) return call.accepted ? call : end(call, 'missed', now, effects);
  if (call.state !== 'ringing') return call;
  for (const p of call.participants.values()) for (const link of routeTo(p)) send(effects, link, call.id, 'cancel');
  return end(call, 'missed', now, effects);
}

/** @param {Call} call @param {EventOf<'grace-expired'>} event @param {Effect[]} effects */
function graceExpired(call, { fingerprint, now }, effects) {
  const p = call.participants.get(fingerprint);
  if (p?.state !== 'reconnecting') return call;
  move(call, p, 'expire', effects);
  maybeEnd(call, now, effects);
  effects.push({ type: 'changed' });
  return call;
}

/** @param {Call} call @param {EventOf<'tick'>} event @param {Effect[]} effects */
function tick(call, { now }, effects) {
  // Someone rung during a running call who never answers stops ringing.
  for (const p of call.participants.values())
    if (p.state === 'ringing' && call.activeAt && now - p.invitedAt > LATE_RING_TIMEOUT_MS) move(call, p, 'timeout', effects);
  return call;
}

/** @param {Call} call @param {EventOf<'stats-read'>} event @param {Effect[]} effects */
function statsRead(call, { now }, effects) {
  if (call.accepted) maybeEnd(call, now, effects);
  if (call.state !== 'ended') effects.push({ type: 'changed' });
  return call;
}

/** A member has a (new) session: resume media with a participant, ring a latecomer or a new device. @param {Call} call @param {EventOf<'session-up'>} event @param {Effect[]} effects */
function sessionUp(call, { from, link, reach, members, now }, effects) {
  if (call.state === 'ended') return call;
  const p = call.participants.get(from);
  if (p && inCall(p.state)) {
    // The device in the call came back on a new session (a reload, a new
    // connection); another device of theirs coming online changes nothing.
    if (link !== p.link && sameDevice(link, p.link)) {
      send(effects, link, call.id, 'resume');
      adopt(call, p, link, effects);
    }
  } else if (p && p.state === 'ringing') {
    if (call.outgoing && !p.rung.has(link)) {
      // A device that came online (or reloaded) while it rings: ring it too.
      p.link = link;
      p.invitedAt = now;
      ring(call, p, [link], effects);
    } else if (call.accepted && !call.outgoing) {
      // A member we had no session with when we answered.
      announce(call, p, reach, effects);
    }
  } else if (!p && call.outgoing && mayJoinLate(call, from, members)) {
    // The caller rings group members who come online during the call.
    const latecomer = participant(from, 'ringing', now);
    latecomer.link = link;
    call.participants.set(from, latecomer);
    ring(call, latecomer, unrung(latecomer, reach), effects);
  }
  effects.push({ type: 'changed' });
  return call;
}

/**
 * One session with a member ended. If it carried the call, the media moves
 * to another session from the same device if one is up; otherwise the
 * member left or gets a grace to come back (their other devices, if any,
 * were never in this call).
 * @param {Call} call @param {EventOf<'session-end'>} event @param {Effect[]} effects
 */
function sessionEnd(call, { from, link, reach, now }, effects) {
  const p = call.participants.get(from);
  if (!p) return call;
  p.rung.delete(link);
  if (p.link !== link || !inCall(p.state)) return call;
  const fresh = (reach.linksTo[from] ?? []).find((other) => other !== link && sameDevice(other, link));
  if (fresh) {
    send(effects, fresh, call.id, 'resume');
    adopt(call, p, fresh, effects);
  } else {
    lose(call, p, link, now, effects);
  }
  effects.push({ type: 'changed' });
  return call;
}

/**
 * The session `p` was in the call on ended, with no other from that device:
 * they left, or get a grace to come back.
 * @param {Call} call @param {Participant} p @param {Link} link @param {number} now @param {Effect[]} effects
 */
function lose(call, p, link, now, effects) {
  // A goodbye (BYE) means they left. A closed channel is a closed or
  // reloaded tab, or the other side giving up on a silent connection: a
  // short grace. Anything else (network trouble) gets the full grace.
  const reason = link.closeReason;
  if (reason === 'peer-left') {
    move(call, p, 'goodbye', effects);
  } else {
    move(call, p, 'lost', effects);
    p.lostAt = now;
    effects.push(
      { type: 'remove-media', fingerprint: p.fingerprint, link: p.link },
      { type: 'grace', fingerprint: p.fingerprint, ms: reason === 'closed' ? CLOSED_GRACE_MS : RECONNECT_GRACE_MS },
    );
  }
  maybeEnd(call, now, effects);
}

// ---- call messages ----

/** @typedef {EventOf<'message'>} MessageEvent */

/** @param {Call | null} call @param {MessageEvent} event @param {Effect[]} effects */
function invite(call, { from, link, body, members, now }, effects) {
  if (call && call.id !== body.id) {
    send(effects, link, body.id, 'busy');
    return call;
  }
  if (call) return call; // a repeated invite
  if (!members.includes(from)) return null; // not someone of that conversation
  const incoming = newCall({ id: body.id, conversationId: body.conv, video: !!body.video, initiator: from, outgoing: false, now });
  const others = Array.isArray(body.members) ? body.members : [];
  for (const fingerprint of members) {
    if (fingerprint === from) {
      const caller = participant(fingerprint, 'joined', now);
      caller.link = link;
      incoming.participants.set(fingerprint, caller);
    } else if (others.includes(fingerprint) && others.length < MAX_PARTICIPANTS) {
      incoming.participants.set(fingerprint, participant(fingerprint, 'ringing', now));
    }
  }
  effects.push({ type: 'ring-timer', ms: LATE_RING_TIMEOUT_MS }, { type: 'ticking' }, { type: 'ring' }, { type: 'changed' });
  return incoming;
}

/**
 * What each op of a call we have does, from a participant (on `link`).
 * @type {Record<string, (call: Call, p: Participant, event: MessageEvent, effects: Effect[]) => void>}
 */
const OPS = {
  accept(call, p, { link, now }, effects) {
    if (p.state === 'ringing' || p.state === 'no-answer') settleRinging(call, p, link, 'answered', effects);
    move(call, p, 'accept', effects);
    adopt(call, p, link, effects);
    if (!call.accepted) return;
    send(effects, link, call.id, 'here');
    if (call.state === 'ringing') {
      call.state = 'active';
      call.activeAt = now;
      effects.push({ type: 'stop-ring-timer' });
    }
  },
  here(call, p, { link }, effects) {
    if (!call.accepted) return;
    move(call, p, 'here', effects);
    adopt(call, p, link, effects);
  },
  resume(call, p, { link }, effects) {
    if (inCall(p.state)) adopt(call, p, link, effects);
  },
  media(call, p, { body }) {
    p.screenStreamId = typeof body.screen === 'string' ? body.screen : null;
  },
  decline(call, p, { link, now }, effects) {
    if (p.state === 'ringing') settleRinging(call, p, link, 'declined', effects);
    move(call, p, 'decline', effects);
    maybeEnd(call, now, effects);
  },
  busy(call, p, { link, now }, effects) {
    // One device busy in another call: the member's other devices may still answer.
    p.rung.delete(link);
    if (p.state === 'ringing' && [...p.rung].some((other) => other.state === 'ready' && !sameDevice(other, link))) return;
    move(call, p, 'busy', effects);
    maybeEnd(call, now, effects);
  },
  cancel: leave,
  hangup: leave,
};

/** cancel (the caller gave up) or hangup (left). @param {Call} call @param {Participant} p @param {MessageEvent} event @param {Effect[]} effects */
function leave(call, p, { from, now }, effects) {
  move(call, p, 'hangup', effects);
  if (from === call.initiator && !call.accepted) end(call, 'missed', now, effects);
  else maybeEnd(call, now, effects);
}

/** @param {Call | null} call @param {MessageEvent} event @param {Effect[]} effects */
function message(call, event, effects) {
  const { from, link, body, members, now } = event;
  if (body.op === 'invite') return invite(call, event, effects);
  if (!call || call.id !== body.id) {
    if (body.op === 'resume') send(effects, link, body.id, 'hangup');
    return call;
  }
  let p = call.participants.get(from);
  if (!p && body.op === 'accept' && mayJoinLate(call, from, members)) {
    // A member the caller rang after we joined (they came online later).
    p = participant(from, 'ringing', now);
    call.participants.set(from, p);
  }
  if (!p) return call;
  if (body.op === 'elsewhere') {
    // Only the caller settles which of our devices took the call.
    if (from === call.initiator && !call.outgoing) end(call, body.how === 'declined' ? 'declined-elsewhere' : 'answered-elsewhere', now, effects);
    effects.push({ type: 'changed' });
    return call;
  }
  if (inCall(p.state) && p.link && p.link !== link && p.link.state === 'ready' && !sameDevice(p.link, link)) {
    // Another device of a member already in the call (both answered at
    // once): the first one stays; the caller tells this one to stop.
    if (body.op === 'accept' && call.outgoing) send(effects, link, call.id, 'elsewhere', { how: 'answered' });
    return call;
  }
  if (Object.hasOwn(OPS, body.op)) OPS[body.op](call, p, event, effects);
  effects.push({ type: 'changed' });
  return call;
}

/** The step of each event. */
const STEPS = {
  start,
  dial: withCall(dial),
  accept: withCall(accept),
  announce: withCall(announceAll),
  decline: withCall(decline),
  hangup: withCall(hangup),
  'camera-on': withCall(cameraOn),
  message,
  'session-up': withCall(sessionUp),
  'session-end': withCall(sessionEnd),
  'ring-timeout': withCall(ringTimeout),
  'grace-expired': withCall(graceExpired),
  tick: withCall(tick),
  'stats-read': withCall(statsRead),
};
