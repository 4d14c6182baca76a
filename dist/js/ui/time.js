// @ts-check
// How the views say how long ago something happened and how long something
// lasted: one place, so every screen says it the same way (and issue 24's
// catalog has one place to translate).

/** "12 s ago", "5 min ago", "3 h ago", "4 days ago" (never in the future: clocks differ). */
export function ago(/** @type {number} */ at, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** A call's length as a clock shows it: "0:07", "12:34", "1:02:03". */
export function formatDuration(/** @type {number} */ ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Whole seconds from now until `at` (0 once it passed): "next try in N s". */
export const secondsUntil = (/** @type {number} */ at, now = Date.now()) => Math.max(0, Math.round((at - now) / 1000));
