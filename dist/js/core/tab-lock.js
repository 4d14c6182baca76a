// One tab per identity (DESIGN.md §7): the tab holds a Web Lock named after
// the identity's database; a second tab learns it is taken and may ask the
// first, over a BroadcastChannel, to hand over.

/**
 * Tries to take the identity's lock. Resolves to
 *   {held: true, release()}                       the tab owns the identity, or
 *   {held: false, takeOver(): Promise<{held, release}>}  another tab does.
 * `onTakenOver()` runs in the owning tab when another tab takes over.
 */
export async function claimIdentity(name, { onTakenOver }) {
  const lockName = `trustero:${name}`;
  if (!navigator.locks) return { held: true, release() {} }; // insecure context or old browser
  const channel = new BroadcastChannel(lockName);

  function hold(lock, resolveHeld) {
    let release;
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
