// @ts-check
// How long the app waits for what it cannot hurry, in one place: the
// release's profile, and a faster one the browser tests pass in (SimpleX's
// testCfg is the model), so a test waits on the app's own events instead of
// on the release's timers.
//
// The profile reaches the session from main.js and goes down to the
// services that keep these timers (calls/calls.js, net/link.js,
// chat/outbox-entries.js, chat/backlog.js). A test sets `globalThis.trusteroTiming` before
// the page's scripts run (tests/e2e/harness.mjs); only code already running
// in the page could do that, and such code could drive the whole app
// anyway (facade.js). The release's own scripts never set it.

/**
 * @typedef {object} Timing
 * @property {number} statsEveryMs  a call's statistics, duration and speaking indicator are read this often
 * @property {number} heartbeatMs  a session with nothing else to send pings this often
 * @property {number} silenceTimeoutMs  a session that heard nothing for this long is closed
 * @property {number} relayAfterMs  a message still undelivered this long after it was sent goes to the mailbox too
 * @property {number} syncAnswerEveryMs  a group member's backlog request is answered at most this often (chat/backlog.js)
 */

/** @type {Readonly<Timing>} */
export const RELEASE_TIMING = Object.freeze({
  statsEveryMs: 1_000,
  heartbeatMs: 5_000,
  silenceTimeoutMs: 16_000,
  relayAfterMs: 5_000,
  syncAnswerEveryMs: 30_000,
});

/**
 * The profile in force: the release's, with what `given` sets in its place
 * (known names, positive numbers of milliseconds; anything else is ignored,
 * and a silence shorter than two heartbeats is raised to that).
 * @param {unknown} given
 * @returns {Readonly<Timing>}
 */
export function timingProfile(given) {
  /** @type {Timing} */
  const timing = { ...RELEASE_TIMING };
  if (given && typeof given === 'object') {
    for (const name of /** @type {Array<keyof Timing>} */ (Object.keys(RELEASE_TIMING))) {
      const value = /** @type {Record<string, unknown>} */ (given)[name];
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) timing[name] = value;
    }
  }
  timing.silenceTimeoutMs = Math.max(timing.silenceTimeoutMs, 2 * timing.heartbeatMs);
  return Object.freeze(timing);
}
