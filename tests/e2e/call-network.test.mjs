// Calls across the network: renegotiation kept off the signalling servers,
// a 3-person mesh, and a participant dropping out and coming back. Real
// Chromium with fake devices, real trackers on loopback, getStats() checks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_TIMING, browserAndServerPerFile, closeAll, login } from './harness.mjs';
import { startNpmTracker } from './servers.mjs';
import { ALICE, BOB, CAROL, befriend, loggedIn } from './network-helpers.mjs';
import { answer, callState, growth, startCall, inAGroup, untilReceived } from './call-helpers.mjs';
import { currentCall, remoteDescriptions } from './driver.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

test('sharing the screen adds a track by renegotiating over the encrypted session, never through the tracker', async () => {
  const tracker = await startNpmTracker();
  const [alice, bob] = await befriend(browser, server.url, { trackers: [tracker.url] });
  try {
    await startCall(alice, BOB);
    await answer(bob);
    await untilReceived(bob, ALICE, (s) => s.framesDecoded > 10, { what: 'camera video' });
    const mark = tracker.received.length;
    const renegotiationsBefore = await remoteDescriptions(bob);

    await alice.click('.call-screen-share');
    await bob.waitForSelector(`.call-tile.screen[data-tile="screen ${ALICE.fingerprint}"]`, { timeout: 20_000 });
    await untilReceived(bob, ALICE, (s) => s.streams === 2, { what: 'a second (screen) stream' });
    await bob.waitForFunction((fp) => {
      const video = document.querySelector(`[data-tile="screen ${fp}"] video`);
      return video && video.videoWidth >= 640;
    }, ALICE.fingerprint, { timeout: 20_000 });
    await alice.click('.call-screen-share');
    await bob.waitForSelector(`[data-tile="screen ${ALICE.fingerprint}"]`, { state: 'detached', timeout: 20_000 });
    assert.ok(await alice.isVisible('[data-tile="self"]'));

    assert.ok((await remoteDescriptions(bob)) > renegotiationsBefore, 'sharing the screen renegotiated');
    const duringCall = tracker.received.slice(mark).map((r) => r.message);
    assert.equal(duringCall.filter((m) => m?.answer || m?.to_peer_id).length, 0, 'no answer went through the tracker');
    assert.equal(duringCall.filter((m) => m === null).length, 0);
    await bob.click('.call-hangup');
    await alice.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
  } finally {
    await closeAll([alice, bob]);
    await tracker.stop();
  }
});

test('a 3-person group call: each sees two remote tiles; one reloads and the others see them leave', async () => {
  const LOCAL = { local: true };
  const alice = await loggedIn(browser, server.url, ALICE, LOCAL);
  const bob = await loggedIn(browser, server.url, BOB, LOCAL);
  const carol = await loggedIn(browser, server.url, CAROL, LOCAL);
  const pages = [alice, bob, carol];
  try {
    await inAGroup(pages, [ALICE, BOB, CAROL]);
    await alice.click('.conversation[data-kind="group"] .video-call');
    await answer(bob);
    await answer(carol);
    const everyone = { alice: [alice, ALICE], bob: [bob, BOB], carol: [carol, CAROL] };
    for (const [, [page, me]] of Object.entries(everyone)) {
      for (const [, [, other]] of Object.entries(everyone)) {
        if (other === me) continue;
        await untilReceived(page, other, (s) => s.framesDecoded > 10 && s.audioEnergy > 0, { what: `${other.username} at ${me.username}`, timeout: 30_000 });
      }
      await page.waitForFunction(() => document.querySelectorAll('.call-tile[data-fingerprint]:not(.no-video)').length === 2, null, { timeout: 10_000 });
    }

    await carol.reload();
    for (const page of [alice, bob]) {
      await page.waitForSelector(`.call-tile[data-fingerprint="${CAROL.fingerprint}"][data-state="left"]`, { state: 'attached', timeout: 20_000 });
      assert.equal(await callState(page), 'active', 'the call goes on for the other two');
    }
    assert.ok((await growth(alice, BOB, 'framesDecoded', 2)) > 10, 'Alice still sees Bob');
    await alice.click('.call-hangup');
    await bob.waitForSelector('#call[data-state="ended"]', { timeout: 15_000 });
  } finally {
    await closeAll(pages);
  }
});

test('a participant whose session drops shows as reconnecting and comes back into the same call', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  try {
    await startCall(alice, BOB);
    await answer(bob);
    await untilReceived(alice, BOB, (s) => s.framesDecoded > 10, { what: 'Bob’s video' });
    const id = await currentCall(alice);
    // Bob's page stops answering (a frozen laptop) for longer than a
    // session may stay silent: his sessions go silent and close.
    const frozen = bob.evaluate((ms) => {
      const until = Date.now() + ms;
      while (Date.now() < until) { /* busy */ }
    }, TEST_TIMING.silenceTimeoutMs + 4_000);
    await alice.waitForSelector(`.call-tile[data-fingerprint="${BOB.fingerprint}"][data-state="reconnecting"]`, { state: 'attached', timeout: 30_000 });
    await frozen;
    await alice.waitForSelector(`.call-tile[data-fingerprint="${BOB.fingerprint}"][data-state="joined"]`, { state: 'attached', timeout: 60_000 });
    await untilReceived(alice, BOB, (s) => s.framesPerSecond > 5, { what: 'Bob’s video again', timeout: 20_000 });
    await untilReceived(bob, ALICE, (s) => s.framesPerSecond > 5, { what: 'Alice’s video again at Bob', timeout: 20_000 });
    assert.equal(await currentCall(alice), id, 'the same call, not a new one');
    assert.equal(await currentCall(bob), id);
    await alice.click('.call-hangup');
    await bob.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
  } finally {
    await closeAll([alice, bob]);
  }
});

test('a group member who comes online during a call is rung and joins the mesh', async () => {
  const LOCAL = { local: true };
  const people = [ALICE, BOB, CAROL];
  const pages = [];
  for (const who of people) pages.push(await loggedIn(browser, server.url, who, LOCAL));
  let [alice, bob, carol] = pages;
  try {
    await inAGroup(pages, people);
    const carolContext = carol.context();
    await carol.close(); // Carol is offline when the call starts
    await alice.click('.conversation[data-kind="group"] .video-call');
    await answer(bob);
    await untilReceived(bob, ALICE, (s) => s.framesDecoded > 10, { what: 'Alice at Bob' });

    carol = await carolContext.newPage();
    pages[2] = carol;
    await carol.goto(server.url);
    await login(carol, CAROL.username, CAROL.password, { bits: CAROL.bits });
    await answer(carol, { timeout: 60_000 });
    for (const [i, page] of pages.entries()) {
      for (const [j, other] of people.entries()) {
        if (i !== j) await untilReceived(page, other, (s) => s.framesDecoded > 10, { what: `${other.username} at ${people[i].username}`, timeout: 40_000 });
      }
    }
    await alice.click('.call-hangup');
  } finally {
    await Promise.all(pages.map((p) => p.context().close().catch(() => {})));
  }
});
