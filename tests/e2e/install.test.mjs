// Trustero installed from an http mirror: the service worker (templates/sw.js)
// keeps the bundle this browser agreed to run, serves it offline, and never
// switches to another bundle without the user's word.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HERMETIC_RULES, browserAndServerPerFile, closeAll, copyOfDist, login, serve } from './harness.mjs';
import { ALICE, BOB, befriend, tab } from './network-helpers.mjs';
import { startNpmTracker } from './servers.mjs';
import { chromium } from 'playwright-core';
import { assertAccessible } from './axe.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

/** Waits until the service worker controls `page` (it has pinned the bundle). */
const installed = (page) => page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });

test('a mirror’s page is installable: manifest, icon and a service worker that controls it', async () => {
  // Installability is judged outside incognito, as a user's browser profile is.
  const profile = mkdtempSync(join(tmpdir(), 'trustero-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: [HERMETIC_RULES] });
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await installed(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, []);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
    assert.match(manifest.data, /"name": "Trustero"/);
  } finally {
    await context.close();
  }
});

test('installed, the app opens with the server stopped and offline: history shows, a message written offline is delivered once the network is back', async () => {
  const tracker = await startNpmTracker();
  try {
    const network = { trackers: [tracker.url] };
    const [alice, bob] = await befriend(browser, server.url, network);
    await installed(alice);
    await tab(alice, 'chats');
    await alice.click('.chat-item');
    await alice.fill('.conversation .compose-text', 'written while online');
    await alice.press('.conversation .compose-text', 'Enter');
    await alice.waitForSelector('.message.mine .state[data-state="delivered"], .message.mine .state[data-state="read"]');

    await server.stop();
    await alice.context().setOffline(true);
    await alice.reload();
    await login(alice, ALICE.username, ALICE.password);
    await tab(alice, 'chats');
    await alice.click('.chat-item');
    await alice.waitForSelector('.message.mine .body:text("written while online")');
    await alice.fill('.conversation .compose-text', 'written while offline');
    await alice.press('.conversation .compose-text', 'Enter');
    await alice.waitForSelector('.message.mine:has(.body:text("written while offline")) .state[data-state="queued"]');

    await alice.context().setOffline(false);
    await tab(bob, 'chats');
    await bob.click('.chat-item');
    await bob.waitForSelector('.message.theirs .body:text("written while offline")', { timeout: 60_000 });
    await alice.waitForSelector('.message.mine:has(.body:text("written while offline")) .state:is([data-state="delivered"], [data-state="read"])', {
      timeout: 30_000,
    });
    await closeAll([alice, bob]);
  } finally {
    await tracker.stop();
  }
});

/** Makes `root`'s dist/ a different bundle: the icon changes, and MANIFEST with it. */
function publishDifferentBundle(root) {
  const icon = join(root, 'dist/icons/trustero.svg');
  const bytes = Buffer.concat([readFileSync(icon), Buffer.from('<!-- a new release -->\n')]);
  writeFileSync(icon, bytes);
  const manifestPath = join(root, 'dist/MANIFEST');
  const manifest = readFileSync(manifestPath, 'utf8').replace(/^[0-9a-f]{64}(?= {2}icons\/trustero\.svg$)/m, createHash('sha256').update(bytes).digest('hex'));
  writeFileSync(manifestPath, manifest);
  return createHash('sha256').update(manifest).digest('hex');
}

const footerHash = (page) => page.textContent('#bundle-hash');
/** Waits until the footer shows a bundle hash. */
const hashShown = (page) => page.waitForFunction(() => /^[0-9a-f]{64}$/.test(document.getElementById('bundle-hash')?.textContent ?? ''));
const iconText = (page) => page.evaluate(async () => (await fetch('icons/trustero.svg')).text());

/**
 * Serves a copy of dist/ from its own mirror and installs it in a new context,
 * then runs `body` with the copy's `root`, the `mirror`, the `context`, its
 * `page` and the `pinned` bundle hash its footer shows. The mirror stops after.
 */
async function withInstalledMirror(body) {
  const root = copyOfDist();
  const mirror = await serve({ root });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(mirror.url);
    await installed(page);
    await hashShown(page);
    await body({ root, mirror, context, page, pinned: await footerHash(page) });
    await context.close();
  } finally {
    await mirror.stop();
  }
}

test('a mirror that switches bundles: the page shows both hashes and keeps running the old one until the user agrees', () =>
  withInstalledMirror(async ({ root, mirror, context, page, pinned }) => {
    const offered = publishDifferentBundle(root);

    await page.reload();
    await page.waitForSelector('#update-offer');
    // sw.js did not change: no warning (decided in the same check as the offer).
    assert.equal(await page.locator('#sw-warning').count(), 0);
    assert.equal(await page.textContent('#update-running'), pinned);
    assert.equal(await page.textContent('#update-offered'), offered);
    assert.equal(await footerHash(page), pinned, 'still running the old bundle');
    assert.doesNotMatch(await iconText(page), /a new release/, 'the old bytes are served');

    // "Keep" holds for this tab's session: a reload asks no more.
    await page.click('#update-keep');
    assert.equal(await page.locator('#update-offer').count(), 0);
    await page.reload();
    await page.waitForSelector('#login-form');
    await hashShown(page);
    assert.equal(await page.locator('#update-offer').count(), 0);
    assert.equal(await footerHash(page), pinned);

    // Another tab asks again; "update now" fetches, checks and switches.
    const other = await context.newPage();
    await other.goto(mirror.url);
    await other.waitForSelector('#update-offer');
    await Promise.all([other.waitForEvent('load'), other.click('#update-now')]);
    await other.waitForFunction((hash) => document.getElementById('bundle-hash')?.textContent === hash, offered);
    assert.match(await iconText(other), /a new release/);
    assert.equal(await other.locator('#update-offer').count(), 0);
  }));

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Appends `line` to `root`'s dist/sw.js; returns the SHA-256 of the file before and after. */
function changeServiceWorker(root, line) {
  const path = join(root, 'dist/sw.js');
  const before = readFileSync(path);
  const after = Buffer.concat([before, Buffer.from(`${line}\n`)]);
  writeFileSync(path, after);
  return { before: sha256(before), after: sha256(after) };
}

/** Sets (or adds) `path`'s line in `root`'s dist/MANIFEST to the hash of `bytes`; returns the new bundle hash. */
function listInManifest(root, path, bytes) {
  const manifestPath = join(root, 'dist/MANIFEST');
  const lines = readFileSync(manifestPath, 'utf8').split('\n').filter(Boolean);
  const rest = lines.filter((line) => !line.endsWith(`  ${path}`));
  const manifest = `${[...rest, `${sha256(bytes)}  ${path}`].sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join('\n')}\n`;
  writeFileSync(manifestPath, manifest);
  return sha256(manifest);
}

const RELEASE_WORKER = `self.addEventListener('message', (event) => {
  if (event.data?.type === 'which') event.ports[0]?.postMessage('the new release');
});`;

/** Asks the service worker controlling `page` which it is: only RELEASE_WORKER answers (others get 10 s). */
const whichWorker = (page) =>
  page.evaluate(async () => {
    const channel = new MessageChannel();
    const reply = new Promise((resolve) => (channel.port1.onmessage = ({ data }) => resolve(data)));
    navigator.serviceWorker.controller.postMessage({ type: 'which' }, [channel.port2]);
    return Promise.race([reply, new Promise((resolve) => setTimeout(() => resolve('no answer: the pinned service worker'), 10_000))]);
  });

const SW_WARNING = /the mirror now serves a different service worker than the bundle you installed: it could change what runs after all Trustero tabs close/i;

test('a mirror that changes only sw.js, keeping its MANIFEST: the page warns loudly, with both hashes, and offers no bundle', () =>
  withInstalledMirror(async ({ root, page, pinned }) => {
    const listed = readFileSync(join(root, 'dist/MANIFEST'), 'utf8').match(/^([0-9a-f]{64}) {2}sw\.js$/m)[1];
    const hashes = changeServiceWorker(root, '// a service worker no bundle lists');
    assert.equal(hashes.before, listed);

    await page.reload();
    await page.waitForSelector('#sw-warning');
    assert.match(await page.textContent('#sw-warning'), SW_WARNING);
    assert.equal(await page.textContent('#sw-warning-pinned'), listed);
    assert.equal(await page.textContent('#sw-warning-served'), hashes.after);
    // Both are decided in the same check: the warning is up, so the MANIFEST was compared too.
    assert.equal(await page.locator('#update-offer').count(), 0, 'MANIFEST is unchanged: no bundle is offered');
    assert.equal(await footerHash(page), pinned, 'still running the pinned bundle');
    // The browser fetches the new sw.js by itself and installs it to wait: the warning says so.
    await page.waitForSelector('#sw-warning-waiting');
    assert.equal(await page.textContent('#sw-warning-served'), hashes.after);
  }));

test('a release that changes sw.js too: offer and warning, "update now" switches to it, and the warning is gone', () =>
  withInstalledMirror(async ({ root, page }) => {
    // The new release's service worker says so when asked (the pinned one does not answer this question).
    changeServiceWorker(root, RELEASE_WORKER);
    const offered = listInManifest(root, 'sw.js', readFileSync(join(root, 'dist/sw.js')));

    await page.reload();
    await page.waitForSelector('#update-offer');
    await page.waitForSelector('#sw-warning');
    await assertAccessible(page, 'the update offer and the service-worker warning');
    assert.equal(await page.textContent('#update-offered'), offered);
    await Promise.all([page.waitForEvent('load'), page.click('#update-now')]);
    await page.waitForFunction((hash) => document.getElementById('bundle-hash')?.textContent === hash, offered);
    assert.equal(await whichWorker(page), 'the new release', 'the new sw.js controls the page');
    // The next check finds the served sw.js listed in the pinned MANIFEST: no warning, no offer.
    await page.reload();
    await page.waitForSelector('#login-form');
    await page.evaluate(async () => {
      const { checkBundle } = await import('./js/core/bundle-cache.js');
      await checkBundle();
    });
    assert.equal(await page.locator('#sw-warning').count(), 0);
    assert.equal(await page.locator('#update-offer').count(), 0);
  }));

/**
 * Makes `root`'s mirror serve other code: index.htm replaced and a new
 * other.htm, both a page that says so, listed in a new MANIFEST.
 */
function publishOtherCode(root) {
  const code = Buffer.from('<!doctype html><title>other code</title><p id="other-code">the mirror’s new code runs here</p>\n');
  writeFileSync(join(root, 'dist/index.htm'), code);
  writeFileSync(join(root, 'dist/other.htm'), code);
  listInManifest(root, 'index.htm', code);
  return listInManifest(root, 'other.htm', code);
}

test('after the mirror switches bundles, no address runs its new code: ?fresh and pages outside the bundle get the pinned app', () =>
  withInstalledMirror(async ({ root, mirror, page, pinned }) => {
    const offered = publishOtherCode(root);
    const base = new URL('.', mirror.url).href;
    const add = '#add=AAAA&mb=' + '0'.repeat(64);

    // The address each document started at (the app then takes an add-me #fragment out of the address bar).
    await page.addInitScript(() => (window.startedAt = location.href));
    for (const [address, lands] of [
      [`${base}index.htm?fresh=1${add}`, `${base}index.htm?fresh=1${add}`],
      [`${base}other.htm${add}`, `${base}index.htm${add}`],
      [`${base}standalone.htm?fresh=1${add}`, `${base}index.htm${add}`],
    ]) {
      await page.goto(address);
      assert.equal(await page.locator('#other-code').count(), 0, `${address}: the mirror's new code ran`);
      await page.waitForSelector('#login-form');
      await hashShown(page);
      assert.equal(await footerHash(page), pinned, `${address}: not the pinned bundle`);
      // A link outside the bundle lands on the pinned app with its #fragment, so an add-me link still adds.
      assert.equal(await page.evaluate(() => window.startedAt), lands);
    }
    // A form another page posts to an address outside the bundle (the app's CSP allows no form): the pinned app too.
    await page.goto('about:blank');
    await page.setContent(`<form method="post" action="${base}other.htm"><input name="x" value="1"></form>`);
    await Promise.all([page.waitForURL(`${base}index.htm`), page.evaluate(() => document.forms[0].submit())]);
    assert.equal(await page.locator('#other-code').count(), 0, "a POST: the mirror's new code ran");
    await page.waitForSelector('#login-form');
    await hashShown(page);
    assert.equal(await footerHash(page), pinned, 'a POST: not the pinned bundle');
    // The offer still names the new bundle: it was seen, and refused until the user agrees.
    await page.waitForSelector('#update-offer');
    assert.equal(await page.textContent('#update-offered'), offered);

    // Data the page asks for: outside the bundle it is refused, except what it needs from the server.
    const fetched = await page.evaluate(async () => {
      const get = async (path, init) => {
        const response = await fetch(path, init);
        return { status: response.status, text: await response.text() };
      };
      return {
        other: await get('other.htm'),
        pinnedManifest: await get('MANIFEST'),
        freshManifest: await get(`MANIFEST?fresh=${Date.now()}`),
        localTracker: await get('local-tracker', { cache: 'no-store' }),
        relayInfo: await get('relay', { headers: { Accept: 'application/nostr+json' } }),
      };
    });
    assert.equal(fetched.other.status, 404);
    assert.doesNotMatch(fetched.other.text, /new code/);
    assert.match(fetched.other.text, /not part of the bundle/);
    assert.doesNotMatch(fetched.pinnedManifest.text, /other\.htm/);
    assert.match(fetched.freshManifest.text, /other\.htm/);
    assert.match(JSON.parse(fetched.localTracker.text).announce, /^ws:\/\/.*\/announce$/);
    assert.equal(fetched.relayInfo.status, 200);
    assert.ok(JSON.parse(fetched.relayInfo.text).supported_nips, 'the relay’s NIP-11 document');
  }));
