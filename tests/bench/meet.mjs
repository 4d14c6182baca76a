// Fast to meet (issue 22): two people who paste each other's key in the
// Contacts form, with the settings exactly as shipped (public trackers,
// relays and STUN, unreachable here; builder serve's own tracker and relay
// found by the page), until both see the other online — what a user meets.
// Beside it, in the same run, the same two pages joining a pair room by code
// through the same signalling (what bench/network.mjs times): the gap
// between the two is time the app adds between a user's action and the
// first announce.
// Usage: node bench/meet.mjs   (tests/bench.sh meet); BENCH_MEET_RUNS (default 5);
// BENCH_ROOT: serve another checkout's dist/ (a before/after comparison).

import { randomBytes } from 'node:crypto';
import { launch, login, openPage, serve } from '../e2e/harness.mjs';

const RUNS = Number(process.env.BENCH_MEET_RUNS ?? 5);
const TIMEOUT_MS = 60_000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A fresh identity each run: contacts (and settings) roam with an identity, so none is reused. */
async function newcomer(browser, url) {
  const page = await openPage(browser, url);
  await login(page, `meet-${randomBytes(6).toString('hex')}`, `Meet bench ${randomBytes(12).toString('hex')}!`);
  const who = await page.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    const { encode } = await import('./js/core/encoding.js');
    return { fingerprint: app.identity.fingerprint, spki: encode(app.identity.spki) };
  });
  return { page, ...who };
}

async function addInUI(page, other, nickname) {
  await page.click('#nav-contacts');
  await page.fill('#contact-key', other.spki);
  await page.fill('#contact-nickname', nickname);
  await page.click('#add-contact-button');
}

const online = (page, other) =>
  page.waitForSelector(`.contact.online[data-fingerprint="${other.fingerprint}"]`, { state: 'attached', timeout: TIMEOUT_MS });

/** Add through the UI, both ways; ms from the second add to both showing online. */
async function throughTheUI(a, b) {
  await addInUI(a.page, b, 'B');
  await a.page.waitForSelector(`.contact[data-fingerprint="${b.fingerprint}"]`, { state: 'attached' });
  const started = Date.now();
  await addInUI(b.page, a, 'A');
  await Promise.all([online(a.page, b), online(b.page, a)]);
  return Date.now() - started;
}

/** The same two pages join a fresh pair room by code (as bench/network.mjs does); ms until both hold a session. */
async function byCode(a, b) {
  const password = `meet-${randomBytes(8).toString('hex')}`;
  const join = (side, other) =>
    side.page.evaluate(
      async ({ spki, fingerprint, password }) => {
        const { app } = await import('./js/facade.js');
        const { decode } = await import('./js/core/encoding.js');
        const room = await app.cryptoClient.pairRoom(decode(spki), password);
        window.meetRoom = app.network.join({ room, allowed: () => [fingerprint], limitFor: () => 0, onMessage: () => {} });
      },
      { spki: other.spki, fingerprint: other.fingerprint, password },
    );
  const started = Date.now();
  await join(a, b);
  await join(b, a);
  const connected = (page) => page.waitForFunction(() => window.meetRoom.peers().length > 0, null, { timeout: TIMEOUT_MS, polling: 10 });
  await Promise.all([connected(a.page), connected(b.page)]);
  const ms = Date.now() - started;
  for (const side of [a, b]) {
    await side.page.evaluate(async () => {
      const { app } = await import('./js/facade.js');
      app.network.leave(window.meetRoom);
    });
  }
  return ms;
}

const browser = await launch();
const server = await serve(process.env.BENCH_ROOT ? { root: process.env.BENCH_ROOT } : {});
try {
  const ui = [];
  const code = [];
  for (let run = 0; run < RUNS; run++) {
    const a = await newcomer(browser, server.url);
    const b = await newcomer(browser, server.url);
    ui.push(await throughTheUI(a, b));
    code.push(await byCode(a, b));
    await Promise.all([a.page.context().close(), b.page.context().close()]);
    console.error(`run ${run + 1}/${RUNS}: add → both online ${ui.at(-1)} ms, room joined by code ${code.at(-1)} ms`);
  }
  const reference = median(code);
  console.log(`\nMeet: shipped settings (public STUN/trackers/relays unreachable; builder serve's tracker and relay), ${RUNS} runs, fresh identities each run`);
  console.log('| path | p50 ms | max ms | all runs | p50 ratio vs room joined by code |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| room joined by code (reference) | ${reference} | ${Math.max(...code)} | ${code.join(', ')} | 1.00 |`);
  console.log(`| Contacts form: second add → both online | ${median(ui)} | ${Math.max(...ui)} | ${ui.join(', ')} | ${(median(ui) / reference).toFixed(2)} |`);
} finally {
  await browser.close();
  await server.stop();
}
