// @ts-check
// Calls: voice and video, 1:1 and small groups, as a mesh over the
// authenticated sessions. Media is DTLS-SRTP on the very connection whose
// DTLS fingerprints our handshake signed (DESIGN.md §4); call messages
// ('call' frames) and renegotiation ('rtc' frames, negotiation.js) travel
// sealed over the session, never through trackers or relays.
//
// Protocol, all JSON {op, id, ...} on the session with each member:
//   invite  caller → members: {conv, video, members}
//   accept  a member who answers → every member in the call
//   here    a joined participant → a member who just accepted (so each
//           pair of joined participants adds its media exactly when both
//           know about each other)
//   decline / busy / cancel (caller gave up) / hangup (left)
//   resume  after a participant's session came back (new connection):
//           the other side answers `hangup` if it no longer has the call
//   media   which remote stream is the screen share
//   elsewhere  caller → the other devices of a member who answered or
//           declined on one device: stop ringing ({how: 'answered' | 'declined'})
//
// Several devices of one member: the caller rings every device (each is a
// session of its own, net/sessions.js) and arbitrates: the first device to
// answer is that member's participant, the others hear `elsewhere`. Media
// then stays with that device; a new session from the same device (a
// reload) takes it over, another device's session does not.

import { RELEASE_TIMING } from '../core/timing.js';
import { randomBytes, toHex } from '../core/encoding.js';
import { createEvents } from '../core/events.js';
import { openLocalMedia } from './media.js';
import { createControls } from './controls.js';
import { CALL_TYPE, callMessage, parseCallMessage } from './messages.js';
import { SLOTS, createMesh } from './mesh.js';
import { MAX_PARTICIPANTS, RING_TIMEOUT_MS, answerable, joinedOthers, step } from './call-state.js';

export { MAX_PARTICIPANTS, RING_TIMEOUT_MS, parseCallMessage };
/** The release's pace of a call's tick (statistics, duration, speaking); core/timing.js may pass another. */
const STATS_EVERY_MS = RELEASE_TIMING.statsEveryMs;

/**
 * What happens to calls, by name: 'call-changed' when anything shown of the
 * current call changed (`call`: the current call, or null; `ended`: the call
 * that just ended, if one did), 'ringing' when a call comes in.
 * @typedef {import('./call-state.js').Call} Call
 * @typedef {ReturnType<typeof import('../net/sessions.js').createSessions>} Sessions  the session registry
 * @typedef {{ 'call-changed': { call: Call | null, ended: Call | null }, ringing: { call: Call } }} CallEventMap
 */

/** @param {string} message @param {string} code */
function callError(message, code) {
  return Object.assign(new Error(message), { code });
}

/**
 * What the shell keeps of the current call beside its state (call-state.js):
 * our own media and controls, its timers, and per participant what goes
 * between us (mesh.js).
 * @typedef {object} LiveCall
 * @property {Call} call
 * @property {{ audio: MediaStreamTrack | null, camera: MediaStreamTrack | null, screen: MediaStreamTrack | null, stream: MediaStream, screenStream: MediaStream | null }} local
 * @property {boolean} muted
 * @property {boolean} cameraOff
 * @property {{ audio: string | null, video: string | null }} devices  the microphone and camera picked (null: the default)
 * @property {string[]} warnings
 * @property {number} localLevel  how loud our microphone is, as sent
 * @property {ReturnType<typeof setTimeout> | undefined} ringTimer
 * @property {Map<string, Media>} media  by fingerprint
 *
 * @typedef {{ senders: Record<string, RTCRtpSender>, streams: Map<string, MediaStream>, stats: Record<string, any>, graceTimer: ReturnType<typeof setTimeout> | undefined }} Media
 *   what goes between us and one participant (mesh.js)
 * @typedef {import('./mesh.js').MeshLink} MediaLink  the call's state (call-state.js) names a link by what it reads of it;
 *   the links themselves are the sessions' (net/link.js), which carry the connection the media goes over (mesh.js)
 */

/** @param {Call} call @returns {LiveCall} */
function liveCall(call) {
  return {
    call,
    local: { audio: null, camera: null, screen: null, stream: new MediaStream(), screenStream: null },
    muted: false,
    cameraOff: !call.video,
    devices: { audio: null, video: null },
    warnings: [],
    localLevel: 0,
    ringTimer: undefined,
    media: new Map(),
  };
}

/** What goes between us and a participant (mesh.js), made on first use. @param {LiveCall} live @param {string} fingerprint @returns {Media} */
function mediaOf(live, fingerprint) {
  let media = live.media.get(fingerprint);
  if (!media) live.media.set(fingerprint, (media = { senders: {}, streams: new Map(), stats: {}, graceTimer: undefined }));
  return media;
}

/**
 * Where each participant of `call` (and `also`) can be reached now, as call-state.js reads it.
 * @param {Sessions} sessions @param {Call} call @param {string[]} [also]
 * @returns {import('./call-state.js').Reach}
 */
function reachOf(sessions, call, also = []) {
  const fingerprints = [...call.participants.keys(), ...also];
  return {
    linkTo: Object.fromEntries(fingerprints.map((fingerprint) => [fingerprint, sessions.linkTo(fingerprint)])),
    linksTo: Object.fromEntries(fingerprints.map((fingerprint) => [fingerprint, sessions.linksTo(fingerprint)])),
  };
}

// ---- local media ----

/** @param {LiveCall} live */
async function openMedia(live) {
  const { audio, video, warnings } = await openLocalMedia({ video: live.call.video, audioDevice: live.devices.audio, videoDevice: live.devices.video });
  live.local.audio = audio;
  live.local.camera = video;
  live.warnings.push(...warnings);
  if (live.call.state === 'ended') stopLocal(live.local); // hung up while the browser asked for permission
}

/** @param {LiveCall['local']} local */
function stopLocal(local) {
  for (const slot of SLOTS) {
    local[slot]?.stop();
    local[slot] = null;
  }
}

/** @param {LiveCall} live */
function syncLocalStream({ local, cameraOff }) {
  const { stream } = local;
  for (const track of stream.getTracks()) stream.removeTrack(track);
  if (local.audio) stream.addTrack(local.audio);
  if (local.camera && !cameraOff) stream.addTrack(local.camera);
}

/**
 * What the call screen draws of a call: a plain copy made anew at each
 * redraw, so no view reads or keeps the call's live state, which only this
 * module changes. Streams are the media handles themselves.
 * @param {LiveCall} live
 */
function viewOf(live) {
  const { call } = live;
  return {
    id: call.id,
    conversationId: call.conversationId,
    video: call.video,
    outgoing: call.outgoing,
    accepted: call.accepted,
    initiator: call.initiator,
    state: call.state,
    activeAt: call.activeAt,
    muted: live.muted,
    cameraOff: live.cameraOff,
    localLevel: live.localLevel,
    warnings: [...live.warnings],
    local: { stream: live.local.stream, screen: Boolean(live.local.screen), screenStream: live.local.screenStream ?? null },
    participants: [...call.participants.values()].map((p) => {
      const media = mediaOf(live, p.fingerprint);
      const streams = [...media.streams.values()];
      return {
        fingerprint: p.fingerprint,
        state: p.state,
        camera: streams.find((s) => s.id !== p.screenStreamId) ?? null,
        screen: streams.find((s) => s.id === p.screenStreamId) ?? null,
        speaking: Boolean(media.stats?.speaking),
      };
    }),
  };
}

/** What the call screen draws of a call (viewOf). @typedef {ReturnType<typeof viewOf>} CallView */

/**
 * identity: ours; sessions: the session registry (net/sessions.js), whose
 * up/end events drive reconnection; membersOf(conversationId) →
 * [{fingerprint}] (without us); record(conversationId, content) posts the
 * call's summary to the conversation; statsEveryMs: the tick (core/timing.js). What happens is said on `events`
 * (CallEventMap). The call's state and every decision of the protocol are
 * call-state.js's; this closure performs what it decides.
 * @param {{ identity: { fingerprint: string }, sessions: Sessions, membersOf: (conversationId: string) => { fingerprint: string }[],
 *   record?: ((conversationId: string, content: { t: 'call', video: boolean, outcome: string, durationMs: number }) => Promise<unknown>) | null,
 *   statsEveryMs?: number }} deps
 */
export function createCalls({ identity, sessions, membersOf, record, statsEveryMs = STATS_EVERY_MS }) {
  /** @type {import('../core/events.js').Events<CallEventMap>} */
  const events = createEvents();
  let live = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ticker;
  const memberFingerprints = (/** @type {string} */ conversationId) => membersOf(conversationId).map((m) => m.fingerprint);
  const send = (link, op, id, extra) => link?.send(CALL_TYPE, callMessage(op, id, extra)).catch(() => {});
  /** Something to redraw; `ended`: the call that just ended. */
  const changed = (/** @type {Call | null} */ ended = null) => events.emit('call-changed', { call: live?.call ?? null, ended });

  /** Steps the current call (call-state.js) and performs what that decided. */
  function dispatch(event) {
    const { call, effects } = step(live?.call ?? null, { ...event, now: Date.now() });
    if (call && live) live.call = call;
    else if (call) live = liveCall(call);
    const own = live;
    for (const effect of effects) perform(effect, own);
  }

  /** @param {import('./call-state.js').Effect} effect @param {LiveCall} own */
  function perform(effect, own) {
    switch (effect.type) {
      case 'send':
        return send(effect.to, effect.op, effect.id, effect.extra);
      case 'remove-media':
        return mesh.remove(/** @type {MediaLink | null} */ (effect.link), mediaOf(own, effect.fingerprint));
      case 'sync-media':
        return mesh.sync(own.local, own.cameraOff, /** @type {MediaLink | null} */ (effect.link), mediaOf(own, effect.fingerprint));
      case 'grace': {
        const media = mediaOf(own, effect.fingerprint);
        clearTimeout(media.graceTimer);
        media.graceTimer = setTimeout(() => live === own && dispatch({ type: 'grace-expired', fingerprint: effect.fingerprint }), effect.ms);
        return;
      }
      case 'clear-grace':
        return clearTimeout(mediaOf(own, effect.fingerprint).graceTimer);
      case 'ring-timer':
        own.ringTimer = setTimeout(() => live === own && dispatch({ type: 'ring-timeout' }), effect.ms);
        return;
      case 'stop-ring-timer':
        return clearTimeout(own.ringTimer);
      case 'ticking':
        clearInterval(ticker);
        ticker = setInterval(tick, statsEveryMs);
        return;
      case 'ring':
        return events.emit('ringing', { call: own.call });
      case 'changed':
        return changed(effect.ended);
      case 'record':
        return record?.(effect.conversationId, effect.content).catch?.(() => {});
      case 'end':
        return tearDown(own);
      default:
        throw new Error(`calls: no effect ${/** @type {{ type: string }} */ (effect).type}`);
    }
  }

  /** @param {LiveCall} own */
  function tearDown(own) {
    clearTimeout(own.ringTimer);
    for (const p of own.call.participants.values()) {
      const media = mediaOf(own, p.fingerprint);
      clearTimeout(media.graceTimer);
      mesh.remove(/** @type {MediaLink | null} */ (p.link), media);
    }
    stopLocal(own.local);
    if (live === own) {
      live = null;
      clearInterval(ticker);
    }
  }

  const participantOnLink = (link) => {
    const p = live && [...live.call.participants.values()].find((x) => x.link === link);
    return p ? mediaOf(live, p.fingerprint) : null;
  };
  const mesh = createMesh({
    participantOf: participantOnLink,
    onChange: () => changed(),
    onTampered: (link) => {
      if (participantOnLink(link)) live.warnings.push('A renegotiation named another DTLS certificate: that connection was dropped.');
    },
    announceScreen: (link, streamId) => live && send(link, 'media', live.call.id, { screen: streamId }),
  });

  // ---- our side of the call ----

  async function start(conversationId, { video = true } = {}) {
    if (live) throw callError('You are already in a call.', 'busy');
    const members = membersOf(conversationId);
    if (!members.length) throw callError('There is nobody to call in this conversation.', 'no-members');
    if (members.length + 1 > MAX_PARTICIPANTS) {
      throw callError(`Calls work for up to ${MAX_PARTICIPANTS} people (a direct connection to each); this group has ${members.length + 1}.`, 'too-many');
    }
    const online = members.filter((m) => sessions.linkTo(m.fingerprint));
    if (!online.length) throw callError('Nobody in this conversation is online right now: a call needs them connected.', 'offline');
    const initiator = identity.fingerprint;
    dispatch({ type: 'start', id: toHex(randomBytes(16)), conversationId, video, initiator, online: online.map((m) => m.fingerprint) });
    const own = live;
    await openMedia(own);
    if (live !== own) return own.call;
    syncLocalStream(own);
    dispatch({ type: 'dial', reach: reachOf(sessions, own.call) });
    return own.call;
  }

  /** Answers the ringing call; `video: false` answers with sound only. @param {{ video?: boolean }} [options] */
  async function accept({ video } = {}) {
    const own = live;
    if (!answerable(own?.call)) return;
    own.cameraOff = video === false || !own.call.video;
    dispatch({ type: 'accept', video });
    await openMedia(own);
    if (live !== own) return;
    syncLocalStream(own);
    dispatch({ type: 'announce', reach: reachOf(sessions, own.call) });
  }

  // ---- sessions coming and going (events of net/sessions.js) ----

  const stopUp = sessions.onUp((fingerprint, link) => {
    if (!live) return;
    const { call } = live;
    dispatch({ type: 'session-up', from: fingerprint, link, reach: reachOf(sessions, call, [fingerprint]), members: memberFingerprints(call.conversationId) });
  });
  const stopEnd = sessions.onEnd((fingerprint, link) => {
    if (live) dispatch({ type: 'session-end', from: fingerprint, link, reach: reachOf(sessions, live.call, [fingerprint]) });
  });

  // ---- every tick (statsEveryMs): unanswered rings, stats, speaking ----

  async function tick() {
    const own = live;
    if (!own) return;
    dispatch({ type: 'tick' });
    for (const fingerprint of own.call.participants.keys()) {
      const p = own.call.participants.get(fingerprint);
      if (p.state !== 'joined' || p.link?.state !== 'ready') continue;
      try {
        mediaOf(own, fingerprint).stats = await mesh.inboundStats(p.link.pc);
      } catch {
        // closed meanwhile
      }
    }
    if (live !== own) return;
    if (own.call.accepted) {
      const anyLink = /** @type {MediaLink | null | undefined} */ (joinedOthers(own.call).find((p) => p.link?.state === 'ready')?.link);
      own.localLevel = anyLink ? await mesh.localAudioLevel(anyLink.pc).catch(() => 0) : 0;
    }
    if (live === own) dispatch({ type: 'stats-read' });
  }

  // ---- controls during a call (controls.js) ----

  const controls = createControls({
    current: () => live,
    resync(own) {
      syncLocalStream(own);
      for (const p of joinedOthers(own.call)) mesh.sync(own.local, own.cameraOff, /** @type {MediaLink | null} */ (p.link), mediaOf(own, p.fingerprint));
      changed();
    },
    changed: () => changed(),
    cameraOn: () => dispatch({ type: 'camera-on' }),
    screenOff: (own) => {
      for (const p of joinedOthers(own.call)) send(p.link, 'media', own.call.id, { screen: null });
    },
  });

  return {
    /** What happens to calls, by name (CallEventMap). */
    events: { on: events.on },
    /** The current call (null: none): its state (call-state.js), with what each participant sends us (streams, statistics). */
    current() {
      if (!live) return null;
      const participants = [...live.call.participants].map(([fingerprint, p]) => {
        const { streams, stats } = mediaOf(live, fingerprint);
        return /** @type {const} */ ([fingerprint, { ...p, streams, stats }]);
      });
      return { ...live.call, participants: new Map(participants) };
    },
    /** What the call screen draws of the current call (null: none). */
    view: () => live && viewOf(live),
    start,
    accept,
    decline: () => dispatch({ type: 'decline' }),
    /** Leaves the call (or stops ringing, for the caller). */
    hangup: () => dispatch({ type: 'hangup' }),
    ...controls,
    /** The call protocol's frames, for the dispatcher (net/protocol.js). */
    frames: {
      call(fingerprint, link, data) {
        const body = parseCallMessage(data);
        if (!body) return;
        // The members of the conversation it concerns: the invite's, or our call's.
        const conversationId = body.op === 'invite' ? body.conv : live?.call.conversationId;
        dispatch({ type: 'message', from: fingerprint, link, body, members: conversationId ? memberFingerprints(conversationId) : [] });
      },
      rtc(fingerprint, link, data) {
        try {
          mesh.negotiatorFor(link).receive(data);
        } catch {
          // malformed renegotiation: ignored, the media stays as it was
        }
      },
    },
    close() {
      if (live) dispatch({ type: 'hangup' });
      clearInterval(ticker);
      stopUp();
      stopEnd();
      events.clear();
    },
  };
}
