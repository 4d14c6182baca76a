// Calls end to end: real Chromium with its fake camera, microphone and
// screen, signalling through real trackers on loopback, media checked with
// getStats() on the receiving side.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, closeAll } from './harness.mjs';
import { ALICE, BOB, befriend } from './network-helpers.mjs';
import { openChat } from './chat-helpers.mjs';
import { answer, callState, growth, startCall, untilReceived } from './call-helpers.mjs';
import { remoteDescriptions } from './driver.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

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
    // A muted track sends silence: wait until Bob hears none, then measure.
    await untilReceived(bob, ALICE, (s) => s.audioLevel < 0.001, { what: 'silence at Bob after mute' });
    const soundMuted = await growth(bob, ALICE, 'audioEnergy');
    assert.ok(soundMuted < soundBefore * 0.05, `muted: audio energy stops rising (${soundMuted} vs ${soundBefore})`);

    const framesBefore = await growth(bob, ALICE, 'framesDecoded');
    assert.ok(framesBefore > 20, `frames keep coming (${framesBefore} in 3 samples)`);
    await alice.click('.call-camera');
    await untilReceived(bob, ALICE, (s) => s.framesPerSecond === 0, { what: 'no frames at Bob after camera off' });
    const framesOff = await growth(bob, ALICE, 'framesDecoded');
    assert.ok(framesOff <= 2, `camera off: frames stop (${framesOff} in 3 samples)`);
    await alice.click('.call-camera');
    await untilReceived(bob, ALICE, (s) => s.framesPerSecond > 5, { what: 'video back after camera on' });

    // Switching microphones keeps the sound flowing, without renegotiating.
    assert.ok((await bob.locator('.call-mic option').count()) >= 2, 'the fake devices offer several microphones');
    const renegotiations = await remoteDescriptions(alice);
    await bob.selectOption('.call-mic', { index: 1 });
    await bob.waitForFunction(() => document.querySelector('.call-mic')?.selectedIndex === 1);
    assert.ok((await growth(alice, BOB, 'audioEnergy')) > 0, 'sound goes on with the other microphone');
    assert.equal(await remoteDescriptions(alice), renegotiations, 'no renegotiation');

    await bob.click('.call-hangup');
    await alice.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
    assert.match(await alice.textContent('.call-status'), /Call ended · \d+:\d\d/);
    assert.match(await historyText(alice, BOB), /Outgoing video call · \d+:\d\d/);
    assert.match(await historyText(bob, ALICE), /Incoming video call · \d+:\d\d/);
  } finally {
    await closeAll([alice, bob]);
  }
});

// An unanswered call rings for 45 s: its timeout is tested with mocked
// timers in tests/js/calls-devices.test.mjs, not by waiting here.
test('a declined call ends cleanly and is written into both histories', async () => {
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  try {
    await startCall(alice, BOB);
    await answer(bob, { decline: true });
    await alice.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
    assert.match(await alice.textContent('.call-status'), /declined/);
    assert.match(await historyText(alice, BOB), /Video call declined/);
    assert.match(await historyText(bob, ALICE), /You declined a video call/);
    await alice.waitForSelector('#call', { state: 'hidden', timeout: 10_000 });
  } finally {
    await closeAll([alice, bob]);
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
