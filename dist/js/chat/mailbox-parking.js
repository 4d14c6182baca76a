// @ts-check
// What came through the mailbox before we could take it: a seal from a
// sender we do not know yet, a frame for a conversation not known here yet.
// It waits — bounded in time, in all, and per claimed sender: someone who
// knows our mailbox address can fill the space only at the expense of the
// names it claims. Past the bound, the claimed sender holding the most gives
// way first (its oldest). An unchecked seal let go may be real: once its
// sender becomes known, the relays are read again from its time.

export const MAX_PARKED = 256;
export const MAX_PARKED_PER_SENDER = 16;
const PARK_TTL_MS = 30 * 60_000;

/**
 * @typedef {{seal?: Uint8Array, sender?: string, type?: string, payload?: Uint8Array, claimed: string, at: number, createdAt: number, wrapIds?: string[]}} Parked
 */

/**
 * forget(wrapIds): the wraps of a seal let go are new to us again. now()
 * gives the time.
 * @param {{ forget: (wrapIds: string[]) => void, now?: () => number }} deps
 */
export function createParking({ forget, now = () => Date.now() }) {
  /** @type {Parked[]} */
  let parked = [];
  /** @type {Map<string, number>} claimed sender -> oldest created_at of its unchecked seals we had to let go */
  const letGo = new Map();

  return {
    /** Keeps `item` until its sender or conversation is known (or it ages out). */
    park(/** @type {Omit<Parked, 'at' | 'createdAt'> & {createdAt?: number}} */ item) {
      const time = now();
      while (parked.length && time - parked[0].at > PARK_TTL_MS) parked.shift();
      const held = (/** @type {string} */ claimed) => parked.filter((p) => p.claimed === claimed).length;
      let victim = -1;
      if (held(item.claimed) >= MAX_PARKED_PER_SENDER) {
        victim = parked.findIndex((p) => p.claimed === item.claimed);
      } else if (parked.length >= MAX_PARKED) {
        // Checked envelopes are kept over unchecked seals; among those, the
        // claimed sender holding the most gives way first.
        const counts = new Map();
        for (const p of parked) if (p.seal) counts.set(p.claimed, (counts.get(p.claimed) ?? 0) + 1);
        const most = Math.max(0, ...counts.values());
        victim = most ? parked.findIndex((p) => p.seal && counts.get(p.claimed) === most) : 0;
      }
      if (victim >= 0) {
        const [gone] = parked.splice(victim, 1);
        if (gone.seal) {
          letGo.set(gone.claimed, Math.min(letGo.get(gone.claimed) ?? Infinity, gone.createdAt));
          forget(gone.wrapIds ?? []);
        }
        while (letGo.size > MAX_PARKED) letGo.delete(letGo.keys().next().value ?? '');
      }
      parked.push({ ...item, at: time, createdAt: item.createdAt ?? Math.floor(time / 1000) });
    },
    /**
     * The earliest created_at of seals we let go whose sender is `known`
     * now (forgotten here: the relays are read again from then), or null.
     */
    rewindFor(/** @type {(claimed: string) => boolean} */ known) {
      let rewindTo = Infinity;
      for (const [claimed, createdAt] of letGo) {
        if (!known(claimed)) continue;
        letGo.delete(claimed);
        rewindTo = Math.min(rewindTo, createdAt);
      }
      return rewindTo === Infinity ? null : rewindTo;
    },
    /** Everything waiting, handed over (what still cannot be taken comes back with putBack). */
    takeAll() {
      const all = parked;
      parked = [];
      return all;
    },
    putBack(/** @type {Parked} */ item) {
      parked.push(item);
    },
    /**
     * Offers everything waiting to `take` (→ whether it was taken; what was
     * not waits on), round after round while a round took something —
     * taking one may make room for another (a group's invitation, then its
     * messages). `afterRound` runs after each round.
     */
    async drain(/** @type {(item: Parked) => Promise<boolean>} */ take, /** @type {() => Promise<unknown>} */ afterRound) {
      let progress = true;
      while (progress && parked.length) {
        progress = false;
        for (const item of this.takeAll()) {
          if (await take(item)) progress = true;
          else parked.push(item);
        }
        await afterRound();
      }
    },
    size: () => parked.length,
  };
}
