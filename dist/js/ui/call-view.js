// @ts-check
// The call screen: ringing (in and out), participant tiles with speaking
// indicators, controls, and what protects the call. Media elements live as
// long as their participant, so the once-a-second refresh never flickers.

import { el, replaceChildren } from './dom.js';
import { listDevices } from '../calls/media.js';
import { MAX_PARTICIPANTS } from '../calls/calls.js';
import { createNamer } from './names.js';
import { formatDuration } from './time.js';

/**
 * @typedef {import('../calls/calls.js').Call} Call
 * @typedef {import('../calls/calls.js').CallView} CallView
 * @typedef {{ figure: HTMLElement, video: HTMLVideoElement, caption: HTMLElement }} Tile  one participant's (or screen's) picture and name
 */

/** @type {Record<string, string>} */
const STATE_TEXT = {
  ringing: 'ringing…',
  joined: '',
  reconnecting: 'reconnecting…',
  left: 'left',
  declined: 'declined',
  busy: 'busy',
  'no-answer': 'did not answer',
};

/** A repeating two-tone ring while a call comes in (silent if audio is blocked). */
function createRinger() {
  /** @type {AudioContext | null} */
  let context = null;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  function burst() {
    try {
      context ??= new AudioContext();
      for (const [offset, frequency] of [
        [0, 440],
        [0.4, 480],
      ]) {
        const oscillator = context.createOscillator();
        const gain = context.createGain();
        const at = context.currentTime + offset;
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.06, at);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(at);
        oscillator.stop(at + 0.35);
      }
    } catch {
      // no audio output
    }
  }
  return {
    start() {
      if (timer) return;
      burst();
      timer = setInterval(burst, 2_000);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * services: { calls, contacts, groups, chat, identity, safetyNumber(spki) }.
 * The view redraws on the calls' 'call-changed' events until it is unmounted.
 * @param {HTMLElement} parent
 * @param {Pick<import('./home-view.js').Services, 'calls' | 'contacts' | 'groups' | 'chat' | 'identity' | 'safetyNumber'>} services
 */
export function mountCallView(parent, { calls, contacts, groups, chat, identity, safetyNumber }) {
  const ringer = createRinger();
  /** @type {Map<string, Tile>} */
  const tiles = new Map();
  /** The safety numbers shown, and which call and participants they are of. @type {{ key: string | null, text: string }} */
  let safety = { key: null, text: '' };
  /** @type {Call | null} */
  let lastEnded = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let endedTimer;

  const title = el('h2', { className: 'call-title' });
  const status = el('p', { className: 'call-status', role: 'status' });
  const e2e = el('p', { className: 'call-e2e hint' });
  const warnings = el('ul', { className: 'call-warnings', role: 'alert' });
  const grid = el('div', { className: 'call-tiles' });
  const incoming = el('div', { className: 'call-incoming' });
  const controls = el('div', { className: 'call-controls' });
  const micPicker = el('select', { className: 'call-mic', 'aria-label': 'Microphone', onchange: () => calls.useDevice('audio', micPicker.value) });
  const camPicker = el('select', { className: 'call-cam', 'aria-label': 'Camera', onchange: () => calls.useDevice('video', camPicker.value) });
  /** The current call as the screen draws it (calls/calls.js `view`: a copy, never the live call). */
  const current = () => calls.view();
  const acceptButton = el('button', { type: 'button', className: 'primary call-accept', onclick: () => calls.accept({ video: current()?.video }) });
  const acceptAudioButton = el('button', {
    type: 'button',
    className: 'call-accept-audio',
    text: 'Accept without video',
    onclick: () => calls.accept({ video: false }),
  });
  const declineButton = el('button', { type: 'button', className: 'danger call-decline', text: 'Decline', onclick: () => calls.decline() });
  replaceChildren(incoming, acceptButton, acceptAudioButton, declineButton);
  const muteButton = el('button', { type: 'button', className: 'call-mute', onclick: () => calls.setMuted(!current()?.muted) });
  const cameraButton = el('button', { type: 'button', className: 'call-camera', onclick: () => calls.setCamera(!!current()?.cameraOff) });
  const shareButton = el('button', { type: 'button', className: 'call-screen-share', onclick: () => calls.shareScreen(!current()?.local.screen) });
  const hangupButton = el('button', { type: 'button', className: 'danger call-hangup', onclick: () => calls.hangup() });
  const closeButton = el('button', { type: 'button', className: 'call-close', text: 'Close', hidden: true, onclick: () => hide() });
  replaceChildren(controls, muteButton, cameraButton, shareButton, micPicker, camPicker, hangupButton, closeButton);
  const root = el(
    'section',
    { id: 'call', className: 'call-screen', hidden: true, 'aria-label': 'Call' },
    el('header', {}, title, status),
    e2e,
    warnings,
    incoming,
    grid,
    controls,
  );
  parent.append(root);

  // How a person is named (ui/names.js): display names stated in any of our groups count.
  const namer = createNamer({ contacts, chat, self: identity.fingerprint });
  const nameOf = (/** @type {string} */ fingerprint) =>
    namer(
      fingerprint,
      groups.list().map((g) => g.conversationId),
    );

  /** The tile `key` (made on first use), captioned `label`. @param {string} key @param {{ label: string, muted?: boolean }} shown @returns {Tile} */
  function tile(key, { label, muted }) {
    let t = tiles.get(key);
    if (!t) {
      const video = el('video', { autoplay: true, playsInline: true, muted: !!muted });
      const caption = el('figcaption', {});
      const figure = el('figure', { className: 'call-tile', 'data-tile': key }, video, caption);
      t = { figure, video, caption };
      tiles.set(key, t);
    }
    t.caption.textContent = label;
    return t;
  }

  /** @param {Tile} t @param {MediaStream | null} stream */
  function setStream(t, stream) {
    if (t.video.srcObject !== stream) t.video.srcObject = stream ?? null;
    const hasVideo = !!stream?.getVideoTracks().some((track) => track.readyState === 'live');
    t.figure.classList.toggle('no-video', !hasVideo);
  }

  async function fillDevices() {
    const { microphones, cameras } = await listDevices().catch(() => ({ microphones: [], cameras: [] }));
    const options = (/** @type {{ deviceId: string, label: string }[]} */ list) => list.map((d) => el('option', { value: d.deviceId, text: d.label }));
    replaceChildren(micPicker, options(microphones));
    replaceChildren(camPicker, options(cameras));
  }

  /** @param {CallView} call */
  async function showSafety(call) {
    const others = call.participants.map((p) => p.fingerprint);
    const key = `${call.id} ${others.join(',')}`;
    if (safety.key === key) return;
    safety = { key, text: '' };
    const lines = [];
    for (const fingerprint of others) {
      const spki = chat.conversation(call.conversationId)?.members.find((m) => m.fingerprint === fingerprint)?.spki;
      if (!spki) continue;
      try {
        lines.push(`${nameOf(fingerprint)}: ${await safetyNumber(spki)}`);
      } catch {
        // shown without it
      }
    }
    if (safety.key === key) {
      safety.text = lines.join(' · ');
      render();
    }
  }

  /** @param {CallView} call */
  function renderCall(call) {
    const conversation = chat.conversation(call.conversationId);
    const kind = call.video ? 'Video call' : 'Voice call';
    const waitingForUs = !call.outgoing && !call.accepted;
    root.dataset.state = waitingForUs ? 'incoming' : call.state;
    title.textContent = `${kind} · ${conversation?.title ?? ''}`;
    status.textContent = waitingForUs
      ? `${nameOf(call.initiator)} is calling…`
      : call.state === 'ringing'
        ? 'Ringing…'
        : `In call · ${formatDuration(Date.now() - call.activeAt)}`;
    e2e.textContent = `🔒 End-to-end encrypted. Sound and video go directly to each participant (DTLS-SRTP) over a connection whose keys your identities authenticated; no server sees them. ${safety.text ? `Safety numbers — ${safety.text}. ` : ''}Group calls: up to ${MAX_PARTICIPANTS} people.`;
    showSafety(call);
    const shown = [...new Set(call.warnings)];
    if (warnings.dataset.count !== String(shown.length)) {
      // a live region: announce only what is new
      warnings.dataset.count = String(shown.length);
      replaceChildren(
        warnings,
        shown.map((w) => el('li', { text: w })),
      );
    }

    if (waitingForUs) ringer.start();
    else ringer.stop();
    acceptButton.textContent = call.video ? 'Accept with video' : 'Accept';
    acceptAudioButton.hidden = !call.video;
    incoming.hidden = !waitingForUs;

    // Tiles: ourselves, then each participant (and their screen, if shared).
    const keep = new Set();
    const own = tile('self', { label: `You${call.muted ? ' · muted' : ''}`, muted: true });
    setStream(own, call.local.stream);
    own.figure.classList.toggle('speaking', !call.muted && (call.localLevel ?? 0) > 0.02);
    keep.add('self');
    for (const p of call.participants) {
      const t = tile(p.fingerprint, { label: [nameOf(p.fingerprint), STATE_TEXT[p.state]].filter(Boolean).join(' · ') });
      t.figure.dataset.fingerprint = p.fingerprint;
      t.figure.dataset.state = p.state;
      const { camera, screen } = p;
      setStream(t, camera);
      t.figure.classList.toggle('speaking', p.speaking);
      keep.add(p.fingerprint);
      if (screen) {
        const s = tile(`screen ${p.fingerprint}`, { label: `${nameOf(p.fingerprint)}’s screen`, muted: true });
        s.figure.classList.add('screen');
        setStream(s, screen);
        keep.add(`screen ${p.fingerprint}`);
      }
    }
    if (call.local.screenStream) {
      const s = tile('screen self', { label: 'Your screen', muted: true });
      s.figure.classList.add('screen');
      setStream(s, call.local.screenStream);
      keep.add('screen self');
    }
    for (const [key, t] of tiles) {
      if (!keep.has(key)) {
        t.video.srcObject = null;
        tiles.delete(key);
      }
    }
    // Re-attaching a playing <video> restarts it: only when the set changes.
    const order = [...keep].join('|');
    if (grid.dataset.order !== order) {
      grid.dataset.order = order;
      replaceChildren(
        grid,
        [...keep].map((key) => /** @type {Tile} */ (tiles.get(key)).figure),
      );
    }

    // Controls are updated in place (never rebuilt), so focus stays put.
    controls.hidden = !call.accepted;
    closeButton.hidden = true;
    for (const node of [muteButton, cameraButton, shareButton, micPicker, camPicker, hangupButton]) node.hidden = false;
    muteButton.textContent = call.muted ? 'Unmute' : 'Mute';
    muteButton.setAttribute('aria-pressed', String(call.muted));
    cameraButton.textContent = call.cameraOff ? 'Camera on' : 'Camera off';
    cameraButton.setAttribute('aria-pressed', String(call.cameraOff));
    shareButton.textContent = call.local.screen ? 'Stop sharing' : 'Share screen';
    shareButton.setAttribute('aria-pressed', String(!!call.local.screen));
    hangupButton.textContent = call.state === 'ringing' ? 'Cancel' : 'Hang up';
  }

  /** @param {Call} call */
  function renderEnded(call) {
    ringer.stop();
    root.dataset.state = 'ended';
    const what = {
      declined: 'Call declined',
      missed: call.outgoing ? 'No answer' : 'Missed call',
      busy: 'Busy',
      cancelled: 'Call cancelled',
      'answered-elsewhere': 'Answered on another device',
      'declined-elsewhere': 'Declined on another device',
    }[call.outcome];
    status.textContent = what ?? (call.activeAt ? `Call ended · ${formatDuration(call.endedAt - call.activeAt)}` : 'Call ended');
    incoming.hidden = true;
    controls.hidden = false;
    for (const node of [muteButton, cameraButton, shareButton, micPicker, camPicker, hangupButton]) node.hidden = true;
    closeButton.hidden = false;
    for (const t of tiles.values()) t.video.srcObject = null;
    tiles.clear();
    replaceChildren(grid);
    grid.dataset.order = '';
  }

  function hide() {
    clearTimeout(endedTimer);
    lastEnded = null;
    root.hidden = true;
    document.body.classList.remove('in-call');
  }

  /** Redraws the current call, or `ended` (the call that just ended) for a few seconds. @param {Call | null} [ended] */
  function render(ended) {
    const call = current();
    if (ended) {
      lastEnded = ended;
      clearTimeout(endedTimer);
      endedTimer = setTimeout(hide, 4_000);
    }
    if (call) {
      if (root.hidden) fillDevices();
      root.hidden = false;
      document.body.classList.add('in-call');
      renderCall(call);
    } else if (lastEnded) {
      renderEnded(lastEnded);
    } else {
      ringer.stop();
      hide();
    }
  }

  const stopListening = calls.events.on('call-changed', ({ ended }) => render(ended));

  return {
    unmount() {
      stopListening();
      ringer.stop();
      clearTimeout(endedTimer);
      root.remove();
      document.body.classList.remove('in-call');
    },
  };
}
