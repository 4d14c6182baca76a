// Calls end to end: real Chromium with its fake camera, microphone and
// screen, signalling through real trackers on loopback, media checked with
// getStats() on the receiving side.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, serve } from './harness.mjs';
import { startNpmTracker } from './servers.mjs';
import { ALICE, BOB, CAROL, addContact, befriend, loggedIn, waitOnline } from './network-helpers.mjs';
import { openChat, tab } from './chat-helpers.mjs';
import { answer, callState, growth, received, startCall, untilReceived } from './call-helpers.mjs';

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

    await bob.click('.call-hangup');
    await alice.waitForSelector('#call[data-state="ended"]', { timeout: 10_000 });
    assert.match(await alice.textContent('.call-status'), /Call ended · \d+:\d\d/);
    assert.match(await historyText(alice, BOB), /Outgoing video call · \d+:\d\d/);
    assert.match(await historyText(bob, ALICE), /Incoming video call · \d+:\d\d/);
  } finally {
    await closeAll([alice, bob]);
  }
});
