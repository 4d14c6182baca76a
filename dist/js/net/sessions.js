// @ts-check
// The one answer to "which authenticated session reaches fingerprint X":
// every room (a contact's pair room, a group's room) reports the sessions it
// authenticates here, and everything above asks here. A fingerprint is
// *online* while at least one of its sessions is ready; `up` fires when it
// gets a (new) current session, `down` when its last one ends.

/**
 * @typedef {{ state: string, send: (type: string, data: Uint8Array, options?: object) => Promise<void>, closeReason: string | null }} Link
 * @typedef {{ fingerprint: string, link: Link, via?: string, since: number }} Session
 */

export function createSessions() {
  /** @type {Map<string, Session[]>} fingerprint -> its ready sessions, newest last */
  const byFingerprint = new Map();
  const listeners = { up: new Set(), down: new Set(), end: new Set() };
  /** @param {'up' | 'down' | 'end'} kind @param {...unknown} args */
  const emit = (kind, ...args) => {
    for (const listener of listeners[kind]) listener(...args);
  };

  const current = (/** @type {string} */ fingerprint) => byFingerprint.get(fingerprint)?.at(-1) ?? null;

  return {
    /** A room authenticated `link` as `fingerprint`. It becomes the current session. */
    add(/** @type {string} */ fingerprint, /** @type {Link} */ link, { via } = /** @type {{via?: string}} */ ({})) {
      const list = (byFingerprint.get(fingerprint) ?? []).filter((s) => s.link !== link && s.link.state === 'ready');
      list.push({ fingerprint, link, via, since: Date.now() });
      byFingerprint.set(fingerprint, list);
      emit('up', fingerprint, link);
    },
    /** A session ended. If it was the current one, the previous still-ready one (if any) takes over. */
    remove(/** @type {string} */ fingerprint, /** @type {Link} */ link) {
      const list = byFingerprint.get(fingerprint);
      if (!list) return;
      const wasCurrent = list.at(-1)?.link === link;
      const rest = list.filter((s) => s.link !== link && s.link.state === 'ready');
      if (rest.length) byFingerprint.set(fingerprint, rest);
      else byFingerprint.delete(fingerprint);
      emit('end', fingerprint, link);
      if (!rest.length) emit('down', fingerprint, link);
      else if (wasCurrent) emit('up', fingerprint, rest.at(-1)?.link);
    },
    /** The current ready session with `fingerprint`, or null. @returns {Link | null} */
    linkTo(/** @type {string} */ fingerprint) {
      const session = current(fingerprint);
      return session && session.link.state === 'ready' ? session.link : null;
    },
    /** Every ready session with `fingerprint` (one per device of that identity), newest last. @returns {Link[]} */
    linksTo: (/** @type {string} */ fingerprint) => (byFingerprint.get(fingerprint) ?? []).filter((s) => s.link.state === 'ready').map((s) => s.link),
    isOnline: (/** @type {string} */ fingerprint) => current(fingerprint)?.link.state === 'ready',
    /** Since when `fingerprint` has been reachable on its current session. */
    since: (/** @type {string} */ fingerprint) => current(fingerprint)?.since ?? null,
    /** Every fingerprint with a ready session. */
    online: () => [...byFingerprint.keys()].filter((fp) => current(fp)?.link.state === 'ready'),
    /** Sends on the current session; rejects when there is none. */
    send(/** @type {string} */ fingerprint, /** @type {string} */ type, /** @type {Uint8Array} */ data) {
      const link = this.linkTo(fingerprint);
      return link ? link.send(type, data) : Promise.reject(new Error(`sessions: ${fingerprint.slice(0, 8)} is offline`));
    },
    /** `listener(fingerprint, link)` when a fingerprint gets a current session. Returns an unsubscribe function. */
    onUp(/** @type {(fingerprint: string, link: Link) => void} */ listener) {
      listeners.up.add(listener);
      return () => listeners.up.delete(listener);
    },
    /** `listener(fingerprint, link)` when any one session ended (others may remain). */
    onEnd(/** @type {(fingerprint: string, link: Link) => void} */ listener) {
      listeners.end.add(listener);
      return () => listeners.end.delete(listener);
    },
    /** `listener(fingerprint, lastLink)` when a fingerprint's last session ended. */
    onDown(/** @type {(fingerprint: string, link: Link) => void} */ listener) {
      listeners.down.add(listener);
      return () => listeners.down.delete(listener);
    },
  };
}
