// Matchmaking end to end: real Chromium pages find each other through real
// signalling servers on loopback (builder serve's tracker, the npm
// bittorrent-tracker server, nostr-rs-relay), authenticate, and pass frames.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, closeAll, dumpDatabase, freePort, login, openPage, until } from './harness.mjs';
import { startNostrRelay, startNpmTracker } from './servers.mjs';
import { roomOf } from './rooms.mjs';
import { joinGroupRoom, networkStatus, settings } from './driver.mjs';
import { WebSocketServer } from 'ws';
import {
  ALICE, BOB, CAROL, identities, statusText, MALLORY, tab, addContact, addContactInForm, befriend, loggedIn, ping, unexpectedProblems, waitOffline, waitOnline,
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

test('with default settings (the public STUN server unreachable, as on a LAN with no internet), two people who add each other show online', async (t) => {
  // No settings touched: public trackers, relays and STUN as shipped; builder
  // serve's own tracker found by the page. Offers and answers no longer wait
  // for the STUN server (bench/network.mjs prints how long this takes).
  // Two identities no other test here touches: no settings saved by an
  // earlier test apply (settings roam with the identity).
  const [dee, eve] = [identities[6], identities[7]];
  const [a, b] = [await openPage(browser, server.url), await openPage(browser, server.url)];
  await login(a, dee.username, dee.password, { bits: dee.bits });
  await login(b, eve.username, eve.password, { bits: eve.bits });
  const { iceServers } = await settings(a);
  assert.deepEqual(iceServers, [{ urls: ['stun:stun.l.google.com:19302'] }], 'the shipped STUN server is in use');
  await addContactInForm(a, eve, 'Eve');
  // A new contact's room is joined at once (no room cycler tick in between):
  // printed, not asserted (tests/bench.sh meet times it against a room joined by code).
  const started = Date.now();
  await addContactInForm(b, dee, 'Dee');
  await Promise.all([waitOnline(a, eve), waitOnline(b, dee)]);
  t.diagnostic(`second add → both online: ${Date.now() - started} ms`);
  assert.match(await ping(a, eve), / ms$/);
  await closeAll([a, b]);
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
  // Mallory knows Alice's and Bob's public keys and runs the tracker Bob
  // uses. She computes the Alice–Bob room, and hands Bob offers from her own
  // (Mallory–Bob) room re-sealed as if they came from inside it: Bob's
  // connection reaches her, and the handshake must refuse her.
  const aliceBob = roomOf(ALICE.fingerprint, BOB.fingerprint);
  const malloryBob = roomOf(MALLORY.fingerprint, BOB.fingerprint);
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  const sockets = {};
  wss.on('connection', (socket) => {
    socket.on('message', (raw) => {
      const message = JSON.parse(raw);
      if (message.action !== 'announce') return;
      const side = message.info_hash === aliceBob.infoHash ? 'bob' : message.info_hash === malloryBob.infoHash ? 'mallory' : null;
      if (!side) return;
      sockets[side] = socket;
      socket.peerId = message.peer_id;
      socket.send(JSON.stringify({ action: 'announce', interval: 120, info_hash: message.info_hash, complete: 0, incomplete: 2 }));
      if (side === 'mallory' && sockets.bob) {
        for (const { offer, offer_id: offerId } of message.offers ?? []) {
          const opened = malloryBob.open(offer.sdp);
          sockets.bob.send(JSON.stringify({
            action: 'announce', info_hash: aliceBob.infoHash, peer_id: message.peer_id, offer_id: offerId,
            offer: { type: 'offer', sdp: aliceBob.seal({ ...opened, at: Date.now() }) },
          }));
        }
      } else if (side === 'bob' && message.answer && sockets.mallory) {
        const opened = aliceBob.open(message.answer.sdp);
        sockets.mallory.send(JSON.stringify({
          action: 'announce', info_hash: malloryBob.infoHash, peer_id: message.peer_id, offer_id: message.offer_id,
          answer: { type: 'answer', sdp: malloryBob.seal({ ...opened, at: Date.now() }) },
        }));
      }
    });
  });
  try {
    const tracker = `ws://127.0.0.1:${port}`;
    const bob = await loggedIn(browser, server.url, BOB, { trackers: [tracker] });
    await addContact(bob, ALICE, 'Alice');
    const mallory = await loggedIn(browser, server.url, MALLORY, { trackers: [tracker] });
    await addContact(mallory, BOB, 'Bob');
    await tab(bob, 'contacts'); // where refused attempts and who is online show
    await bob.waitForSelector('#failed-attempts li[data-reason="unexpected-peer"]', { state: 'attached', timeout: 60_000 });
    assert.match(await bob.textContent('#failed-attempts'), new RegExp(MALLORY.fingerprint.slice(0, 4)));
    assert.equal(await bob.locator('.contact.online').count(), 0, 'Mallory never shows as Alice');
  } finally {
    wss.close();
  }
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
  await Promise.all(pages.map((page, i) => joinGroupRoom(page, { groupId, secret, allowed: members.filter((_, j) => j !== i).map((m) => m.fingerprint) })));
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
  const dump = await dumpDatabase(page);
  for (const secret of ['Bobby', 'unused-relay', BOB.spki.slice(0, 40), BOB.fingerprint.slice(0, 16)]) {
    assert.ok(!dump.text.includes(secret), `IndexedDB leaks ${secret}`);
  }
  assert.ok(!dump.name.includes(ALICE.fingerprint.slice(0, 8)), 'the database name reveals nothing');
  await page.context().close();
});

test('closing a tab shows the peer offline', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  await bob.close(); // its goodbye (BYE) ends the session at once; silence would take 16 s
  await waitOffline(alice, BOB);
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
  const endpoint = async () => (await networkStatus(alice)).trackers[0];
  const waiting = await until(endpoint, (e) => e.state === 'retrying' && e.retryAt - Date.now() >= 6_000, { what: 'a backoff of 6 s or more' });
  const restarted = await startNpmTracker({ port: tracker.port });
  try {
    await alice.context().setOffline(false);
    await alice.waitForSelector('#tracker-status [data-state="open"]', { state: 'attached' });
    // The socket opened because the network came back, before the retry
    // that was scheduled (both times are the page's own clock).
    const opened = await endpoint();
    assert.ok(opened.openedAt < waiting.retryAt, `opened at ${opened.openedAt}, the retry was due at ${waiting.retryAt}`);
  } finally {
    await alice.context().close();
    await restarted.stop();
  }
});
