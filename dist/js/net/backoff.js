// @ts-check
// Politeness: retry delays that grow and spread out, and the signals that
// mean "the network or the machine just came back, try again now".

/** Jittered exponential delay for retry number `attempt` (0-based). @param {number} attempt @param {{ baseMs?: number, maxMs?: number }} [options] */
export function backoffDelay(attempt, { baseMs = 1_000, maxMs = 60_000 } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  // Full jitter in the upper half: many clients never retry in lockstep.
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/** Timer drift this large means the machine slept (timers stop in sleep). */
export const WAKE_DRIFT_MS = 15_000;
const TICK_MS = 5_000;

/**
 * Calls `onWake(reason)` when the browser comes online, the page becomes
 * visible again, or the machine wakes from sleep. Returns a stop function.
 * @param {(reason: 'resume' | 'online' | 'visible') => void} onWake
 */
export function watchWake(onWake) {
  let last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    if (now - last > TICK_MS + WAKE_DRIFT_MS) onWake('resume');
    last = now;
  }, TICK_MS);
  const online = () => onWake('online');
  const visible = () => {
    if (!document.hidden) onWake('visible');
  };
  addEventListener('online', online);
  document.addEventListener('visibilitychange', visible);
  return () => {
    clearInterval(tick);
    removeEventListener('online', online);
    document.removeEventListener('visibilitychange', visible);
  };
}
