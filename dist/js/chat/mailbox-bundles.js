// @ts-check
// A seal too large for one wrap travels as fragments (a "bundle"); this
// puts them back together. Bounded: past MAX_BUNDLES, the incomplete seal
// with the fewest fragments in gives way (the oldest of those) — junk of one
// fragment each cannot push out a real large message that is arriving.

/** Incomplete seals kept at most, and for how long. */
export const MAX_BUNDLES = 64;
const BUNDLE_TTL_MS = 10 * 60_000;

/**
 * forget(wrapIds): the wraps of a seal that gave way are new to us again
 * (a later catch-up may bring it whole). now() gives the time.
 * @param {{ forget: (wrapIds: string[]) => void, now?: () => number }} deps
 */
export function createBundles({ forget, now = () => Date.now() }) {
  /** @type {Map<string, {parts: Array<Uint8Array | null>, at: number, received: number, ids: string[]}>} */
  const bundles = new Map();
  const drop = (/** @type {string} */ id) => {
    forget(bundles.get(id)?.ids ?? []);
    bundles.delete(id);
  };

  /**
   * One fragment, from the wrap `wrapId`: the whole seal with the ids of
   * every wrap it came in once all are in, else null.
   */
  function add(/** @type {{bundle: string, index: number, count: number, data: Uint8Array}} */ { bundle, index, count, data }, /** @type {string} */ wrapId) {
    if (count === 1) return { seal: data, ids: [wrapId] };
    const time = now();
    for (const [id, b] of bundles) if (time - b.at > BUNDLE_TTL_MS) drop(id);
    let entry = bundles.get(bundle);
    if (!entry) {
      if (bundles.size >= MAX_BUNDLES) {
        let weakest = '';
        let fewest = Infinity;
        for (const [id, b] of bundles) {
          if (b.received < fewest) [weakest, fewest] = [id, b.received];
        }
        drop(weakest);
      }
      entry = { parts: Array(count).fill(null), at: time, received: 0, ids: [] };
      bundles.set(bundle, entry);
    }
    if (entry.parts.length !== count) return null;
    if (!entry.parts[index]) entry.received += 1;
    entry.parts[index] = data;
    entry.ids.push(wrapId);
    if (entry.parts.some((p) => !p)) return null;
    bundles.delete(bundle);
    const parts = /** @type {Uint8Array[]} */ (entry.parts);
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    return { seal: whole, ids: entry.ids };
  }

  return { add, size: () => bundles.size };
}
