// @ts-check
// The installed app seen from the page: registers the service worker
// (templates/sw.js), which pins the bundle this browser agreed to run, and
// watches for the mirror serving another one. Never a silent switch: a
// different bundle (a changed MANIFEST, or a new sw.js, which MANIFEST
// lists too) is offered to the user with both hashes; only their "update
// now" makes the service worker fetch, check and pin it. The one thing the
// browser may switch without the user's word is the service worker script:
// so every check also compares the sw.js the mirror serves with the pinned
// MANIFEST's line for it, and a difference is shown as a warning, whether
// or not the MANIFEST changed.
//
// Pages opened from disk (file://) have no service worker: their bytes are
// the ones on disk, which nothing but the user changes.

/** How often a running page asks the mirror what it serves now. */
const CHECK_EVERY_MS = 30 * 60 * 1000;
/** A hash the user chose to keep not updating to, for this tab's session. */
const KEEP_KEY = 'trustero.keep-bundle';
/** How long a question to the service worker may go unanswered (it fetches sw.js from the mirror). */
const ASK_TIMEOUT_MS = 30_000;

/**
 * A different bundle offered by the mirror.
 * @typedef {{kind: 'bundle', running: string, offered: string, first: string | null, update: () => Promise<void>, keep: () => void}} Offer
 */
/**
 * The mirror serves a sw.js other than the one the pinned MANIFEST lists, or
 * the browser itself found a new one there (`waiting`: it has installed it,
 * and may run it once every Trustero tab is closed).
 * @typedef {{kind: 'service-worker', pinned: string | null, served: string, waiting: boolean}} ServiceWorkerChange
 */

/** The running watcher's check (null before watchBundle, or where there is no service worker). */
let runningCheck = /** @type {(() => Promise<void>) | null} */ (null);

/** Runs one update check now (as the timer would); resolves once its findings are shown. */
export async function checkBundle() {
  await runningCheck?.();
}

/**
 * @param {{sha256: (bytes: Uint8Array) => Promise<string>, running: Promise<string | null>, onOffer: (offer: Offer | ServiceWorkerChange) => void}} options
 *   sha256 hashes in the crypto worker; running: the hash of the MANIFEST
 *   this page loaded with (the footer's: served by the service worker once it
 *   pinned a bundle, so the pinned one); onOffer shows an offer or a changed
 *   service worker (ui/update-view.js), told apart by `kind`.
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

  /** The hash of the MANIFEST the mirror serves now; null when it cannot be read. */
  async function freshBundle() {
    try {
      const response = await fetch(`MANIFEST?fresh=${Date.now()}`, { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) return null;
      return await sha256(new Uint8Array(await response.arrayBuffer()));
    } catch {
      return null; // offline, or the mirror is down: nothing to compare
    }
  }

  /**
   * The sw.js the mirror serves now against the pinned MANIFEST's line for
   * it (asked of the service worker, which fetches it past its cache), and
   * whether the browser has found a new one on its own: a mirror could send
   * the browser's fetch (Sec-Fetch-Dest: serviceworker) other bytes than
   * ours, but the browser then installs it, and that shows. Null when unknown.
   * @returns {Promise<{pinned: string | null, served: string, waiting: boolean} | null>}
   */
  async function servedWorker() {
    if (!workers.controller) return null; // nothing pinned controls this page yet
    let timer;
    /** @type {Promise<null>} */
    const late = new Promise((resolve) => (timer = setTimeout(() => resolve(null), ASK_TIMEOUT_MS)));
    const answer = await Promise.race([ask({ type: 'service-worker' }).catch(() => null), late]);
    clearTimeout(timer);
    if (!answer?.ok) return null;
    const registration = await registered;
    return { pinned: answer.pinned, served: answer.served, waiting: Boolean(registration.installing ?? registration.waiting) };
  }

  /** Lets the browser fetch the sw.js served now and, if it is new, install it (it then waits for the user's word). */
  async function installServedWorker(/** @type {ServiceWorkerRegistration} */ registration) {
    try {
      await registration.update();
    } catch {
      return; // offline, or the mirror is down: a new sw.js, if any, comes with a later check
    }
    const incoming = registration.installing;
    if (!incoming) return;
    await new Promise((resolve) => {
      const settled = () => incoming.state !== 'installing' && resolve(undefined);
      incoming.addEventListener('statechange', settled);
      settled();
    });
  }

  async function check() {
    // Every question first, then every finding at once: what is on screen after a check is all it found.
    const [fresh, worker, now] = await Promise.all([freshBundle(), servedWorker(), running]);
    const isNew = fresh !== null && now !== null && fresh !== now && fresh !== offered && sessionStorage.getItem(KEEP_KEY) !== fresh;
    const { first = null } = isNew && workers.controller ? await ask({ type: 'state' }) : {};
    if (worker && (worker.served !== worker.pinned || worker.waiting)) onOffer({ kind: 'service-worker', ...worker });
    if (!isNew) return;
    offered = fresh;
    onOffer({
      kind: 'bundle',
      running: now,
      offered: fresh,
      first,
      update: async () => {
        const result = await ask({ type: 'update', hash: fresh });
        if (!result?.ok) throw new Error(result?.error ?? 'the service worker did not answer');
        // A new sw.js waits for the user's word too; this is it. The
        // browser may not have fetched it yet: it does so now.
        const registration = await registered;
        await installServedWorker(registration);
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
  runningCheck = check;
  void check();
  setInterval(() => void check(), CHECK_EVERY_MS);
  window.addEventListener('online', () => void check());
  return {
    check,
    state: async () => (workers.controller ? ask({ type: 'state' }) : { pinned: null, first: null }),
  };
}
