// @ts-check
// Our own side of a call in progress: mute, camera, screen sharing, which
// microphone and camera. These change our local tracks only; calls.js makes
// every participant's senders follow and redraws, and the call's state
// (call-state.js) learns only that the call now has video.

import { openCamera, openMicrophone, openScreen, explainMediaError } from './media.js';

/** @typedef {import('./calls.js').LiveCall} LiveCall */

/**
 * current() → the live call (calls.js; null: none); resync(live): our tracks
 * changed, the preview and every participant's senders follow and the screen
 * redraws; changed(): redraw; cameraOn(): the call now has video;
 * screenOff(live): tell the participants our screen share stopped.
 * @param {{ current: () => LiveCall | null, resync: (live: LiveCall) => void, changed: () => void, cameraOn: () => void, screenOff: (live: LiveCall) => void }} deps
 */
export function createControls({ current, resync, changed, cameraOn, screenOff }) {
  /** @param {boolean} muted */
  function setMuted(muted) {
    const live = current();
    if (!live) return;
    live.muted = muted;
    // A disabled track sends silence: no renegotiation, and the microphone
    // stays ready for unmuting at once.
    if (live.local.audio) live.local.audio.enabled = !muted;
    changed();
  }

  /** Camera on/off. Off stops the camera itself (its light goes out). @param {boolean} on */
  async function setCamera(on) {
    const live = current();
    if (!live) return;
    if (!on) {
      live.cameraOff = true;
      live.local.camera?.stop();
      live.local.camera = null;
      return resync(live);
    }
    try {
      const track = await openCamera(live.devices.video);
      if (current() !== live) return track.stop();
      live.local.camera = track;
      live.cameraOff = false;
      cameraOn();
    } catch (error) {
      live.warnings.push(explainMediaError(error, 'camera'));
    }
    resync(live);
  }

  /** @param {boolean} on */
  async function shareScreen(on) {
    const live = current();
    if (!live) return;
    if (!on) {
      live.local.screen?.stop();
      live.local.screen = null;
      live.local.screenStream = null;
      screenOff(live);
      return resync(live);
    }
    try {
      const track = await openScreen();
      if (current() !== live) return track.stop();
      live.local.screen = track;
      live.local.screenStream = new MediaStream([track]);
      // The browser's own "Stop sharing" button ends the track.
      track.addEventListener('ended', () => {
        if (current() === live && live.local.screen === track) shareScreen(false);
      });
    } catch (error) {
      if (error?.name !== 'NotAllowedError') live.warnings.push(explainMediaError(error, 'screen'));
    }
    resync(live);
  }

  /** Switches microphone ('audio') or camera ('video') to `deviceId`. @param {'audio' | 'video'} kind @param {string} deviceId */
  async function useDevice(kind, deviceId) {
    const live = current();
    if (!live) return;
    live.devices[kind] = deviceId;
    const slot = kind === 'audio' ? 'audio' : 'camera';
    if (kind === 'video' && live.cameraOff) return;
    try {
      const track = kind === 'audio' ? await openMicrophone(deviceId) : await openCamera(deviceId);
      if (current() !== live) return track.stop();
      live.local[slot]?.stop();
      live.local[slot] = track;
      if (slot === 'audio') track.enabled = !live.muted;
    } catch (error) {
      live.warnings.push(explainMediaError(error, kind === 'audio' ? 'microphone' : 'camera'));
    }
    resync(live);
  }

  return { setMuted, setCamera, shareScreen, useDevice };
}
