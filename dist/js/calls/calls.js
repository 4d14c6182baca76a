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

import { randomBytes, toHex } from '../core/encoding.js';
import { openCamera, openLocalMedia, openMicrophone, openScreen, explainMediaError } from './media.js';
import { inCall, transition } from './participants.js';
import { CALL_TYPE, callMessage, parseCallMessage } from './messages.js';
import { SLOTS, createMesh } from './mesh.js';
import { sameDevice } from '../net/instance.js';

export { CALL_TYPE, parseCallMessage };
/** An unanswered call stops ringing after this long. */
export const RING_TIMEOUT_MS = 45_000;
/** A participant whose session dropped has this long to come back. */
export const RECONNECT_GRACE_MS = 30_000;
/** ... and this long if its channel closed (most often: the tab closed or reloaded). */
export const CLOSED_GRACE_MS = 10_000;
/** Largest mesh we offer (see docs/decisions.md, measured by tests/bench/calls.mjs). */
export const MAX_PARTICIPANTS = 4;
const TICK_MS = 1_000;

function callError(message, code) {
  return Object.assign(new Error(message), { code });
}

/**
 * identity: ours; sessions: the session registry (net/sessions.js), whose
 * up/down events drive reconnection; membersOf(conversationId) →
 * [{fingerprint}] (without us); record(conversationId, content) posts the
 * call's summary to the conversation; onChange(call); onRing(call) when a
 * call comes in.
 */
export function createCalls({ identity, sessions, membersOf, record, onChange, onRing }) {
  let current = null;
  let ticker = null;
  let rtcFramesReceived = 0;
  const linkTo = (fingerprint) => sessions.linkTo(fingerprint);

  /** Every state change of a participant goes through the table (participants.js). */
  function move(call, p, event) {
    const before = p.state;
    p.state = transition(p.state, event);
    if (before !== p.state) {
      if (!inCall(p.state)) {
        clearTimeout(p.graceTimer);
        removeMedia(p);
      }
      if (p.state === 'left' && p.fingerprint === call.initiator) call.initiatorLost = true;
    }
  }

  const changed = () => onChange?.(current);
  const sendTo = (link, op, call, extra) => link?.send(CALL_TYPE, callMessage(op, call.id, extra)).catch(() => {});
  const participantOnLink = (link) => (current && [...current.participants.values()].find((x) => x.link === link)) ?? null;
  const mesh = createMesh({
    participantOf: participantOnLink,
    onChange: changed,
    onTampered: (link) => {
      if (participantOnLink(link)) current.warnings.push('A renegotiation named another DTLS certificate: that connection was dropped.');
    },
    announceScreen: (link, streamId) => current && sendTo(link, 'media', current, { screen: streamId }),
  });
  const syncMedia = (call, p) => mesh.sync(call.local, call.cameraOff, p);
  const removeMedia = (p) => mesh.remove(p);

  function participant(fingerprint, state) {
    return {
      fingerprint,
      state,
      link: null,
      /** The sessions (one per device) an invite went to while ringing. */
      rung: new Set(),
      announced: false,
      invitedAt: Date.now(),
      senders: {},
      streams: new Map(),
      screenStreamId: null,
      lostAt: 0,
      stats: {},
      graceTimer: null,
    };
  }

  const joinedOthers = (call) => [...call.participants.values()].filter((p) => inCall(p.state));

  // ---- local media ----

  async function openMedia(call) {
    const { audio, video, warnings } = await openLocalMedia({ video: call.video, audioDevice: call.devices.audio, videoDevice: call.devices.video });
    call.local.audio = audio;
    call.local.camera = video;
    call.warnings.push(...warnings);
    if (call.state === 'ended') stopLocal(call); // hung up while the browser asked for permission
  }

  function stopLocal(call) {
    for (const slot of SLOTS) {
      call.local[slot]?.stop();
      call.local[slot] = null;
    }
  }

  // ---- call lifecycle ----

  function newCall({ id, conversationId, video, initiator, outgoing }) {
    const call = {
      id,
      conversationId,
      video,
      initiator,
      outgoing,
      state: 'ringing',
      accepted: outgoing, // we are in the media mesh
      createdAt: Date.now(),
      activeAt: 0,
      participants: new Map(),
      local: { audio: null, camera: null, screen: null, stream: new MediaStream(), screenStream: null },
      muted: false,
      cameraOff: !video,
      devices: { audio: null, video: null },
      warnings: [],
      ringTimer: null,
      initiatorLost: false,
    };
    return call;
  }

  function startTicking() {
    clearInterval(ticker);
    ticker = setInterval(tick, TICK_MS);
  }

  async function start(conversationId, { video = true } = {}) {
    if (current) throw callError('You are already in a call.', 'busy');
    const members = membersOf(conversationId);
    if (!members.length) throw callError('There is nobody to call in this conversation.', 'no-members');
    if (members.length + 1 > MAX_PARTICIPANTS) {
      throw callError(`Calls work for up to ${MAX_PARTICIPANTS} people (a direct connection to each); this group has ${members.length + 1}.`, 'too-many');
    }
    const online = members.filter((m) => linkTo(m.fingerprint));
    if (!online.length) throw callError('Nobody in this conversation is online right now: a call needs them connected.', 'offline');
    const call = newCall({ id: toHex(randomBytes(16)), conversationId, video, initiator: identity.fingerprint, outgoing: true });
    current = call;
    for (const m of online) call.participants.set(m.fingerprint, participant(m.fingerprint, 'ringing'));
    changed();
    await openMedia(call);
    if (current !== call) return call;
    syncLocalStream(call);
    for (const p of call.participants.values()) {
      p.link = linkTo(p.fingerprint);
      ring(call, p);
    }
    call.ringTimer = setTimeout(() => {
      if (current === call && call.state === 'ringing') {
        for (const p of call.participants.values()) for (const link of reach(p)) sendTo(link, 'cancel', call);
        end(call, 'missed');
      }
    }, RING_TIMEOUT_MS);
    startTicking();
    changed();
    return call;
  }

  function syncLocalStream(call) {
    const { stream } = call.local;
    for (const track of stream.getTracks()) stream.removeTrack(track);
    if (call.local.audio) stream.addTrack(call.local.audio);
    if (call.local.camera && !call.cameraOff) stream.addTrack(call.local.camera);
  }

  /** Answers the ringing call; `video: false` answers with sound only. */
  async function accept({ video } = {}) {
    const call = current;
    if (!call || call.outgoing || call.accepted) return;
    call.accepted = true;
    if (video === false) call.video = false;
    call.cameraOff = !call.video;
    clearTimeout(call.ringTimer);
    call.state = 'active';
    call.activeAt = Date.now();
    changed();
    await openMedia(call);
    if (current !== call) return;
    syncLocalStream(call);
    for (const p of call.participants.values()) announce(call, p);
    startTicking();
    changed();
  }

  /**
   * Tells `p` we are in the call, once we have a session with them: every
   * device of a member still ringing (we cannot know which will answer),
   * the device a member is in the call from otherwise.
   */
  function announce(call, p) {
    if (p.announced || p.state === 'declined' || p.state === 'left' || p.state === 'busy') return;
    const targets = p.state === 'ringing' ? sessions.linksTo(p.fingerprint) : [deviceLink(p)].filter((link) => link !== null);
    if (!targets.length) return;
    p.announced = true;
    for (const link of targets) sendTo(link, 'accept', call);
  }

  /** `p`'s ready session on the device it is in the call from (a reload's new one included). */
  function deviceLink(p) {
    if (p.link?.state === 'ready') return p.link;
    if (!p.link) return linkTo(p.fingerprint);
    return sessions.linksTo(p.fingerprint).find((link) => sameDevice(link, p.link)) ?? null;
  }

  /** Where a message to `p` goes: every rung device while it rings, its own device after. */
  function reach(p) {
    if (p.state === 'ringing' && p.rung.size) return [...p.rung].filter((link) => link.state === 'ready');
    return p.link ? [p.link] : [];
  }

  /** Rings `p` on `links` (by default every device of theirs not rung yet). */
  function ring(call, p, links = sessions.linksTo(p.fingerprint).filter((link) => !p.rung.has(link))) {
    for (const link of links) {
      p.rung.add(link);
      sendTo(link, 'invite', call, { conv: call.conversationId, video: call.video, members: [...call.participants.keys()] });
    }
  }

  /** The caller tells `p`'s other rung devices that one of them answered or declined. */
  function settleRinging(call, p, link, how) {
    if (!call.outgoing) return;
    // A device may be rung over several sessions (a pair room and a group
    // room): only other devices hear it.
    for (const other of p.rung) if (!sameDevice(other, link) && other.state === 'ready') sendTo(other, 'elsewhere', call, { how });
    p.rung.clear();
  }

  function decline() {
    const call = current;
    if (!call || call.outgoing || call.accepted) return;
    for (const p of call.participants.values()) sendTo(p.link, 'decline', call);
    end(call, 'declined');
  }

  /** Leaves the call (or stops ringing, for the caller). */
  function hangup() {
    const call = current;
    if (!call) return;
    if (!call.accepted) return decline();
    const op = call.state === 'ringing' ? 'cancel' : 'hangup';
    for (const p of call.participants.values()) if (p.state !== 'left') for (const link of reach(p)) sendTo(link, op, call);
    end(call, call.state === 'ringing' ? 'cancelled' : 'ended');
  }

  function end(call, outcome) {
    if (call.state === 'ended') return;
    clearTimeout(call.ringTimer);
    call.state = 'ended';
    call.outcome = outcome;
    call.endedAt = Date.now();
    for (const p of call.participants.values()) {
      clearTimeout(p.graceTimer);
      removeMedia(p);
    }
    stopLocal(call);
    if (current === call) {
      current = null;
      clearInterval(ticker);
    }
    // The caller writes the call into the conversation (delivered like any
    // message); the callee does only if the caller vanished without a word.
    if (call.outgoing || (call.initiatorLost && call.activeAt)) {
      const durationMs = call.activeAt ? call.endedAt - call.activeAt : 0;
      const declined = [...call.participants.values()].every((p) => p.state === 'declined' || p.state === 'busy');
      const summary = call.activeAt ? 'ended' : declined ? 'declined' : outcome === 'cancelled' ? 'cancelled' : 'missed';
      record?.(call.conversationId, { t: 'call', video: call.video, outcome: summary, durationMs }).catch?.(() => {});
    }
    onChange?.(null, call);
  }

  function maybeEnd(call) {
    const others = joinedOthers(call);
    const states = [...call.participants.values()].map((p) => p.state);
    const ringing = states.includes('ringing');
    const unanswered = states.every((state) => state === 'busy')
      ? 'busy'
      : states.every((state) => state === 'declined' || state === 'busy')
        ? 'declined'
        : 'missed';
    if (call.accepted && !others.length && (call.activeAt || !ringing)) end(call, call.activeAt ? 'ended' : unanswered);
    else if (!call.accepted && !others.length) end(call, 'missed');
  }

  /** Takes `link` as `p`'s session (first time, or after a reconnect). */
  function adopt(call, p, link) {
    if (p.link !== link) {
      removeMedia(p);
      p.link = link;
    }
    clearTimeout(p.graceTimer);
    if (p.state === 'reconnecting') move(call, p, 'back');
    if (call.accepted && p.state === 'joined') syncMedia(call, p);
  }

  function onCallMessage(fingerprint, link, body) {
    const call = current;
    if (body.op === 'invite') {
      if (call && call.id !== body.id) {
        sendTo(link, 'busy', { id: body.id });
        return;
      }
      if (call) return; // a repeated invite
      const members = membersOf(body.conv);
      if (!members.some((m) => m.fingerprint === fingerprint)) return; // not someone of that conversation
      const incoming = newCall({ id: body.id, conversationId: body.conv, video: !!body.video, initiator: fingerprint, outgoing: false });
      const others = Array.isArray(body.members) ? body.members : [];
      for (const m of members) {
        if (m.fingerprint === fingerprint) {
          const caller = participant(fingerprint, 'joined');
          caller.link = link;
          incoming.participants.set(fingerprint, caller);
        } else if (others.includes(m.fingerprint) && others.length < MAX_PARTICIPANTS) {
          incoming.participants.set(m.fingerprint, participant(m.fingerprint, 'ringing'));
        }
      }
      current = incoming;
      incoming.ringTimer = setTimeout(() => {
        if (current === incoming && !incoming.accepted) end(incoming, 'missed');
      }, RING_TIMEOUT_MS + 5_000);
      startTicking();
      onRing?.(incoming);
      changed();
      return;
    }
    if (!call || call.id !== body.id) {
      if (body.op === 'resume') sendTo(link, 'hangup', { id: body.id });
      return;
    }
    let p = call.participants.get(fingerprint);
    if (
      !p &&
      body.op === 'accept' &&
      call.participants.size + 1 < MAX_PARTICIPANTS &&
      membersOf(call.conversationId).some((m) => m.fingerprint === fingerprint)
    ) {
      // A member the caller rang after we joined (they came online later).
      p = participant(fingerprint, 'ringing');
      call.participants.set(fingerprint, p);
    }
    if (!p) return;
    if (body.op === 'elsewhere') {
      // Only the caller settles which of our devices took the call.
      if (fingerprint === call.initiator && !call.outgoing) end(call, body.how === 'declined' ? 'declined-elsewhere' : 'answered-elsewhere');
      changed();
      return;
    }
    if (inCall(p.state) && p.link && p.link !== link && p.link.state === 'ready' && !sameDevice(p.link, link)) {
      // Another device of a member already in the call (both answered at
      // once): the first one stays; the caller tells this one to stop.
      if (body.op === 'accept' && call.outgoing) sendTo(link, 'elsewhere', call, { how: 'answered' });
      return;
    }
    switch (body.op) {
      case 'accept':
        if (p.state === 'ringing' || p.state === 'no-answer') settleRinging(call, p, link, 'answered');
        move(call, p, 'accept');
        adopt(call, p, link);
        if (call.accepted) {
          sendTo(link, 'here', call);
          if (call.state === 'ringing') {
            call.state = 'active';
            call.activeAt = Date.now();
            clearTimeout(call.ringTimer);
          }
        }
        break;
      case 'here':
        if (!call.accepted) break;
        move(call, p, 'here');
        adopt(call, p, link);
        break;
      case 'resume':
        if (inCall(p.state)) adopt(call, p, link);
        break;
      case 'media':
        p.screenStreamId = typeof body.screen === 'string' ? body.screen : null;
        break;
      case 'decline':
        if (p.state === 'ringing') settleRinging(call, p, link, 'declined');
        move(call, p, body.op);
        maybeEnd(call);
        break;
      case 'busy':
        // One device busy in another call: the member's other devices may still answer.
        p.rung.delete(link);
        if (p.state === 'ringing' && [...p.rung].some((other) => other.state === 'ready' && !sameDevice(other, link))) break;
        move(call, p, body.op);
        maybeEnd(call);
        break;
      case 'cancel':
      case 'hangup':
        move(call, p, 'hangup');
        if (fingerprint === call.initiator && !call.accepted) end(call, 'missed');
        else maybeEnd(call);
        break;
      default:
    }
    changed();
  }

  // ---- sessions coming and going (events of net/sessions.js) ----

  /** The session `p` was in the call on ended, with no other from that device: they left, or get a grace to come back. */
  function lose(call, p, link) {
    // A goodbye (BYE) means they left. A closed channel is a closed or
    // reloaded tab, or the other side giving up on a silent connection: a
    // short grace. Anything else (network trouble) gets the full grace.
    const reason = link?.closeReason;
    if (reason === 'peer-left') {
      move(call, p, 'goodbye');
    } else {
      move(call, p, 'lost');
      p.lostAt = Date.now();
      removeMedia(p);
      clearTimeout(p.graceTimer);
      p.graceTimer = setTimeout(
        () => {
          if (current !== call || p.state !== 'reconnecting') return;
          move(call, p, 'expire');
          maybeEnd(call);
          changed();
        },
        reason === 'closed' ? CLOSED_GRACE_MS : RECONNECT_GRACE_MS,
      );
    }
    maybeEnd(call);
  }

  /** A member has a (new) session: resume media with a participant, ring a latecomer or a new device. */
  function sessionUp(fingerprint, link) {
    const call = current;
    if (!call || call.state === 'ended') return;
    const p = call.participants.get(fingerprint);
    if (p && inCall(p.state)) {
      // The device in the call came back on a new session (a reload, a new
      // connection); another device of theirs coming online changes nothing.
      if (link !== p.link && sameDevice(link, p.link)) {
        sendTo(link, 'resume', call);
        adopt(call, p, link);
      }
    } else if (p && p.state === 'ringing') {
      if (call.outgoing && !p.rung.has(link)) {
        // A device that came online (or reloaded) while it rings: ring it too.
        p.link = link;
        p.invitedAt = Date.now();
        ring(call, p, [link]);
      } else if (call.accepted && !call.outgoing) {
        // A member we had no session with when we answered.
        announce(call, p);
      }
    } else if (
      !p &&
      call.outgoing &&
      call.participants.size + 1 < MAX_PARTICIPANTS &&
      membersOf(call.conversationId).some((m) => m.fingerprint === fingerprint)
    ) {
      // The caller rings group members who come online during the call.
      const latecomer = participant(fingerprint, 'ringing');
      latecomer.link = link;
      call.participants.set(fingerprint, latecomer);
      ring(call, latecomer);
    }
    changed();
  }
  /**
   * One session with a member ended. If it carried the call, the media moves
   * to another session from the same device if one is up; otherwise the
   * member left or gets a grace to come back (their other devices, if any,
   * were never in this call).
   */
  function sessionEnd(fingerprint, link) {
    const call = current;
    const p = call?.participants.get(fingerprint);
    if (!p) return;
    p.rung.delete(link);
    if (p.link !== link || !inCall(p.state)) return;
    const fresh = sessions.linksTo(fingerprint).find((other) => other !== link && sameDevice(other, link));
    if (fresh) {
      sendTo(fresh, 'resume', call);
      adopt(call, p, fresh);
    } else {
      lose(call, p, link);
    }
    changed();
  }
  const stopUp = sessions.onUp(sessionUp);
  const stopEnd = sessions.onEnd(sessionEnd);

  // ---- once a second: stats, speaking, unanswered rings ----

  async function tick() {
    const call = current;
    if (!call) return;
    const now = Date.now();
    for (const p of call.participants.values()) {
      // Someone rung during a running call who never answers stops ringing.
      if (p.state === 'ringing' && call.activeAt && now - p.invitedAt > RING_TIMEOUT_MS + 5_000) move(call, p, 'timeout');
      if (p.state !== 'joined' || p.link?.state !== 'ready') continue;
      try {
        p.stats = await mesh.inboundStats(p.link.pc);
      } catch {
        // closed meanwhile
      }
    }
    if (call.accepted && current === call) {
      const anyLink = joinedOthers(call).find((p) => p.link?.state === 'ready')?.link;
      call.localLevel = anyLink ? await mesh.localAudioLevel(anyLink.pc).catch(() => 0) : 0;
      maybeEnd(call);
    }
    if (current === call) changed();
  }

  // ---- controls during a call ----

  function resync(call) {
    syncLocalStream(call);
    for (const p of joinedOthers(call)) syncMedia(call, p);
    changed();
  }

  function setMuted(muted) {
    if (!current) return;
    current.muted = muted;
    // A disabled track sends silence: no renegotiation, and the microphone
    // stays ready for unmuting at once.
    if (current.local.audio) current.local.audio.enabled = !muted;
    changed();
  }

  /** Camera on/off. Off stops the camera itself (its light goes out). */
  async function setCamera(on) {
    const call = current;
    if (!call) return;
    if (!on) {
      call.cameraOff = true;
      call.local.camera?.stop();
      call.local.camera = null;
      return resync(call);
    }
    try {
      const track = await openCamera(call.devices.video);
      if (current !== call) return track.stop();
      call.local.camera = track;
      call.cameraOff = false;
      call.video = true;
    } catch (error) {
      call.warnings.push(explainMediaError(error, 'camera'));
    }
    resync(call);
  }

  async function shareScreen(on) {
    const call = current;
    if (!call) return;
    if (!on) {
      call.local.screen?.stop();
      call.local.screen = null;
      call.local.screenStream = null;
      for (const p of joinedOthers(call)) sendTo(p.link, 'media', call, { screen: null });
      return resync(call);
    }
    try {
      const track = await openScreen();
      if (current !== call) return track.stop();
      call.local.screen = track;
      call.local.screenStream = new MediaStream([track]);
      // The browser's own "Stop sharing" button ends the track.
      track.addEventListener('ended', () => {
        if (current === call && call.local.screen === track) shareScreen(false);
      });
    } catch (error) {
      if (error?.name !== 'NotAllowedError') call.warnings.push(explainMediaError(error, 'screen'));
    }
    resync(call);
  }

  /** Switches microphone ('audio') or camera ('video') to `deviceId`. */
  async function useDevice(kind, deviceId) {
    const call = current;
    if (!call) return;
    call.devices[kind] = deviceId;
    const slot = kind === 'audio' ? 'audio' : 'camera';
    if (kind === 'video' && call.cameraOff) return;
    try {
      const track = kind === 'audio' ? await openMicrophone(deviceId) : await openCamera(deviceId);
      if (current !== call) return track.stop();
      call.local[slot]?.stop();
      call.local[slot] = track;
      if (slot === 'audio') track.enabled = !call.muted;
    } catch (error) {
      call.warnings.push(explainMediaError(error, kind === 'audio' ? 'microphone' : 'camera'));
    }
    resync(call);
  }

  /**
   * What the call screen draws of the current call (null: none): a plain
   * copy made anew at each redraw, so no view reads or keeps the call's live
   * state, which only this module changes. Streams are the media handles
   * themselves.
   */
  function view() {
    const call = current;
    if (!call) return null;
    return {
      id: call.id,
      conversationId: call.conversationId,
      video: call.video,
      outgoing: call.outgoing,
      accepted: call.accepted,
      initiator: call.initiator,
      state: call.state,
      activeAt: call.activeAt,
      muted: call.muted,
      cameraOff: call.cameraOff,
      localLevel: call.localLevel ?? 0,
      warnings: [...call.warnings],
      local: { stream: call.local.stream, screen: Boolean(call.local.screen), screenStream: call.local.screenStream ?? null },
      participants: [...call.participants.values()].map((p) => {
        const streams = [...p.streams.values()];
        return {
          fingerprint: p.fingerprint,
          state: p.state,
          camera: streams.find((s) => s.id !== p.screenStreamId) ?? null,
          screen: streams.find((s) => s.id === p.screenStreamId) ?? null,
          speaking: Boolean(p.stats?.speaking),
        };
      }),
    };
  }

  return {
    current: () => current,
    view,
    start,
    accept,
    decline,
    hangup,
    setMuted,
    setCamera,
    shareScreen,
    useDevice,
    /** Renegotiation frames received over encrypted sessions so far. */
    rtcFramesReceived: () => rtcFramesReceived,
    /** The call protocol's frames, for the dispatcher (net/protocol.js). */
    frames: {
      call(fingerprint, link, data) {
        const body = parseCallMessage(data);
        if (body) onCallMessage(fingerprint, link, body);
      },
      rtc(fingerprint, link, data) {
        rtcFramesReceived += 1;
        try {
          mesh.negotiatorFor(link).receive(data);
        } catch {
          // malformed renegotiation: ignored, the media stays as it was
        }
      },
    },
    close() {
      if (current) hangup();
      clearInterval(ticker);
      stopUp();
      stopEnd();
    },
  };
}
