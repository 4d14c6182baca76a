// Trustero's service worker: keeps the bundle this browser agreed to run and
// serves it, online or offline, until the user agrees to another.
//
// - The first visit pins the bundle the mirror serves then: every file its
//   MANIFEST lists, each checked against the SHA-256 there, in a cache named
//   after the bundle hash (the SHA-256 of MANIFEST).
// - Later visits get exactly those bytes, whatever the mirror serves now.
//   The page (core/bundle-cache.js) asks the network for MANIFEST (`?fresh`)
//   and, when the mirror serves another bundle, shows both hashes; only the
//   user's "update now" makes this worker fetch, check and pin the new one.
// - This script itself is updated by the browser, which fetches it again
//   now and then. A new version does not take over while a page runs (no
//   skipWaiting) unless the user agrees; when every Trustero tab is closed
//   the browser may start it anyway, and it then still serves the pinned
//   bundle. What a server can change silently is this small script, never
//   the app it serves; only a copy on disk rules out even that (README).
//
// Classic script, no imports: it must work before anything else is cached.
'use strict';

const STATE = 'trustero-state';
const PINNED = 'pinned';
const FIRST = 'first';
const bundleCache = (hash) => `trustero-bundle-${hash}`;

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
  // installed app never opens it (a visit to it goes to the network).
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
  } else if (type === 'activate') {
    // The user agreed to a new version of this script.
    event.waitUntil(self.skipWaiting());
  }
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || !url.href.startsWith(registration.scope)) return;
  // The page asking the network what the mirror serves now.
  if (url.searchParams.has('fresh')) return;
  event.respondWith(
    (async () => {
      const pinned = await readState(PINNED);
      if (pinned) {
        let path = url.href.slice(registration.scope.length).split(/[?#]/)[0];
        if (path === '') path = 'index.htm';
        const hit = await (await caches.open(bundleCache(pinned))).match(new URL(path, registration.scope));
        if (hit) return hit;
      }
      return fetch(event.request);
    })(),
  );
});
