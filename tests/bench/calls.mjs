// Call benchmark (prints a table; asserts nothing): accept → first remote
// video frame, CPU of a 1:1 and a 3-way video call at 640×480, and the
// lowest decoded frame rate any participant sees during 60 s 3- and 4-way calls.
// Chromium's fake camera and microphone, builder serve's tracker, one machine.
//   node bench/calls.mjs   knobs: BENCH_CALLS (default 10), BENCH_CALL_S (default 60),
//   BENCH_GROUP_SIZES (default 3,4; every participant's page runs on this machine)

import { launch, serve } from '../e2e/harness.mjs';
import { ALICE, BOB, CAROL, MALLORY, befriend, loggedIn } from '../e2e/network-helpers.mjs';
import { cpuTicks, chromiumPids } from './proc.mjs';
import { answer, received, startCall, inAGroup, untilReceived } from '../e2e/call-helpers.mjs';
import { hangUp as leaveCall } from '../e2e/driver.mjs';

const RUNS = Number(process.env.BENCH_CALLS ?? 10);
const CALL_S = Number(process.env.BENCH_CALL_S ?? 60);
const GROUP_SIZES = (process.env.BENCH_GROUP_SIZES ?? '3,4').split(',').map(Number);
const CPU_WINDOW_MS = 20_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p / 100))];

const chromiumTicks = () => cpuTicks(chromiumPids());

async function cpuPercent(ms) {
  const ticks = chromiumTicks();
  const started = Date.now();
  await sleep(ms);
  return ((chromiumTicks() - ticks) / 100) / ((Date.now() - started) / 1000) * 100;
}

/** Clicks Accept in `page` and resolves to ms until the first frame of `who`'s video is painted there. */
function acceptToFirstFrame(page, who) {
  return page.evaluate((fp) => new Promise((resolve, reject) => {
    const started = performance.now();
    document.querySelector('.call-accept').click();
    const deadline = started + 20_000;
    (function poll() {
      const video = document.querySelector(`.call-tile[data-fingerprint="${fp}"] video`);
      if (video?.srcObject && typeof video.requestVideoFrameCallback === 'function') {
        video.requestVideoFrameCallback(() => resolve(performance.now() - started));
      } else if (performance.now() > deadline) {
        reject(new Error('no remote video'));
      } else {
        setTimeout(poll, 5);
      }
    })();
  }), who.fingerprint);
}

async function hangUp(page, others) {
  await page.click('.call-hangup');
  for (const other of others) await other.waitForSelector('#call[data-state="ended"], #call[hidden]', { state: 'attached', timeout: 15_000 });
  await sleep(500);
}

const rows = [];
const [browser, server] = await Promise.all([launch(), serve()]);
try {
  const idleCpu = await cpuPercent(5_000);

  // 1:1: accept → first frame, then CPU of a running call.
  const [alice, bob] = await befriend(browser, server.url, { local: true });
  const firstFrames = [];
  for (let run = 0; run < RUNS; run++) {
    await startCall(alice, BOB);
    await bob.waitForSelector('#call[data-state="incoming"]', { timeout: 30_000 });
    firstFrames.push(await acceptToFirstFrame(bob, ALICE));
    if (run < RUNS - 1) await hangUp(alice, [bob]);
  }
  await untilReceived(alice, BOB, (s) => s.framesPerSecond > 0);
  await sleep(3_000);
  const pairCpu = await cpuPercent(CPU_WINDOW_MS);
  const pairStats = await received(bob, ALICE);
  await hangUp(alice, [bob]);
  await Promise.all([alice, bob].map((p) => p.context().close()));
  const p50 = percentile(firstFrames, 50);
  rows.push([`accept → first remote video frame, p50 of ${RUNS}`, `${p50.toFixed(0)} ms (min ${Math.min(...firstFrames).toFixed(0)}, max ${Math.max(...firstFrames).toFixed(0)})`, '≤ 500 ms', p50 <= 500]);
  rows.push([`1:1 video call, ${pairStats.width}×${pairStats.height}: CPU of all Chromium processes (2 pages)`, `${pairCpu.toFixed(0)} % of one core (idle browser ${idleCpu.toFixed(1)} %)`, 'measured', true]);

  // Group calls for CALL_S seconds: lowest decoded frame rate anyone sees.
  for (const size of GROUP_SIZES) {
    const people = [ALICE, BOB, CAROL, MALLORY].slice(0, size);
    const pages = [];
    for (const who of people) pages.push(await loggedIn(browser, server.url, who, { local: true }));
    await inAGroup(pages, people, `Bench ${size}`);
    await pages[0].click('.conversation[data-kind="group"] .video-call');
    for (const page of pages.slice(1)) await answer(page);
    for (const [i, page] of pages.entries()) {
      for (const [j, other] of people.entries()) {
        if (i !== j) await untilReceived(page, other, (s) => s.framesPerSecond > 0, { timeout: 30_000 });
      }
    }
    await sleep(5_000);
    const started = Date.now();
    const ticks = chromiumTicks();
    let lowest = Infinity;
    let lowestWhere = '';
    let width = 0;
    let height = 0;
    while (Date.now() - started < CALL_S * 1000) {
      await sleep(2_000);
      for (const [i, page] of pages.entries()) {
        for (const [j, other] of people.entries()) {
          if (i === j) continue;
          const stats = await received(page, other);
          const fps = stats?.framesPerSecond ?? 0;
          width = Math.max(width, stats?.width ?? 0);
          height = Math.max(height, stats?.height ?? 0);
          if (fps < lowest) {
            lowest = fps;
            lowestWhere = `${other.username} at ${people[i].username}`;
          }
        }
      }
    }
    const groupCpu = ((chromiumTicks() - ticks) / 100) / ((Date.now() - started) / 1000) * 100;
    rows.push([`${size}-way video call, ${width}×${height}, ${CALL_S} s: lowest decoded frame rate (any participant, sampled every 2 s)`, `${lowest.toFixed(0)} fps (${lowestWhere})`, '≥ 20 fps', lowest >= 20]);
    rows.push([`${size}-way video call: CPU of all Chromium processes (${size} pages on this machine)`, `${groupCpu.toFixed(0)} % of one core (${(groupCpu / size).toFixed(0)} % per participant)`, 'measured', true]);
    // A group call goes on until the last one leaves.
    for (const page of pages) await leaveCall(page);
    await Promise.all(pages.map((p) => p.context().close()));
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log('\nCalls (Chromium fake devices, builder serve tracker, one machine)');
console.log('| measure | result | target | met |');
console.log('| --- | --- | --- | --- |');
for (const [what, result, target, met] of rows) console.log(`| ${what} | ${result} | ${target} | ${met ? 'yes' : 'NO'} |`);
console.log(`machine: ${(await import('node:os')).cpus().length} cores`);
