// Trustero's service worker: keeps the bundle this browser agreed to run and
// serves it, online or offline, until the user agrees to another.
//
// - The first visit pins the bundle the mirror serves then: every file its
//   MANIFEST lists, each checked against the SHA-256 there, in a cache named
//   after the bundle hash (the SHA-256 of MANIFEST).
// - Later visits get exactly those bytes, whatever the mirror serves now,
//   and no address in scope reaches the mirror's other code: a navigation
//   outside the bundle (a crafted link to /x.htm, a POST) lands on the pinned
//   index.htm, keeping its #fragment so an add-me link still adds; any other
//   request outside the bundle is refused, except two JSON documents the page
//   reads from the server that served it (NETWORK_DATA).
// - The page (core/bundle-cache.js) asks the network for MANIFEST
//   (`MANIFEST?fresh`, a fetch: never a navigation, never another file) and,
//   when the mirror serves another bundle, shows both hashes; only the
//   user's "update now" makes this worker fetch, check and pin the new one.
// - This script itself is updated by the browser, which fetches it again
//   now and then. A new version does not take over while a page runs (no
//   skipWaiting) unless the user agrees; when every Trustero tab is closed
//   the browser may start it anyway. So at every check the page asks this
//   worker what sw.js the mirror serves now against the pinned MANIFEST's
//   line for it, and warns loudly when they differ: this small script is
//   what a server can change without the user's word; only a copy on disk
//   rules out even that (README).
//
// Classic script, no imports: it must work before anything else is cached.
'use strict';

const STATE = 'trustero-state';
const PINNED = 'pinned';
const FIRST = 'first';
const bundleCache = (hash) => `trustero-bundle-${hash}`;
/**
 * Paths in scope that are not part of the bundle and that the page still
 * fetches from the server that served it, as data (a fetch, never a page or a
 * script): builder serve's /local-tracker (its tracker's and relay's
 * addresses, core/settings.js) and the NIP-11 document of its relay at /relay
 * (net/mailbox-relays.js). Their WebSockets (/announce, /relay) never pass
 * through a service worker.
 */
const NETWORK_DATA = new Set(['local-tracker', 'relay']);
/** How long the check of the served sw.js waits for the mirror. */
const CHECK_TIMEOUT_MS = 20_000;

/** @returns {Promise<string | null>} */
async function readState(key) {
  const hit = await (await caches.open(STATE)).match(key);
  return hit ? hit.text() : null;
}

async function writeState(key, value) {
  await (await caches.open(STATE)).put(key, new Response(value));
}

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes));

/** MANIFEST lines: `<sha256>  <path>`. */
function parseManifest(text) {
  const files = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const match = /^([0-9a-f]{64}) {2}([A-Za-z0-9._/-]+)$/.exec(line);
    if (!match || match[2].split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new Error(`MANIFEST has a line that is not "<sha256>  <path>": ${line.slice(0, 80)}`);
    }
    files.set(match[2], match[1]);
  }
  if (!files.size) throw new Error('MANIFEST lists no file');
  return files;
}

/**
 * Fetches the bundle the mirror serves now, checks every file against its
 * MANIFEST (and the MANIFEST against `expected`, when the user agreed to a
 * particular hash) and keeps it under its hash. Resolves to that hash.
 */
async function download(expected) {
  const manifestResponse = await fetch(new URL('MANIFEST', registration.scope), { cache: 'no-store', credentials: 'omit' });
  if (!manifestResponse.ok) throw new Error(`MANIFEST: HTTP ${manifestResponse.status}`);
  const manifestBytes = await manifestResponse.arrayBuffer();
  const hash = await sha256(manifestBytes);
  if (expected && hash !== expected) throw new Error(`the mirror now serves bundle ${hash}, not ${expected}: check again`);
  const files = parseManifest(new TextDecoder().decode(manifestBytes));
  // standalone.htm is the whole app again in one file, for disk copies: an
  // installed app never opens it (a visit to it lands on the pinned index.htm).
  files.delete('standalone.htm');
  const cache = await caches.open(bundleCache(hash));
  await Promise.all(
    [...files].map(async ([path, digest]) => {
      const response = await fetch(new URL(path, registration.scope), { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      const bytes = await response.arrayBuffer();
      if ((await sha256(bytes)) !== digest) throw new Error(`${path} does not match MANIFEST: the mirror serves a damaged or mixed bundle`);
      await cache.put(new URL(path, registration.scope), new Response(bytes, { headers: { 'content-type': response.headers.get('content-type') ?? '' } }));
    }),
  );
  await cache.put(new URL('MANIFEST', registration.scope), new Response(manifestBytes, { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
  return hash;
}

/**
 * The sw.js the mirror serves now, against the line for sw.js in the pinned
 * MANIFEST: {pinned, served}, each a SHA-256 (pinned null when that MANIFEST
 * lists none). Fetched by this worker itself, so the cache does not answer.
 */
async function servedServiceWorker() {
  const pinned = await readState(PINNED);
  const manifest = pinned && (await (await caches.open(bundleCache(pinned))).match(new URL('MANIFEST', registration.scope)));
  if (!manifest) throw new Error('no bundle is pinned in this browser');
  const listed = parseManifest(await manifest.text()).get('sw.js') ?? null;
  const script = new URL(self.location.href);
  script.search = '';
  const response = await fetch(script, { cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`sw.js: HTTP ${response.status}`);
  return { pinned: listed, served: await sha256(await response.arrayBuffer()) };
}

/** Pins `hash` (already downloaded) and drops every other bundle. */
async function pin(hash) {
  await writeState(PINNED, hash);
  if (!(await readState(FIRST))) await writeState(FIRST, hash);
  for (const name of await caches.keys()) {
    if (name.startsWith('trustero-bundle-') && name !== bundleCache(hash)) await caches.delete(name);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      // A newer script keeps what is pinned; only the first one pins.
      if (await readState(PINNED)) return;
      await pin(await download(null));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('message', (event) => {
  const { type, hash } = event.data ?? {};
  const reply = (message) => event.ports[0]?.postMessage(message);
  if (type === 'state') {
    event.waitUntil(Promise.all([readState(PINNED), readState(FIRST)]).then(([pinned, first]) => reply({ pinned, first })));
  } else if (type === 'update') {
    // The user agreed to bundle `hash`: fetch it, check it, pin it.
    event.waitUntil(
      download(typeof hash === 'string' ? hash : null)
        .then(pin)
        .then(
          () => reply({ ok: true }),
          (error) => reply({ ok: false, error: String(error.message ?? error) }),
        ),
    );
  } else if (type === 'service-worker') {
    event.waitUntil(
      servedServiceWorker().then(
        (hashes) => reply({ ok: true, ...hashes }),
        (error) => reply({ ok: false, error: String(error.message ?? error) }),
      ),
    );
  } else if (type === 'activate') {
    // The user agreed to a new version of this script.
    event.waitUntil(self.skipWaiting());
  }
});

/** What answers a request outside the bundle: plain text, never a page. */
function refusal(status, text) {
  return new Response(text, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' },
  });
}

/** Answers `request` (in scope, for `path`) from the pinned bundle. */
async function fromPinned(request, url, path) {
  const pinned = await readState(PINNED);
  // Nothing pinned: this worker never finished installing, so the browser
  // has not agreed to any bundle yet; the network answers, as on a first visit.
  if (!pinned) return fetch(request);
  const cache = await caches.open(bundleCache(pinned));
  if (request.method === 'GET') {
    const hit = await cache.match(new URL(path, registration.scope));
    if (hit) return hit;
  }
  if (request.mode === 'navigate') {
    // A page outside the bundle (or a form posted to one): the pinned app,
    // at its own address. The browser keeps the link's #fragment across the
    // redirect, so an add-me link to any address in scope still adds.
    const index = new URL('index.htm', registration.scope);
    if (await cache.match(index)) return Response.redirect(index.href + url.hash, 303);
    return refusal(
      503,
      'The Trustero version pinned in this browser is incomplete (the browser may have cleared part of its storage), so nothing is loaded from the mirror in its place. ' +
        "To install the version the mirror serves now, remove this site's data in the browser's settings, open the mirror again and check the bundle hash it shows.",
    );
  }
  return refusal(404, `${path} is not part of the bundle this browser pinned, and the installed Trustero loads nothing else from the mirror.`);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== location.origin || !url.href.startsWith(registration.scope)) return;
  const navigation = request.mode === 'navigate';
  // A fetch() of the page's own (pinned) code: data it reads, never
  // something the browser runs or shows (a page, a script, a style, a worker).
  const pageData = !navigation && request.destination === '';
  // Other requests of the page that change something (none in scope today) are the page's business.
  if (request.method !== 'GET' && !navigation) return;
  let path = url.href.slice(registration.scope.length).split(/[?#]/)[0];
  if (path === '') path = 'index.htm';
  // The page asking the network what the mirror serves now (core/bundle-cache.js).
  if (pageData && path === 'MANIFEST' && url.searchParams.has('fresh')) return;
  if (pageData && NETWORK_DATA.has(path)) return;
  event.respondWith(fromPinned(request, url, path));
});
