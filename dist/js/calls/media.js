// @ts-check
// Local media for calls: microphone, camera and screen. Anything missing or
// refused becomes a sentence the user can act on, and the call goes on with
// whatever is available (sound only, video only, or listening only).

/** What we ask cameras for: the 640×480 the call benchmark measures. */
export const VIDEO_CONSTRAINTS = { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } };
const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** A user-facing explanation of a getUserMedia / getDisplayMedia failure. @param {any} error @param {string} what */
export function explainMediaError(error, what) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Access to the ${what} was denied. Allow it in the browser’s site settings, then try again.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} is in use by another program or could not be started.`;
    default:
      return `The ${what} could not be used (${error?.message ?? 'unknown error'}).`;
  }
}

function hasMediaDevices() {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;
}

/** @param {'audio' | 'video'} kind @param {string | null} [deviceId] @returns {Promise<MediaStreamTrack>} */
async function oneTrack(kind, deviceId) {
  const base = kind === 'audio' ? AUDIO_CONSTRAINTS : VIDEO_CONSTRAINTS;
  const constraints = deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
  const stream = await navigator.mediaDevices.getUserMedia({ [kind]: constraints });
  return stream.getTracks()[0];
}

/**
 * Opens the microphone and (for a video call) the camera.
 * Resolves to {audio, video, warnings}: tracks may be null, never throws.
 * @param {{ video?: boolean, audioDevice?: string | null, videoDevice?: string | null }} [options]  the devices picked (null: the default)
 */
export async function openLocalMedia({ video, audioDevice, videoDevice } = {}) {
  const warnings = [];
  if (!hasMediaDevices()) {
    warnings.push('This browser gives no access to microphone or camera here (it needs https or localhost). You can still listen.');
    return { audio: null, video: null, warnings };
  }
  let audio = null;
  let camera = null;
  try {
    audio = await oneTrack('audio', audioDevice);
  } catch (error) {
    warnings.push(`${explainMediaError(error, 'microphone')} Others cannot hear you.`);
  }
  if (video) {
    try {
      camera = await oneTrack('video', videoDevice);
    } catch (error) {
      warnings.push(`${explainMediaError(error, 'camera')} The call continues without your video.`);
    }
  }
  return { audio, video: camera, warnings };
}

/** A camera track (turning the camera back on, or switching cameras). */
export const openCamera = (/** @type {string | null | undefined} */ deviceId) => oneTrack('video', deviceId);
/** A microphone track (switching microphones). */
export const openMicrophone = (/** @type {string | null | undefined} */ deviceId) => oneTrack('audio', deviceId);

/** The screen, a window or a tab, as the user picks it. */
export async function openScreen() {
  if (!navigator.mediaDevices?.getDisplayMedia) throw new Error('This browser cannot share the screen.');
  const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
  return stream.getVideoTracks()[0];
}

/** Microphones and cameras, for the device pickers. */
export async function listDevices() {
  if (!navigator.mediaDevices?.enumerateDevices) return { microphones: [], cameras: [] };
  const devices = await navigator.mediaDevices.enumerateDevices();
  const named = (/** @type {MediaDeviceKind} */ kind, /** @type {string} */ fallback) =>
    devices.filter((d) => d.kind === kind).map((d, i) => ({ deviceId: d.deviceId, label: d.label || `${fallback} ${i + 1}` }));
  return { microphones: named('audioinput', 'Microphone'), cameras: named('videoinput', 'Camera') };
}
