// Trustero installed from an http mirror: the service worker (templates/sw.js)
// keeps the bundle this browser agreed to run, serves it offline, and never
// switches to another bundle without the user's word.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserAndServerPerFile, closeAll, copyOfDist, login, serve } from './harness.mjs';
import { ALICE, BOB, befriend, tab } from './network-helpers.mjs';
import { startNpmTracker } from './servers.mjs';
import { chromium } from 'playwright-core';

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
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium' });
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
    await alice.waitForSelector('.message.mine:has(.body:text("written while offline")) .state:is([data-state="delivered"], [data-state="read"])', { timeout: 30_000 });
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

test('a mirror that switches bundles: the page shows both hashes and keeps running the old one until the user agrees', async () => {
  const root = copyOfDist();
  const mirror = await serve({ root });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(mirror.url);
    await installed(page);
    await hashShown(page);
    const before = await footerHash(page);
    const offered = publishDifferentBundle(root);

    await page.reload();
    await page.waitForSelector('#update-offer');
    assert.equal(await page.textContent('#update-running'), before);
    assert.equal(await page.textContent('#update-offered'), offered);
    assert.equal(await footerHash(page), before, 'still running the old bundle');
    assert.doesNotMatch(await iconText(page), /a new release/, 'the old bytes are served');

    // "Keep" holds for this tab's session: a reload asks no more.
    await page.click('#update-keep');
    assert.equal(await page.locator('#update-offer').count(), 0);
    await page.reload();
    await page.waitForSelector('#login-form');
    await hashShown(page);
    assert.equal(await page.locator('#update-offer').count(), 0);
    assert.equal(await footerHash(page), before);

    // Another tab asks again; "update now" fetches, checks and switches.
    const other = await context.newPage();
    await other.goto(mirror.url);
    await other.waitForSelector('#update-offer');
    await Promise.all([other.waitForEvent('load'), other.click('#update-now')]);
    await other.waitForFunction((hash) => document.getElementById('bundle-hash')?.textContent === hash, offered);
    assert.match(await iconText(other), /a new release/);
    assert.equal(await other.locator('#update-offer').count(), 0);
    await context.close();
  } finally {
    await mirror.stop();
  }
});
