// @ts-check
// The composition root: starts the crypto worker, shows the login screen,
// then builds the services of whoever logs in and the views over them.
// Nothing else wires modules together, and no module reaches for a global:
// each gets what it uses here.
//
//   ui/  →  chat/, calls/  →  net/ (net/signal/)  →  core/
//
// An incoming frame: net/link (decrypt) → net/framing (reassemble) →
// net/room → net/protocol dispatcher → the handler its table names
// (chat/inbox, chat/outbox, …) → events → the views.

import { createCryptoClient } from './core/crypto-client.js';
import { discoverLocalServer } from './core/settings.js';
import { claimIdentity } from './core/tab-lock.js';
import { mountLogin } from './ui/login-view.js';
import { showBundleHash } from './ui/bundle-info.js';
import { showUpdateOffer } from './ui/update-view.js';
import { watchBundle } from './core/bundle-cache.js';
import { carriesAddMe } from './core/add-me.js';
import { timingProfile } from './core/timing.js';
import { el, replaceChildren } from './ui/dom.js';

/** @typedef {import('./ui/login-view.js').Identity} Identity */

const root = /** @type {HTMLElement} */ (document.getElementById('app'));
// standalone.htm (the page a file:// visit uses) carries the worker inside.
const embeddedWorker = document.getElementById('embedded-worker');
const embedded = embeddedWorker ? { worker: embeddedWorker.textContent ?? '', wasm: document.getElementById('embedded-wasm')?.textContent ?? '' } : null;
const { workerIntegrity = '', wasmIntegrity = '' } = document.documentElement.dataset;
const cryptoClient = createCryptoClient({ worker: workerIntegrity, wasm: wasmIntegrity }, embedded);
const localServer = discoverLocalServer();
// The release's timers, unless a test set its own before this script ran (core/timing.js).
const timing = timingProfile(/** @type {{trusteroTiming?: unknown}} */ (globalThis).trusteroTiming);

// An "add me" link opened before login: keep the key for the contact form,
// and take it out of the address bar.
let pendingKey = carriesAddMe(location.hash) ? location.href : null;
if (pendingKey) history.replaceState(null, '', location.pathname + location.search);

/** The running session: its services and views, or null when logged out. */
let session = null;

/** @param {string} [notice] */
function showLogin(notice) {
  mountLogin(root, { cryptoClient, onLogin: startSession, notice });
}

/**
 * Another tab already runs this identity: say so, offer to take over.
 * @param {import('./core/tab-lock.js').NotHeld} claim @param {Identity} identity
 */
function showConflict(claim, identity) {
  const button = el('button', {
    type: 'button',
    className: 'primary',
    id: 'take-over',
    text: 'Use Trustero in this tab instead',
    onclick: async () => {
      button.disabled = true;
      const held = await claim.takeOver();
      openSession(identity, held);
    },
  });
  replaceChildren(
    root,
    el(
      'section',
      { className: 'card', id: 'tab-conflict' },
      el('h2', { text: 'Already open in another tab' }),
      el('p', {
        text: `Trustero is running with this identity (fingerprint ${identity.fingerprint.slice(0, 16)}…) in another tab or window of this browser. Two tabs would deliver the same messages twice, so only one runs at a time.`,
      }),
      button,
      el('button', {
        type: 'button',
        className: 'ghost',
        text: 'Log out here',
        onclick: async () => {
          await cryptoClient.logout();
          showLogin();
        },
      }),
    ),
  );
}

/** @param {Identity} identity */
async function startSession(identity) {
  const claim = await claimIdentity(identity.storeName, {
    onTakenOver: () => logout('This identity was opened in another tab, so it was closed here.'),
  });
  if (!claim.held) return showConflict(claim, identity);
  return openSession(identity, claim);
}

/** @param {Identity} identity @param {import('./core/tab-lock.js').Held} claim */
async function openSession(identity, claim) {
  const { openSession: open } = await sessionModule;
  session = await open({ root, cryptoClient, identity, claim, localServer, pendingKey, logout, timing });
  pendingKey = null;
}

/**
 * Closes the session and shows the login form (see closeSession in
 * session.js for `restore` and `wipe`).
 * @type {import('./session.js').Logout}
 */
async function logout(notice, { restore = null, wipe = false } = {}) {
  if (session) {
    const closing = session;
    session = null;
    notice = await (await sessionModule).closeSession(closing, cryptoClient, notice, { restore, wipe });
  }
  await cryptoClient.logout();
  document.title = 'Trustero';
  showLogin(notice);
}

// Closing or reloading the tab leaves a call cleanly for the others.
window.addEventListener('pagehide', () => session?.calls.close());

// Both pages have the hash's element; only index.htm has the address's.
const runningBundle = showBundleHash(cryptoClient, {
  hash: /** @type {HTMLElement} */ (document.getElementById('bundle-hash')),
  url: document.getElementById('verify-url'),
});
showLogin();
// The logged-in half loads while the user types (index.htm preloads only what the form needs).
const sessionModule = import('./session.js');
// Installed (service worker) on an http(s) mirror; a different bundle is offered, never switched to silently.
watchBundle({ sha256: (bytes) => cryptoClient.sha256(bytes), running: runningBundle, onOffer: (offer) => showUpdateOffer(document.body, offer) });
