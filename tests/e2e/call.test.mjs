// Calls end to end: real Chromium with its fake camera, microphone and
// screen, signalling through real trackers on loopback, media checked with
// getStats() on the receiving side.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, serve } from './harness.mjs';
import { startNpmTracker } from './servers.mjs';
import { ALICE, BOB, CAROL, befriend, loggedIn } from './network-helpers.mjs';
import { openChat } from './chat-helpers.mjs';
import { answer, callState, growth, startCall, inAGroup, untilReceived } from './call-helpers.mjs';

let browser;
let server;

before(async () => {
  [browser, server] = await Promise.all([launch(), serve()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const closeAll = (pages) => Promise.all(pages.map((p) => p.context().close()));

async function historyText(page, who) {
  await openChat(page, who);
  await page.waitForSelector('.conversation .call-event', { timeout: 20_000 });
  return page.textContent('.conversation .messages');
}

test('a 1:1 video call: frames and sound arrive, mute and camera-off stop them, both histories show it', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  try {
    await startCall(alice, BOB);
    await answer(bob);
    const seen = await untilReceived(bob, ALICE, (s) => s.framesDecoded > 20 && s.audioEnergy > 0, { what: 'Alice’s video and sound at Bob' });
    assert.ok(seen.width >= 320, `video arrives at a useful size (${seen.width}×${seen.height})`);
    await untilReceived(alice, BOB, (s) => s.framesDecoded > 20 && s.audioEnergy > 0, { what: 'Bob’s video and sound at Alice' });
    assert.equal(await callState(alice), 'active');
    assert.match(await alice.textContent('.call-e2e'), /End-to-end encrypted.*Safety numbers/s);

    const soundBefore = await growth(bob, ALICE, 'audioEnergy');
    assert.ok(soundBefore > 0, 'the fake microphone is heard');
    await alice.click('.call-mute');
    await new Promise((r) => setTimeout(r, 1_500));
    const soundMuted = await growth(bob, ALICE, 'audioEnergy');
    assert.ok(soundMuted < soundBefore * 0.05, `muted: audio energy stops rising (${soundMuted} vs ${soundBefore})`);

    const framesBefore = await growth(bob, ALICE, 'framesDecoded');
    assert.ok(framesBefore > 20, `frames keep coming (${framesBefore} in 3 s)`);
    await alice.click('.call-camera');
    await new Promise((r) => setTimeout(r, 1_500));
    const framesOff = await growth(bob, ALICE, 'framesDecoded');
    assert.ok(framesOff <= 2, `camera off: frames stop (${framesOff} in 3 s)`);
    await alice.click('.call-camera');
    await untilReceived(bob, ALICE, (s) => s.framesPerSecond > 5, { what: 'video back after camera on' });

    // Switching microphones keeps the sound flowing, without renegotiating.
    assert.ok((await bob.locator('.call-mic option').count()) >= 2, 'the fake devices offer several microphones');
    const renegotiations = await alice.evaluate(async () => (await import('./js/app-state.js')).app.calls.rtcFramesReceived());
    await bob.selectOption('.call-mic', { index: 1 });
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok((await growth(alice, BOB, 'audioEnergy')) > 0, 'sound goes on with the other microphone');
    assert.equal(await alice.evaluate(async () => (await import('./js/app-state.js')).app.calls.rtcFramesReceived()), renegotiations);

    await bob.click('.call-hangup');
    await alice.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
    assert.match(await alice.textContent('.call-status'), /Call ended · \d+:\d\d/);
    assert.match(await historyText(alice, BOB), /Outgoing video call · \d+:\d\d/);
    assert.match(await historyText(bob, ALICE), /Incoming video call · \d+:\d\d/);
  } finally {
    await closeAll([alice, bob]);
  }
});

test('a declined call and an unanswered call end cleanly and are written into both histories', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  try {
    await startCall(alice, BOB);
    await answer(bob, { decline: true });
    await alice.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
    assert.match(await alice.textContent('.call-status'), /declined/);
    assert.match(await historyText(alice, BOB), /Video call declined/);
    assert.match(await historyText(bob, ALICE), /You declined a video call/);
    await alice.waitForSelector('#call', { state: 'hidden', timeout: 10_000 });

    // Nobody answers: both sides stop ringing after the timeout.
    await startCall(alice, BOB, { video: false });
    await bob.waitForSelector('#call[data-state="incoming"]', { timeout: 30_000 });
    assert.match(await bob.textContent('.call-status'), /is calling/);
    await alice.waitForSelector('#call[data-state="ended"]', { timeout: 60_000 });
    assert.match(await alice.textContent('.call-status'), /No answer/);
    await bob.waitForSelector('#call[data-state="ended"]', { timeout: 15_000 });
    assert.match(await bob.textContent('.call-status'), /Missed call/);
    assert.match(await historyText(bob, ALICE), /Missed voice call/);
    assert.match(await historyText(alice, BOB), /Voice call, no answer/);
  } finally {
    await closeAll([alice, bob]);
  }
});

test('sharing the screen adds a track by renegotiating over the encrypted session, never through the tracker', async () => {
  const tracker = await startNpmTracker();
  const [alice, bob] = await befriend(browser, server.url, { trackers: [tracker.url] });
  try {
    await startCall(alice, BOB);
    await answer(bob);
    await untilReceived(bob, ALICE, (s) => s.framesDecoded > 10, { what: 'camera video' });
    const mark = tracker.received.length;
    const renegotiationsBefore = await bob.evaluate(async () => (await import('./js/app-state.js')).app.calls.rtcFramesReceived());

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

    const renegotiations = await bob.evaluate(async () => (await import('./js/app-state.js')).app.calls.rtcFramesReceived());
    assert.ok(renegotiations > renegotiationsBefore, 'descriptions came over the session');
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
    assert.ok((await growth(alice, BOB, 'framesDecoded', 2_000)) > 10, 'Alice still sees Bob');
    await alice.click('.call-hangup');
    await bob.waitForSelector('#call[data-state="ended"]', { timeout: 15_000 });
  } finally {
    await closeAll(pages);
  }
});

test('with no camera and the microphone refused, the call goes on with what is available and says why', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  try {
    // What the browser reports for a machine without a camera whose user
    // refused the microphone.
    await bob.evaluate(() => {
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        throw new DOMException('refused', constraints.audio ? 'NotAllowedError' : 'NotFoundError');
      };
    });
    await startCall(alice, BOB);
    await answer(bob);
    await bob.waitForSelector('.call-warnings li', { timeout: 10_000 });
    const warnings = await bob.textContent('.call-warnings');
    assert.match(warnings, /Access to the microphone was denied.*Others cannot hear you/s);
    assert.match(warnings, /No camera was found.*continues without your video/s);
    await untilReceived(bob, ALICE, (s) => s.framesDecoded > 10 && s.audioEnergy > 0, { what: 'Alice still seen and heard by Bob' });
    assert.equal(await callState(alice), 'active');
    await alice.click('.call-hangup');
    await bob.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
  } finally {
    await closeAll([alice, bob]);
  }
});

test('a participant whose session drops shows as reconnecting and comes back into the same call', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  try {
    await startCall(alice, BOB);
    await answer(bob);
    await untilReceived(alice, BOB, (s) => s.framesDecoded > 10, { what: 'Bob’s video' });
    const callId = () => import('./js/app-state.js').then(({ app }) => app.calls.current()?.id);
    const id = await alice.evaluate(callId);
    // Bob's page stops answering (a frozen laptop): his sessions go silent.
    const frozen = bob.evaluate(() => {
      const until = Date.now() + 20_000;
      while (Date.now() < until) { /* busy */ }
    });
    await alice.waitForSelector(`.call-tile[data-fingerprint="${BOB.fingerprint}"][data-state="reconnecting"]`, { state: 'attached', timeout: 30_000 });
    await frozen;
    await alice.waitForSelector(`.call-tile[data-fingerprint="${BOB.fingerprint}"][data-state="joined"]`, { state: 'attached', timeout: 30_000 });
    await untilReceived(alice, BOB, (s) => s.framesPerSecond > 5, { what: 'Bob’s video again', timeout: 20_000 });
    await untilReceived(bob, ALICE, (s) => s.framesPerSecond > 5, { what: 'Alice’s video again at Bob', timeout: 20_000 });
    assert.equal(await alice.evaluate(callId), id, 'the same call, not a new one');
    assert.equal(await bob.evaluate(callId), id);
    await alice.click('.call-hangup');
    await bob.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
  } finally {
    await closeAll([alice, bob]);
  }
});
