// End to end: the real page in real Chromium, served by the real builder.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { ROOT, browserAndServerPerFile, copyOfDist, login, openPage, serve, until } from './harness.mjs';
import { unexpectedProblems } from './network-helpers.mjs';
import { identityText } from './driver.mjs';

const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/identity.json'), 'utf8')).vectors;
const alice = vectors[0];
const alice3072 = vectors.find((v) => v.username === 'alice' && v.bits === 3072);

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

test('logging in shows the key native code derives, copyable, with a scannable add-me QR code', async () => {
  const page = await openPage(browser, server.url);
  await login(page, alice.username, alice.password);
  const grouped = alice.fingerprint.match(/.{4}/g).join(' ');
  assert.equal(await page.textContent('#fingerprint'), grouped);
  assert.equal(await page.inputValue('#fingerprint-hex'), alice.fingerprint);
  assert.equal(await page.inputValue('#public-key'), alice.spki);
  const link = await page.inputValue('#add-me-link');
  // Version 2 of the link also carries the mailbox key (docs/mailbox.md).
  assert.equal(link, `${server.url}#add=${alice.spki}&mb=${alice.mailbox_key}`);

  const image = await page.evaluate(() => {
    const canvas = document.getElementById('add-me-qr');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    return { width: data.width, height: data.height, pixels: Array.from(data.data) };
  });
  const decoded = jsQR(Uint8ClampedArray.from(image.pixels), image.width, image.height);
  assert.equal(decoded?.data, link, 'the QR code decodes to the add-me link');

  // Copy buttons put the exact values on the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
  await page.click('button[data-copy="public-key"]');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), alice.spki);
  // Public trackers and relays are unreachable offline: that is expected noise.
  assert.deepEqual(unexpectedProblems(page), []);
});

test('the footer shows the bundle hash of the served MANIFEST', async () => {
  const page = await openPage(browser, server.url);
  const expected = createHash('sha256').update(readFileSync(join(ROOT, 'dist/MANIFEST'))).digest('hex');
  await page.waitForFunction((hash) => document.getElementById('bundle-hash').textContent === hash, expected);
});

test('a weak password is refused with an explanation and derives nothing', async () => {
  const page = await openPage(browser, server.url);
  await page.fill('#username', 'mallory');
  await page.fill('#password', 'password1');
  assert.match(await page.textContent('#strength-label'), /not accepted/);
  assert.match(await page.textContent('#strength-warning'), /only as strong as your password/);
  await page.click('#login-button');
  assert.match(await page.textContent('#login-error'), /too easy to guess/);
  assert.equal(await page.locator('#identity').count(), 0);
  assert.equal(await page.isDisabled('#login-button'), false);
});

test('a 3072-bit login shows progress stages and the 3072-bit vector key', async () => {
  const page = await openPage(browser, server.url);
  await page.fill('#username', alice3072.username);
  await page.fill('#password', alice3072.password);
  await page.selectOption('#key-size', '3072');
  await page.click('#login-button');
  await page.waitForSelector('#login-stage');
  assert.match(await page.textContent('#login-stage'), /Argon2id|RSA key|crypto engine/);
  await page.waitForSelector('#identity', { timeout: 60_000 });
  assert.equal(await page.inputValue('#fingerprint-hex'), alice3072.fingerprint);
});

test('the username never reaches the page after login, markup or not', async () => {
  const page = await openPage(browser, server.url);
  const hostile = '<img src=x onerror="window.pwned=1">unmistakable-login-name';
  await login(page, hostile, 'zebra lantern orbit velvet quarry');
  assert.equal(await page.locator('#identity img').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  // Not shown, not kept: the form is emptied and no part of the app holds it.
  // Read without waiting: once logged in the form is gone (a waiting read would sit out its 30 s timeout).
  assert.equal(await page.evaluate(() => document.querySelector('#username')?.value ?? ''), '');
  const found = (await page.evaluate(() => document.documentElement.outerHTML.includes('unmistakable-login-name')))
    || (await identityText(page)).includes('unmistakable-login-name');
  assert.equal(found, false);
});

test('logging out forgets the identity and returns to the login form', async () => {
  const page = await openPage(browser, server.url);
  await login(page, alice.username, alice.password);
  await page.click('#logout-button');
  await page.waitForSelector('#login-form');
  assert.equal(await page.locator('#identity').count(), 0);
});

test('a tampered module is refused by the browser (Subresource Integrity)', async () => {
  const root = copyOfDist();
  const file = join(root, 'dist/js/ui/login-view.js');
  writeFileSync(file, readFileSync(file, 'utf8').replace('Log in', 'Steal'));
  const tampered = await serve({ root });
  try {
    const page = await openPage(browser, tampered.url);
    await until(() => page.problems, (problems) => problems.some((p) => /integrity|digest/i.test(p)), { what: 'the integrity failure' });
    assert.equal(await page.locator('#login-form').count(), 0, 'the tampered module must not run');
  } finally {
    await tampered.stop();
  }
});

test('a tampered WASM module is reported as soon as the page loads, and login is refused', async () => {
  const root = copyOfDist();
  const file = join(root, 'dist/worker.wasm');
  const bytes = readFileSync(file);
  bytes[bytes.length - 1] ^= 1;
  writeFileSync(file, bytes);
  const tampered = await serve({ root });
  try {
    const page = await openPage(browser, tampered.url);
    // Before anyone types a password: the page already knows it cannot log in.
    await page.waitForSelector('#login-error:not([hidden])');
    assert.match(await page.textContent('#login-error'), /crypto engine could not be loaded/);
    assert.ok(await page.isDisabled('#login-button'));
    assert.equal(await page.locator('#identity').count(), 0);
  } finally {
    await tampered.stop();
  }
});

test('a username or password with a character Unicode does not assign is refused, naming it', async () => {
  const page = await openPage(browser, server.url);
  // U+0378 has never been assigned: two devices could normalize it differently.
  await page.fill('#username', 'al\u0378ice');
  await page.fill('#password', 'zebra lantern orbit velvet quarry');
  await page.click('#login-button');
  await page.waitForSelector('#login-error:not([hidden])');
  assert.match(await page.textContent('#login-error'), /U\+0378/);
  assert.equal(await page.locator('#identity').count(), 0);
});
