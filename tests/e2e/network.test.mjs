// Matchmaking end to end: real Chromium pages find each other through real
// signalling servers on loopback (builder serve's tracker, the npm
// bittorrent-tracker server, nostr-rs-relay), authenticate, and pass frames.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, closeAll, freePort, openPage } from './harness.mjs';
import { startNostrRelay, startNpmTracker } from './servers.mjs';
import {
  ALICE, BOB, CAROL, statusText, MALLORY, tab, addContact, befriend, loggedIn, ping, unexpectedProblems, waitOffline, waitOnline,
} from './network-helpers.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

test('peers meet through builder serve’s own tracker and exchange encrypted frames', async () => {
  const pages = await befriend(browser, server.url, { local: true });
  assert.match(await ping(pages[0], BOB), / ms$/);
  assert.match(await ping(pages[1], ALICE), / ms$/);
  assert.match(await statusText(pages[0], '#network-summary'), /1 authenticated peer/);
  for (const page of pages) assert.deepEqual(unexpectedProblems(page), []);
  await closeAll(pages);
});

test('peers meet through the npm bittorrent-tracker server alone', async () => {
  const tracker = await startNpmTracker();
  try {
    const pages = await befriend(browser, server.url, { trackers: [tracker.url] });
    assert.match(await ping(pages[0], BOB), / ms$/);
    await closeAll(pages);
  } finally {
    await tracker.stop();
  }
});

test('peers meet through a Nostr relay alone', async () => {
  const relay = await startNostrRelay();
  try {
    const pages = await befriend(browser, server.url, { relays: [relay.url] });
    assert.match(await ping(pages[1], ALICE), / ms$/);
    assert.match(await statusText(pages[0], '#relay-status'), /connected/);
    await closeAll(pages);
  } finally {
    await relay.stop();
  }
});

test('a dead tracker does not block the one that works, and shows as unreachable', async () => {
  const tracker = await startNpmTracker();
  const dead = `ws://127.0.0.1:${await freePort()}`;
  try {
    const pages = await befriend(browser, server.url, { trackers: [dead, tracker.url] });
    assert.match(await ping(pages[0], BOB), / ms$/);
    await tab(pages[0], 'network');
    await pages[0].waitForSelector(`#tracker-status [data-url="${dead}"][data-state="retrying"]`, { state: 'attached' });
    assert.match(await pages[0].textContent(`#tracker-status [data-url="${dead}"]`), /could not connect/);
    await closeAll(pages);
  } finally {
    await tracker.stop();
  }
});

test('an impostor who knows both public keys is refused and shown as a failed attempt', async () => {
  const bob = await loggedIn(browser, server.url, BOB, { local: true });
  await addContact(bob, ALICE, 'Alice');
  // Mallory computes the Alice-Bob room from the public keys alone and joins it.
  const mallory = await loggedIn(browser, server.url, MALLORY, { local: true });
  await mallory.evaluate(async ({ alice, bob }) => {
    const { app } = await import('./js/app-state.js');
    const { decode } = await import('./js/encoding.js');
    const room = await app.cryptoClient.call('room.pairOf', { spkiA: decode(alice.spki), spkiB: decode(bob.spki), password: '' });
    app.network.join({ room, allowed: () => [alice.fingerprint, bob.fingerprint] });
  }, { alice: ALICE, bob: BOB });
  await bob.waitForSelector('#failed-attempts li[data-reason="unexpected-peer"]', { state: 'attached', timeout: 30_000 });
  assert.match(await bob.textContent('#failed-attempts'), new RegExp(MALLORY.fingerprint.slice(0, 4)));
  assert.equal(await bob.locator('.contact.online').count(), 0, 'Mallory never shows as Alice');
  await closeAll([bob, mallory]);
});

test('peers find each other again after the tracker restarts', async () => {
  const tracker = await startNpmTracker();
  const alice = await loggedIn(browser, server.url, ALICE, { trackers: [tracker.url] });
  await addContact(alice, BOB, 'Bob');
  await tab(alice, 'network');
  await alice.waitForSelector(`#tracker-status [data-state="open"]`, { state: 'attached' });
  await tracker.stop();
  await alice.waitForSelector(`#tracker-status [data-state="retrying"]`, { state: 'attached' });
  const bob = await loggedIn(browser, server.url, BOB, { trackers: [tracker.url] });
  await addContact(bob, ALICE, 'Alice');
  const restarted = await startNpmTracker({ port: tracker.port });
  try {
    await Promise.all([waitOnline(alice, BOB, 60_000), waitOnline(bob, ALICE, 60_000)]);
    assert.match(await ping(bob, ALICE), / ms$/);
  } finally {
    await closeAll([alice, bob]);
    await restarted.stop();
  }
});

test('a peer that reloads shows offline, then comes back by itself', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  await bob.reload();
  await waitOffline(alice, BOB);
  await bob.waitForSelector('#login-form');
  const { login } = await import('./harness.mjs');
  await login(bob, BOB.username, BOB.password);
  await waitOnline(alice, BOB);
  await waitOnline(bob, ALICE);
  assert.match(await ping(alice, BOB), / ms$/);
  await closeAll([alice, bob]);
});

test('three peers in one group room each authenticate the other two', async () => {
  const members = [ALICE, BOB, CAROL];
  const pages = await Promise.all(members.map((who) => loggedIn(browser, server.url, who, { local: true })));
  const groupId = Array.from({ length: 16 }, (_, i) => i);
  const secret = Array.from({ length: 32 }, (_, i) => 100 + i);
  await Promise.all(pages.map((page, i) => page.evaluate(async ({ groupId, secret, others }) => {
    const { app } = await import('./js/app-state.js');
    const room = await app.cryptoClient.call('room.group', { groupId: Uint8Array.from(groupId), secret: Uint8Array.from(secret) });
    window.groupRoom = app.network.join({ room, allowed: () => others });
  }, { groupId, secret, others: members.filter((_, j) => j !== i).map((m) => m.fingerprint) })));
  for (const [i, page] of pages.entries()) {
    await page.waitForFunction(() => window.groupRoom.peers().length === 2, null, { timeout: 30_000 });
    const seen = await page.evaluate(() => window.groupRoom.peers().map((p) => p.fingerprint).sort());
    assert.deepEqual(seen, members.filter((_, j) => j !== i).map((m) => m.fingerprint).sort());
  }
  await closeAll(pages);
});

test('opening an “add me” link before login fills in the contact form', async () => {
  const page = await openPage(browser, `${server.url}#add=${BOB.spki}`);
  await page.waitForFunction(() => !location.hash, null, { timeout: 10_000 });
  const { login } = await import('./harness.mjs');
  await login(page, ALICE.username, ALICE.password);
  assert.match(await page.inputValue('#contact-key'), new RegExp(`#add=${BOB.spki}`));
  await page.fill('#contact-nickname', 'Bob');
  await page.click('#add-contact-button');
  await page.waitForSelector(`.contact[data-fingerprint="${BOB.fingerprint}"]`, { state: 'attached' });
  // Adding yourself or nonsense is refused with an explanation.
  const errorShows = (pattern) => page.waitForFunction((source) => new RegExp(source).test(document.getElementById('contact-error').textContent), pattern.source);
  await page.fill('#contact-key', ALICE.spki);
  await page.click('#add-contact-button');
  await errorShows(/your own public key/);
  await page.fill('#contact-key', 'not a key');
  await page.click('#add-contact-button');
  await errorShows(/not a valid Trustero public key/);
  await page.context().close();
});

test('contacts and settings survive logging out and in again, sealed at rest', async () => {
  const relay = 'ws://127.0.0.1:9/unused-relay';
  const page = await loggedIn(browser, server.url, ALICE, { local: true, relays: [relay] });
  await addContact(page, BOB, 'Bobby Tables <b>');
  await page.click('#logout-button');
  const { login } = await import('./harness.mjs');
  await login(page, ALICE.username, ALICE.password);
  await page.waitForSelector(`.contact[data-fingerprint="${BOB.fingerprint}"]`, { state: 'attached' });
  assert.equal(await page.textContent(`.contact[data-fingerprint="${BOB.fingerprint}"] strong`), 'Bobby Tables <b>');
  assert.equal(await page.inputValue('#settings-relays'), relay);
  // Nothing readable in IndexedDB: no nickname, no relay address, no key.
  const dump = await page.evaluate(async () => {
    const { app } = await import('./js/app-state.js');
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(app.store.name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const values = await new Promise((resolve) => {
      const request = db.transaction('records').objectStore('records').getAll();
      request.onsuccess = () => resolve(request.result);
    });
    db.close();
    return { name: app.store.name, text: values.map((v) => new TextDecoder('latin1').decode(v)).join('\n') };
  });
  for (const secret of ['Bobby', 'unused-relay', BOB.spki.slice(0, 40), BOB.fingerprint.slice(0, 16)]) {
    assert.ok(!dump.text.includes(secret), `IndexedDB leaks ${secret}`);
  }
  assert.ok(!dump.name.includes(ALICE.fingerprint.slice(0, 8)), 'the database name reveals nothing');
  await page.context().close();
});

test('closing a tab shows the peer offline within seconds', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  const started = Date.now();
  await bob.close();
  await waitOffline(alice, BOB, 20_000);
  assert.ok(Date.now() - started < 20_000);
  await alice.context().close();
});

test('when the network comes back, signalling reconnects at once instead of waiting out its backoff', async () => {
  const tracker = await startNpmTracker();
  const alice = await loggedIn(browser, server.url, ALICE, { trackers: [tracker.url] });
  await tab(alice, 'network');
  await alice.waitForSelector('#tracker-status [data-state="open"]', { state: 'attached' });
  await tracker.stop();
  await alice.context().setOffline(true);
  // Let failures push the next attempt several seconds away.
  const retryIn = () => alice.evaluate(async () => {
    const { app } = await import('./js/app-state.js');
    const [endpoint] = app.network.status().trackers;
    return endpoint.state === 'retrying' ? endpoint.retryAt - Date.now() : 0;
  });
  const deadline = Date.now() + 30_000;
  while ((await retryIn()) < 6_000) {
    assert.ok(Date.now() < deadline, 'backoff never grew');
    await new Promise((r) => setTimeout(r, 200));
  }
  const restarted = await startNpmTracker({ port: tracker.port });
  try {
    const back = Date.now();
    await alice.context().setOffline(false);
    // Well before the scheduled retry (6 s or more away).
    await alice.waitForSelector('#tracker-status [data-state="open"]', { state: 'attached', timeout: 4_000 });
    assert.ok(Date.now() - back < 4_000);
  } finally {
    await alice.context().close();
    await restarted.stop();
  }
});
