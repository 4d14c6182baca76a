// @ts-check
// The installed app seen from the page: registers the service worker
// (templates/sw.js), which pins the bundle this browser agreed to run, and
// watches for the mirror serving another one. Never a silent switch: a
// different bundle (a changed MANIFEST, or a new sw.js, which MANIFEST
// lists too) is offered to the user with both hashes; only their "update
// now" makes the service worker fetch, check and pin it.
//
// Pages opened from disk (file://) have no service worker: their bytes are
// the ones on disk, which nothing but the user changes.

/** How often a running page asks the mirror what it serves now. */
const CHECK_EVERY_MS = 30 * 60 * 1000;
/** A hash the user chose to keep not updating to, for this tab's session. */
const KEEP_KEY = 'trustero.keep-bundle';

/**
 * @typedef {{running: string, offered: string, first: string | null, update: () => Promise<void>, keep: () => void}} Offer
 */

/**
 * @param {{sha256: (bytes: Uint8Array) => Promise<string>, running: Promise<string | null>, onOffer: (offer: Offer) => void}} options
 *   sha256 hashes in the crypto worker; running: the hash of the MANIFEST
 *   this page loaded with (the footer's: served by the service worker once it
 *   pinned a bundle, so the pinned one); onOffer shows an offer (ui/update-view.js).
 * @returns {{check: () => Promise<void>, state: () => Promise<{pinned: string | null, first: string | null}>} | null}
 */
export function watchBundle({ sha256, running, onOffer }) {
  if (location.protocol === 'file:' || !('serviceWorker' in navigator)) return null;
  const workers = navigator.serviceWorker;
  const registered = workers.register('sw.js', { updateViaCache: 'none' });
  let offered = /** @type {string | null} */ (null);

  /** Asks the active service worker; resolves to its reply. */
  async function ask(/** @type {object} */ message) {
    const registration = await workers.ready;
    const active = registration.active;
    if (!active) throw new Error('the service worker is not running');
    const channel = new MessageChannel();
    const reply = new Promise((resolve) => (channel.port1.onmessage = ({ data }) => resolve(data)));
    active.postMessage(message, [channel.port2]);
    return reply;
  }

  async function check() {
    let now, fresh;
    try {
      const response = await fetch(`MANIFEST?fresh=${Date.now()}`, { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) return;
      fresh = await sha256(new Uint8Array(await response.arrayBuffer()));
      now = await running;
    } catch {
      return; // offline, or the mirror is down: nothing to compare
    }
    if (!now || fresh === now || fresh === offered || sessionStorage.getItem(KEEP_KEY) === fresh) return;
    offered = fresh;
    const { first = null } = workers.controller ? await ask({ type: 'state' }) : {};
    onOffer({
      running: now,
      offered: fresh,
      first,
      update: async () => {
        const result = await ask({ type: 'update', hash: fresh });
        if (!result?.ok) throw new Error(result?.error ?? 'the service worker did not answer');
        // A new sw.js waits for the user's word too; this is it.
        const registration = await registered;
        if (registration.waiting) {
          const switched = new Promise((resolve) => workers.addEventListener('controllerchange', resolve, { once: true }));
          registration.waiting.postMessage({ type: 'activate' });
          await switched;
        }
        location.reload();
      },
      keep: () => sessionStorage.setItem(KEEP_KEY, fresh),
    });
  }

  registered.then(
    (registration) => {
      // A new sw.js found by the browser is a new bundle: offer it.
      registration.addEventListener('updatefound', () => {
        void check();
      });
    },
    () => {}, // no service worker (refused by the browser): the app runs without one
  );
  void check();
  setInterval(() => void check(), CHECK_EVERY_MS);
  window.addEventListener('online', () => void check());
  return {
    check,
    state: async () => (workers.controller ? ask({ type: 'state' }) : { pinned: null, first: null }),
  };
}
