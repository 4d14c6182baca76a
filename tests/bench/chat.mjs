// Chat benchmark (issue 4): send → delivered latency, sustained messages per
// second with acknowledgements, encrypted file transfer beside a raw
// RTCDataChannel, time to open a conversation holding 1,000 messages, and the
// idle cost of a page with 200 contacts. Usage: node bench/chat.mjs

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, launch, login, openPage, serve } from '../e2e/harness.mjs';
import { ALICE, BOB, befriend, identities, tab } from '../e2e/network-helpers.mjs';
import { rawThroughput } from './raw.mjs';
import { cpuTicks } from './proc.mjs';
import { conversationWith, storedCount } from '../e2e/driver.mjs';

const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 200);
const BURST = Number(process.env.BENCH_BURST ?? 500);
const HISTORY = 1000;
const FILE_BYTES = 20 * 1024 * 1024;
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 30_000);

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const server = await serve();
const browser = await launch();
const rows = [];
try {
  const [a, b] = await befriend(browser, server.url, { local: true });
  const conversation = await conversationWith(a, BOB);

  // 1. Latency: send() until Alice holds Bob's acknowledgement (the delivered tick).
  const latencies = await a.evaluate(async ({ id, runs }) => {
    const { app } = await import('./js/facade.js');
    const out = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const message = await app.chat.send(id, { t: 'text', body: `latency ${i}` });
      await app.chat.whenDelivered(message.id);
      out.push(performance.now() - t0);
    }
    return out;
  }, { id: conversation, runs: LATENCY_RUNS });
  rows.push(['send → delivered tick, p50', `${percentile(latencies, 50).toFixed(1)} ms`, '≤ 50 ms', percentile(latencies, 50) <= 50]);
  rows.push(['send → delivered tick, p99', `${percentile(latencies, 99).toFixed(1)} ms`, '≤ 200 ms', percentile(latencies, 99) <= 200]);

  // 1b. Page↔worker round trips per message: every request the page posts
  // to the crypto worker from send() to the delivered tick (Alice's side:
  // sealing, the frame, the acknowledgement) and for the same messages on
  // Bob's side (the frame, opening, storing, acknowledging).
  const countCalls = (page) =>
    page.evaluate(() => {
      if (!window.workerCalls) {
        window.workerCalls = 0;
        const post = Worker.prototype.postMessage;
        Worker.prototype.postMessage = function counted(...args) {
          window.workerCalls += 1;
          return post.apply(this, args);
        };
      }
      return window.workerCalls;
    });
  const TRIPS = 50;
  const [aliceBefore, bobBefore] = [await countCalls(a), await countCalls(b)];
  await a.evaluate(async ({ id, runs }) => {
    const { app } = await import('./js/facade.js');
    for (let i = 0; i < runs; i++) await app.chat.whenDelivered((await app.chat.send(id, { t: 'text', body: `trip ${i}` })).id);
  }, { id: conversation, runs: TRIPS });
  const [aliceCalls, bobCalls] = [(await countCalls(a)) - aliceBefore, (await countCalls(b)) - bobBefore];
  rows.push(['worker calls per message, sender (send → delivered)', (aliceCalls / TRIPS).toFixed(1), 'counted, no target', null]);
  rows.push(['worker calls per message, receiver', (bobCalls / TRIPS).toFixed(1), 'counted, no target', null]);

  // 2. Sustained: queue BURST messages back to back, until all are acknowledged.
  const rate = await a.evaluate(async ({ id, count }) => {
    const { app } = await import('./js/facade.js');
    const t0 = performance.now();
    const sent = [];
    for (let i = 0; i < count; i++) sent.push(app.chat.send(id, { t: 'text', body: `burst ${i}` }));
    const messages = await Promise.all(sent);
    await Promise.all(messages.map((m) => app.chat.whenDelivered(m.id)));
    return count / ((performance.now() - t0) / 1000);
  }, { id: conversation, count: BURST });
  rows.push([`sustained, ${BURST} messages with acks`, `${rate.toFixed(0)} msg/s`, '≥ 100 msg/s', rate >= 100]);

  // 3. A 20 MiB file: from its envelope reaching Bob to verified and complete.
  await b.evaluate(() => {
    window.fileTimes = new Promise((resolve) => {
      const started = {};
      let fileId = null;
      let owner = null;
      const poll = setInterval(async () => {
        const { app } = await import('./js/facade.js');
        if (!fileId) {
          // Only until the file's message is here: reading history while the
          // chunks arrive would compete with the transfer for the worker.
          const id = app.chat.conversations()[0].id;
          const message = (await app.chat.history(id, { limit: 5 })).find((m) => m.content.t === 'file');
          fileId = message?.content.fileId;
          owner = message?.sender;
          if (!fileId) return;
        }
        const status = app.transfers.status(owner, fileId);
        started.at ??= performance.now();
        if (status?.state === 'complete') {
          clearInterval(poll);
          resolve(performance.now() - started.at);
        }
      }, 20);
    });
  });
  await a.evaluate(async ({ id, bytes }) => {
    const { app } = await import('./js/facade.js');
    const data = new Uint8Array(bytes);
    for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
    await app.transfers.attach(id, new File([data], 'bench.bin'));
  }, { id: conversation, bytes: FILE_BYTES });
  const fileMs = await b.evaluate(() => window.fileTimes);
  const fileRate = FILE_BYTES / 1e6 / (fileMs / 1000);
  const raws = [];
  for (let i = 0; i < 3; i++) raws.push(await rawThroughput(a, b, FILE_BYTES));
  const raw = percentile(raws, 50);
  rows.push(['encrypted file transfer, 20 MiB (fetch, verify, store)', `${fileRate.toFixed(1)} MB/s`, `≥ 90% of raw (${raw.toFixed(1)} MB/s): ${(fileRate / raw * 100).toFixed(0)}%`, fileRate / raw >= 0.9]);

  // 4. Open a conversation with 1,000 stored messages: click → first screen shown.
  await a.evaluate(async ({ id, count }) => {
    const { app } = await import('./js/facade.js');
    const sent = [];
    for (let i = 0; i < count; i++) sent.push(app.chat.send(id, { t: 'text', body: `history ${i}` }));
    await Promise.all((await Promise.all(sent)).map((m) => app.chat.whenDelivered(m.id)));
  }, { id: conversation, count: HISTORY });
  await b.reload();
  await login(b, BOB.username, BOB.password);
  await tab(b, 'chats');
  const openMs = await b.evaluate(async (id) => {
    const t0 = performance.now();
    document.querySelector(`.chat-item[data-conversation="${id}"]`).click();
    await new Promise((resolve) => {
      const check = () => (document.querySelectorAll('.conversation .message').length >= 50 ? resolve() : requestAnimationFrame(check));
      check();
    });
    await new Promise((r) => requestAnimationFrame(r));
    return performance.now() - t0;
  }, conversation);
  const stored = await storedCount(b, conversation);
  rows.push([`open a conversation holding ${stored} messages (first 50 shown)`, `${openMs.toFixed(0)} ms`, '< 500 ms', openMs < 500]);
  await Promise.all([a.context().close(), b.context().close()]);

  // 5. Idle page with 200 contacts: CPU and memory of its renderer process.
  const renderers = () => new Set(readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
    } catch {
      return false;
    }
  }));
  const before = renderers();
  const idle = await openPage(browser, server.url);
  const mine = [...renderers()].filter((pid) => !before.has(pid));
  const carol = identities[2];
  await login(idle, carol.username, carol.password, { bits: carol.bits });
  const keys = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/contacts-200.json'), 'utf8')).keys;
  await idle.evaluate(async (list) => {
    const { app } = await import('./js/facade.js');
    app.network.configure({ ...app.settings, trackers: [], relays: [], iceServers: [] });
    for (const key of list) await app.contacts.add({ keyText: key });
    app.cycler.apply();
  }, keys);
  await idle.evaluate(async (local) => {
    const { app } = await import('./js/facade.js');
    app.network.configure({ ...app.settings, trackers: [local], relays: [], iceServers: [] });
  }, `ws://127.0.0.1:${new URL(server.url).port}/announce`);
  // Steady state: after the rooms' warm-up announces (0–15 s after joining).
  await new Promise((r) => setTimeout(r, 20_000));
  // Memory the page itself holds: private pages (USS) and proportional share
  // (PSS) of its renderer process; shared libraries count once per machine.
  const memoryOf = (pids, fields) => pids.reduce((sum, pid) => {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      return sum + fields.reduce((s, f) => s + Number(new RegExp(`${f}:\\s+(\\d+)`).exec(rollup)[1]) * 1024, 0);
    } catch {
      return sum;
    }
  }, 0);
  const ticks0 = cpuTicks(mine);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const cpuPercent = ((cpuTicks(mine) - ticks0) / 100) / ((Date.now() - t0) / 1000) * 100;
  const uss = memoryOf(mine, ['Private_Clean', 'Private_Dirty']) / 1024 / 1024;
  const pss = memoryOf(mine, ['Pss']) / 1024 / 1024;
  const rooms = await idle.evaluate(async () => (await import('./js/facade.js')).app.network.status().rooms);
  rows.push([`idle page, 200 contacts (${rooms} rooms joined), CPU of one core`, `${cpuPercent.toFixed(2)} %`, '< 2 %', cpuPercent < 2]);
  rows.push(['idle page, 200 contacts, memory of its renderer (page + worker): private (USS)', `${uss.toFixed(0)} MB (PSS ${pss.toFixed(0)} MB)`, '< 150 MB', uss < 150]);
} finally {
  await browser.close();
  await server.stop();
}
console.log('\nChat (Chromium, builder serve tracker, same machine)');
console.log('| measure | result | target | met |');
console.log('| --- | --- | --- | --- |');
for (const [what, result, target, met] of rows) console.log(`| ${what} | ${result} | ${target} | ${met === null ? '—' : met ? 'yes' : 'NO'} |`);
