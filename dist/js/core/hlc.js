// @ts-check
// Hybrid logical clocks (Kulkarni et al., 2014) for the roaming profile:
// stamps that follow wall time, yet order every edit after every edit its
// device had seen, whatever the devices' clocks say. Ties between devices
// are broken by the device id, so every device orders the same stamps the
// same way and edits converge.

/** @typedef {{ wall: number, counter: number, device: string }} Stamp */

/** A stamp this far ahead of our clock is refused: a broken clock would otherwise win every edit for ever. */
export const MAX_FUTURE_MS = 24 * 3600 * 1000;
const MAX_COUNTER = 1_000_000;

/** Orders stamps: negative when a is earlier, 0 when equal, positive when later. */
export function compareStamps(/** @type {Stamp} */ a, /** @type {Stamp} */ b) {
  if (a.wall !== b.wall) return a.wall - b.wall;
  if (a.counter !== b.counter) return a.counter - b.counter;
  return a.device < b.device ? -1 : a.device > b.device ? 1 : 0;
}

/** The later of two stamps (either may be null). */
export function laterStamp(/** @type {Stamp | null} */ a, /** @type {Stamp | null} */ b) {
  if (!a) return b;
  if (!b) return a;
  return compareStamps(a, b) >= 0 ? a : b;
}

/** Whether `value` is a well-formed stamp not too far in the future of `now`. */
export function isStamp(/** @type {unknown} */ value, now = Date.now()) {
  const stamp = /** @type {any} */ (value);
  return (
    !!stamp &&
    Number.isSafeInteger(stamp.wall) &&
    stamp.wall >= 0 &&
    stamp.wall <= now + MAX_FUTURE_MS &&
    Number.isSafeInteger(stamp.counter) &&
    stamp.counter >= 0 &&
    stamp.counter <= MAX_COUNTER &&
    typeof stamp.device === 'string' &&
    /^[0-9a-f]{8,64}$/.test(stamp.device)
  );
}

/** A clock for `device` (its id: hex); `now` gives wall time in ms. */
export function createClock(/** @type {string} */ device, now = () => Date.now()) {
  let wall = 0;
  let counter = 0;
  return {
    /** A stamp for an edit made here, later than every stamp seen. */
    tick() {
      const physical = now();
      if (physical > wall) {
        wall = physical;
        counter = 0;
      } else {
        counter += 1;
      }
      return /** @type {Stamp} */ ({ wall, counter, device });
    },
    /** Moves past a stamp from another device (call for every stamp received). */
    observe(/** @type {Stamp} */ stamp) {
      const physical = now();
      const top = Math.max(physical, wall, stamp.wall);
      if (top === wall && top === stamp.wall) counter = Math.max(counter, stamp.counter) + 1;
      else if (top === wall) counter += 1;
      else if (top === stamp.wall) counter = stamp.counter + 1;
      else counter = 0;
      wall = top;
    },
  };
}
