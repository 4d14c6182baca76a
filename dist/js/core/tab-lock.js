// @ts-check
// One tab per identity (DESIGN.md §7): the tab holds a Web Lock named after
// the identity's database; a second tab learns it is taken and may ask the
// first, over a BroadcastChannel, to hand over.

/**
 * @typedef {{ held: true, release: () => void }} Held
 * @typedef {{ held: false, takeOver: () => Promise<Held> }} NotHeld
 */

/**
 * Tries to take the identity's lock. Resolves to
 *   {held: true, release()}                       the tab owns the identity, or
 *   {held: false, takeOver(): Promise<{held, release}>}  another tab does.
 * `onTakenOver()` runs in the owning tab when another tab takes over.
 * @param {string} name  the identity's database name
 * @param {{ onTakenOver: () => unknown }} options
 * @returns {Promise<Held | NotHeld>}
 */
export async function claimIdentity(name, { onTakenOver }) {
  const lockName = `trustero:${name}`;
  if (!navigator.locks) return { held: true, release() {} }; // insecure context or old browser
  const channel = new BroadcastChannel(lockName);

  /** Holds the lock until released or taken over. @param {Lock | null} lock @param {(held: Held) => void} resolveHeld */
  function hold(lock, resolveHeld) {
    /** @type {() => void} */
    let release;
    /** @type {Promise<void>} */
    const released = new Promise((resolve) => {
      release = resolve;
    });
    channel.onmessage = async (event) => {
      if (event.data === 'take-over') {
        await onTakenOver();
        release();
      }
    };
    resolveHeld({
      held: true,
      release() {
        channel.onmessage = null;
        channel.close();
        release();
      },
    });
    return released;
  }

  return new Promise((resolve) => {
    navigator.locks.request(lockName, { ifAvailable: true }, (lock) => {
      if (lock) return hold(lock, resolve);
      resolve({
        held: false,
        takeOver() {
          return new Promise((resolveTaken) => {
            navigator.locks.request(lockName, (granted) => hold(granted, resolveTaken));
            channel.postMessage('take-over');
          });
        },
      });
      return undefined;
    });
  });
}
