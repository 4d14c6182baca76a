// Trustero opened straight from disk: dist/index.htm as a file:// page, the
// way a user runs a copy they checked with sha256sum. Signalling goes
// through `builder serve`'s tracker, typed into the settings as a LAN user
// would; everything else keeps its default (public trackers, relays and STUN
// unreachable here).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, browserAndServerPerFile, closeAll, copyOfDist, login, openPage } from './harness.mjs';
import { ALICE, BOB, waitOnline } from './network-helpers.mjs';
import { tab } from './network-helpers.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

const fromDisk = (root = ROOT) => pathToFileURL(join(root, 'dist', 'index.htm')).href;

/** A file:// page of `root`'s dist/, moved on to standalone.htm by index.htm. */
async function openFromDisk(root) {
  const page = await openPage(browser, fromDisk(root));
  await page.waitForURL(/\/dist\/standalone\.htm$/);
  return page;
}

/** Adds builder serve's tracker to the default trackers, through the settings form. */
async function addTracker(page, announce) {
  await tab(page, 'settings');
  if (!(await page.$eval('#settings', (d) => d.open))) await page.click('#settings summary');
  const trackers = await page.inputValue('#settings-trackers');
  await page.fill('#settings-trackers', `${trackers}\n${announce}`);
  await page.click('#settings-save');
  await page.waitForSelector('#settings-message:text("Saved")');
}

/** Opens the only conversation in the Chats tab. */
async function openOnlyChat(page) {
  await tab(page, 'chats');
  await page.click('.chat-item');
  await page.waitForSelector('.conversation');
}

test('two pages opened from disk chat through a tracker typed into settings, send a file and make a video call', async () => {
  const { announce } = await (await fetch(new URL('local-tracker', server.url))).json();
  const [alice, bob] = [await openFromDisk(), await openFromDisk()];
  for (const [page, who] of [
    [alice, ALICE],
    [bob, BOB],
  ]) {
    await login(page, who.username, who.password, { bits: who.bits });
    await addTracker(page, announce);
  }
  // A disk copy has no address to share: its "add me" is a code any copy accepts.
  await tab(bob, 'identity');
  const code = await bob.inputValue('#add-me-link');
  assert.match(code, /^#add=[A-Za-z0-9_-]+&mb=[0-9a-f]{64}$/);
  assert.match(await bob.textContent('#add-me-from-disk'), /no web address/);
  await tab(alice, 'contacts');
  await alice.fill('#contact-key', code);
  await alice.fill('#contact-nickname', 'Bob');
  await alice.click('#add-contact-button');
  await tab(bob, 'contacts');
  await bob.fill('#contact-key', ALICE.spki);
  await bob.fill('#contact-nickname', 'Alice');
  await bob.click('#add-contact-button');
  await waitOnline(alice, BOB, 60_000);
  await waitOnline(bob, ALICE, 60_000);

  await openOnlyChat(alice);
  await alice.fill('.conversation .compose-text', 'hello from a file:// page');
  await alice.press('.conversation .compose-text', 'Enter');
  await openOnlyChat(bob);
  await bob.waitForSelector('.message.theirs .body:text("hello from a file:// page")');
  await bob.fill('.conversation .compose-text', 'and back');
  await bob.press('.conversation .compose-text', 'Enter');
  await alice.waitForSelector('.message.theirs .body:text("and back")');

  const body = Buffer.from('a file sent between two copies on disk\n'.repeat(2000));
  await alice.setInputFiles('.conversation .attach-input', { name: 'from-disk.txt', mimeType: 'text/plain', buffer: body });
  const save = bob.locator('.message.theirs [data-open-file]');
  await save.waitFor({ timeout: 60_000 });
  const [download] = await Promise.all([bob.waitForEvent('download', { timeout: 60_000 }), save.click()]);
  assert.equal(download.suggestedFilename(), 'from-disk.txt');
  assert.ok(readFileSync(await download.path()).equals(body), 'the file arrives byte for byte');

  // A web page as attachment: opened from disk it could read this copy's storage (the next test), so saving it asks first.
  const page = Buffer.from('<!doctype html><title>a page</title><script>indexedDB.databases().then(console.log)</script>\n');
  await alice.setInputFiles('.conversation .attach-input', { name: 'invitation.html', mimeType: 'text/html', buffer: page });
  const downloads = [];
  bob.on('download', (d) => downloads.push(d));
  const savePage = bob.locator('.message.theirs:has(.file-name:has-text("invitation.html")) [data-open-file]');
  await savePage.waitFor({ timeout: 60_000 });
  await savePage.click();
  const warning = bob.locator('.message.theirs:has(.file-name:has-text("invitation.html")) .file-warning');
  await warning.waitFor();
  assert.match(await warning.textContent(), /“invitation\.html” is a web page.*read and change what Trustero stores/s);
  assert.equal(downloads.length, 0, 'nothing is saved before the choice');
  await warning.locator('.file-warning-cancel').click();
  await warning.waitFor({ state: 'detached' });
  assert.equal(downloads.length, 0, '"Don’t save" saves nothing');
  await savePage.click();
  const [pageDownload] = await Promise.all([bob.waitForEvent('download', { timeout: 60_000 }), warning.locator('.file-warning-save').click()]);
  assert.equal(pageDownload.suggestedFilename(), 'invitation.html');
  assert.ok(readFileSync(await pageDownload.path()).equals(page), 'saved as sent, once the user chose to');

  // A video call (Chromium's fake camera and microphone): each side decodes the other's video.
  await alice.click('.conversation .video-call');
  await bob.waitForSelector('#call[data-state="incoming"]', { timeout: 30_000 });
  await bob.click('.call-accept');
  for (const [page, who] of [
    [alice, BOB],
    [bob, ALICE],
  ]) {
    await page.waitForFunction((fp) => (document.querySelector(`#call figure[data-fingerprint="${fp}"] video`)?.videoWidth ?? 0) > 0, who.fingerprint, {
      timeout: 30_000,
    });
  }
  for (const page of [alice, bob]) {
    assert.deepEqual(
      page.problems.filter((p) => !/ERR_NAME_NOT_RESOLVED|ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED|WebSocket|stun/i.test(p)),
      [],
      'no page error',
    );
  }
  await closeAll([alice, bob]);
});

/** A copy of dist/ with one character of standalone.htm changed inside `marker`'s element. */
function tamperedCopy(marker) {
  const root = copyOfDist();
  const path = join(root, 'dist', 'standalone.htm');
  const text = readFileSync(path, 'latin1');
  const at = text.indexOf(marker) + marker.length + 5000;
  const swapped = text[at] === 'A' ? 'B' : 'A';
  writeFileSync(path, text.slice(0, at) + swapped + text.slice(at + 1), 'latin1');
  return root;
}

test('a copy on disk with a byte changed refuses to start and says which file', async () => {
  // In the WebAssembly the page carries: the worker refuses it.
  const wasm = await openFromDisk(tamperedCopy('<script type="application/octet-stream" id="embedded-wasm">'));
  await wasm.waitForSelector('#login-error:not([hidden])', { timeout: 30_000 });
  assert.match(await wasm.textContent('#login-error'), /worker\.wasm .*does not match its pinned hash.*sha256sum -c MANIFEST/);
  assert.ok(await wasm.isDisabled('#login-button'), 'no login on an altered copy');
  // In the worker's script: the page refuses it before starting the worker.
  const worker = await openFromDisk(tamperedCopy('<script type="application/octet-stream" id="embedded-worker">'));
  await worker.waitForSelector('#login-error:not([hidden])', { timeout: 30_000 });
  assert.match(await worker.textContent('#login-error'), /worker\.js .*does not match its pinned hash/);
  // In the app's own script: the browser refuses it (CSP hash), the guard says so.
  const app = await openFromDisk(tamperedCopy('// ---- js/chat/chat.js ----'));
  await app.waitForSelector('#integrity-alarm', { timeout: 30_000 });
  assert.match(await app.textContent('#integrity-alarm'), /standalone\.htm holds a script that does not match its pinned hash/);
  assert.equal(await app.locator('#login-form').count(), 0, 'the altered app never runs');
  await closeAll([wasm, worker, app]);
});

test('Chromium lets any other file:// page read the disk copy’s IndexedDB: an .html file from another folder lists, opens, reads and empties it', async () => {
  // One browser profile, as a user's: the disk copy in one folder, a page saved to "Downloads" in another.
  const context = await browser.newContext();
  const app = await context.newPage();
  const root = copyOfDist();
  await app.goto(fromDisk(root));
  await app.waitForURL(/\/dist\/standalone\.htm$/);
  await login(app, ALICE.username, ALICE.password, { bits: ALICE.bits });
  /** Every database the page can see: per store, how many records it reads. */
  const readAll = async () => {
    const open = (name) =>
      new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        // A database this page could not see would be created empty here: fail instead.
        request.onupgradeneeded = () => request.transaction.abort();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const all = (db, store) =>
      new Promise((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const seen = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await open(name);
      seen[name] = {};
      for (const store of db.objectStoreNames) seen[name][store] = (await all(db, store)).length;
      db.close();
    }
    return seen;
  };
  const stored = await app.evaluate(readAll);
  const names = Object.keys(stored);
  assert.equal(names.length, 1, 'the disk copy keeps one database for the identity');
  assert.ok(
    Object.values(stored[names[0]]).some((n) => n > 0),
    'logging in stored something',
  );

  const downloads = mkdtempSync(join(tmpdir(), 'trustero-downloads-'));
  writeFileSync(join(downloads, 'attachment.html'), '<!doctype html><title>an attachment</title><p>saved and opened by the user</p>\n');
  const other = await context.newPage();
  await other.goto(pathToFileURL(join(downloads, 'attachment.html')).href);
  assert.ok(!other.url().startsWith(new URL('..', app.url()).href), 'a page from another folder');
  // It lists the databases and opens each by its name: every record the app stored is there to copy, change or delete.
  // (Counts only: the logged-in app may store more in between.)
  const seen = await other.evaluate(readAll);
  assert.deepEqual(Object.keys(seen), names, 'another file:// page lists the disk copy’s database');
  assert.deepEqual(Object.keys(seen[names[0]]), Object.keys(stored[names[0]]), 'and opens it, with all its stores');
  assert.ok(
    Object.values(seen[names[0]]).some((n) => n > 0),
    'and reads its records',
  );
  // And writes them: with the app closed (so that it writes nothing meanwhile), it empties every store,
  // and the disk copy opened again finds nothing.
  await app.close();
  await other.evaluate(async (name) => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const stores = [...db.objectStoreNames];
    const transaction = db.transaction(stores, 'readwrite');
    for (const store of stores) transaction.objectStore(store).clear();
    await new Promise((resolve, reject) => {
      transaction.oncomplete = resolve;
      transaction.onerror = () => reject(transaction.error);
    });
    db.close();
  }, names[0]);
  const again = await context.newPage();
  await again.goto(fromDisk(root));
  await again.waitForURL(/\/dist\/standalone\.htm$/);
  const left = await again.evaluate(readAll);
  assert.ok(
    Object.values(left[names[0]]).every((n) => n === 0),
    `another file:// page deleted what the disk copy stored: ${JSON.stringify(left)}`,
  );
  await context.close();
});
