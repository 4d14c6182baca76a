// Matchmaking benchmark (issue 3): time from the second peer joining a room
// to the first authenticated frame, over each local signalling server, beside
// the real Trystero library on the same local tracker in the same run; and
// framed, encrypted throughput beside a raw RTCDataChannel.
// Usage: node bench/network.mjs   (tests/bench.sh runs it)

import { freePort, launch, login, openPage, serve } from '../e2e/harness.mjs';
import { startNostrRelay, startNpmTracker } from '../e2e/servers.mjs';
import { ALICE, BOB } from '../e2e/network-helpers.mjs';
import { rawThroughput } from './raw.mjs';
import { staticServer } from './static.mjs';
import { DEFAULT_ICE_SERVERS } from '../../templates/js/core/settings.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const IDLE_EVERY = 4; // every 4th run, the first peer idles in the room first
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 5_000);
const TIMEOUT_MS = 20_000;
const TRANSFER_BYTES = 20 * 1024 * 1024;
const THROUGHPUT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const percentile = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function configurePage(page, settings) {
  await page.evaluate(async (s) => {
    const { app } = await import('./js/facade.js');
    app.network.configure({ trackers: s.trackers, relays: s.relays, iceServers: s.iceServers ?? [], useTrackers: true, useNostr: true });
  }, settings);
}

/** One connect run with our stack: ms from B joining to B receiving A's first frame. */
async function oursOnce(a, b, spkis, run, idle) {
  const password = `bench-${Date.now()}-${run}`;
  const join = (page, otherSpki, otherFp, sendFirst) => page.evaluate(async ({ otherSpki, otherFp, password, sendFirst }) => {
    const { app } = await import('./js/facade.js');
    const { decode } = await import('./js/core/encoding.js');
    const room = await app.cryptoClient.pairRoom(decode(otherSpki), password);
    const started = performance.now();
    window.benchFirst = new Promise((resolve) => {
      window.benchStop?.();
      window.benchStop = app.sessions.onUp((fingerprint, link) => {
        if (sendFirst && fingerprint === otherFp) link.send('hello', new Uint8Array([1]));
      });
      window.benchRoom = app.network.join({
        room,
        allowed: () => [otherFp],
        limitFor: (type) => (type === 'hello' ? 16 : 0), // this room's own frame table
        onMessage: () => resolve(performance.now() - started),
      });
    });
  }, { otherSpki, otherFp, password, sendFirst });
  await join(a, spkis.bob, BOB.fingerprint, true);
  if (idle) await new Promise((r) => setTimeout(r, IDLE_MS));
  await join(b, spkis.alice, ALICE.fingerprint, false);
  const ms = await b.evaluate((timeout) => Promise.race([window.benchFirst, new Promise((r) => setTimeout(() => r(null), timeout))]), TIMEOUT_MS);
  for (const page of [a, b]) {
    await page.evaluate(async () => {
      const { app } = await import('./js/facade.js');
      app.network.leave(window.benchRoom);
    });
  }
  return ms;
}

/** The same with Trystero 0.25 (torrent strategy) on the same tracker. */
async function trysteroOnce(a, b, tracker, run, idle) {
  // Trystero shares peer connections across rooms of a page: start each run
  // from fresh pages so it connects from scratch, as ours does.
  await Promise.all([a, b].map(async (page) => {
    await page.reload();
    await page.waitForFunction(() => window.trystero);
  }));
  const roomId = `bench-${Date.now()}-${run}`;
  const join = (page, sendFirst) => page.evaluate(({ tracker, roomId, sendFirst }) => {
    const room = window.trystero.joinRoom({ appId: 'trustero-bench', relayConfig: { urls: [tracker] }, rtcConfig: { iceServers: [] } }, roomId);
    const hello = room.makeAction('hello');
    const started = performance.now();
    window.benchRoom = room;
    window.benchFirst = new Promise((resolve) => {
      hello.onMessage = () => resolve(performance.now() - started);
    });
    room.onPeerJoin = (peer) => {
      if (sendFirst) hello.send('hi', { target: peer });
    };
  }, { tracker, roomId, sendFirst });
  await join(a, true);
  if (idle) await new Promise((r) => setTimeout(r, IDLE_MS));
  await join(b, false);
  const ms = await b.evaluate((timeout) => Promise.race([window.benchFirst, new Promise((r) => setTimeout(() => r(null), timeout))]), TIMEOUT_MS);
  for (const page of [a, b]) await page.evaluate(() => window.benchRoom.leave());
  return ms;
}

function summarize(name, samples) {
  const ok = samples.filter((x) => x !== null);
  const idle = samples.filter((_, i) => i % IDLE_EVERY === IDLE_EVERY - 1);
  return {
    name,
    connected: `${ok.length}/${samples.length}`,
    p50: ok.length ? percentile(ok, 50) : null,
    max: ok.length ? Math.max(...ok) : null,
    idle: `${idle.filter((x) => x !== null).length}/${idle.length}`,
  };
}

/** 20 MB over our framed, encrypted session; MB/s. */
async function oursThroughput(a, b, spkis) {
  await oursOnceKeep(a, b, spkis);
  await b.evaluate(() => {
    window.benchDone = new Promise((resolve) => { window.benchResolve = resolve; });
  });
  const ms = await a.evaluate(async (bytes) => {
    const peer = window.benchRoom.peers()[0];
    // 1 MiB messages (a receiver holds at most 8 MiB of unfinished data per
    // peer), sent back to back; B acknowledges the last one.
    const piece = new Uint8Array(1024 * 1024);
    const ack = new Promise((resolve) => { window.benchAck = resolve; });
    const started = performance.now();
    for (let sent = 0; sent < bytes; sent += piece.length) await peer.link.send('blob', piece);
    await ack;
    return performance.now() - started;
  }, TRANSFER_BYTES);
  for (const page of [a, b]) {
    await page.evaluate(async () => {
      const { app } = await import('./js/facade.js');
      app.network.leave(window.benchRoom);
    });
  }
  return TRANSFER_BYTES / 1e6 / (ms / 1000);
}

/** Keeps the room joined (for throughput): B acks a 'blob' with 'ack'. */
async function oursOnceKeep(a, b, spkis) {
  const password = `bench-throughput-${Date.now()}`;
  const join = (page, otherSpki, otherFp) => page.evaluate(async ({ otherSpki, otherFp, password }) => {
    const { app } = await import('./js/facade.js');
    const { decode } = await import('./js/core/encoding.js');
    const room = await app.cryptoClient.pairRoom(decode(otherSpki), password);
    window.benchReady = new Promise((resolve) => {
      window.benchStop?.();
      window.benchStop = app.sessions.onUp((fingerprint) => {
        if (fingerprint === otherFp) resolve();
      });
      window.benchRoom = app.network.join({
        room,
        allowed: () => [otherFp],
        limitFor: (type) => ({ blob: 1024 * 1024, ack: 16 })[type] ?? 0, // this room's own frame table
        onMessage: (fingerprint, link, type) => {
          window.benchBlobs = (window.benchBlobs ?? 0) + (type === 'blob' ? 1 : 0);
          if (type === 'blob' && window.benchBlobs % 20 === 0) link.send('ack', new Uint8Array(1));
          if (type === 'ack') window.benchAck?.();
        },
      });
    });
  }, { otherSpki, otherFp, password });
  await join(a, spkis.bob, BOB.fingerprint);
  await join(b, spkis.alice, ALICE.fingerprint);
  await Promise.all([a.evaluate(() => window.benchReady), b.evaluate(() => window.benchReady)]);
}

const server = await serve();
const tracker = await startNpmTracker();
const relay = await startNostrRelay();
const statics = await staticServer();
const browser = await launch();
try {
  const a = await openPage(browser, server.url);
  const b = await openPage(browser, server.url);
  await login(a, ALICE.username, ALICE.password);
  await login(b, BOB.username, BOB.password);
  const spkis = { alice: ALICE.spki, bob: BOB.spki };
  const localTracker = `ws://127.0.0.1:${new URL(server.url).port}/announce`;
  const strategies = [
    // The app's default ICE servers (a public STUN server, unreachable here as
    // on a LAN with no internet): what a new user meets.
    { name: 'Trustero, builder serve tracker, default ICE servers (STUN unreachable)', settings: { trackers: [localTracker], relays: [], iceServers: DEFAULT_ICE_SERVERS } },
    { name: 'Trustero, builder serve tracker', settings: { trackers: [localTracker], relays: [] } },
    { name: 'Trustero, nostr-rs-relay, default ICE servers (STUN unreachable)', settings: { trackers: [], relays: [relay.url], iceServers: DEFAULT_ICE_SERVERS } },
    { name: 'Trustero, npm bittorrent-tracker', settings: { trackers: [tracker.url], relays: [] } },
    { name: 'Trustero, nostr-rs-relay', settings: { trackers: [], relays: [relay.url] } },
  ];
  const rows = [];
  // BENCH_ONLY=<text>: only the rows whose name contains it (and no Trystero or throughput).
  const only = process.env.BENCH_ONLY;
  for (const strategy of strategies.filter((s) => !only || s.name.includes(only))) {
    await configurePage(a, strategy.settings);
    await configurePage(b, strategy.settings);
    await new Promise((r) => setTimeout(r, 500));
    const samples = [];
    for (let run = 0; run < RUNS; run++) samples.push(await oursOnce(a, b, spkis, run, run % IDLE_EVERY === IDLE_EVERY - 1));
    rows.push(summarize(strategy.name, samples));
  }
  if (only) {
    for (const r of rows) console.log(`| ${r.name} | ${r.connected} | ${r.idle} | ${r.p50?.toFixed(0) ?? '—'} | ${r.max?.toFixed(0) ?? '—'} |`);
  } else {
    await trysteroAndThroughput(a, b, spkis, localTracker, rows);
  }
} finally {
  await browser.close();
  await Promise.all([server.stop(), tracker.stop(), relay.stop(), statics.stop()]);
}

/** The rest of the run: Trystero's rows, throughput, and the tables. */
async function trysteroAndThroughput(a, b, spkis, localTracker, rows) {
  const ta = await openPage(browser, `${statics.url}/bench/trystero.html`);
  const tb = await openPage(browser, `${statics.url}/bench/trystero.html`);
  await Promise.all([ta.waitForFunction(() => window.trystero), tb.waitForFunction(() => window.trystero)]);
  const trystero = [];
  for (let run = 0; run < RUNS; run++) trystero.push(await trysteroOnce(ta, tb, tracker.url, run, run % IDLE_EVERY === IDLE_EVERY - 1));
  rows.push(summarize('Trystero 0.25.4, npm bittorrent-tracker', trystero));

  await configurePage(a, { trackers: [localTracker], relays: [] });
  await configurePage(b, { trackers: [localTracker], relays: [] });
  // Alternate the two, several times: single transfers vary a lot here.
  const raws = [];
  const ourss = [];
  for (let i = 0; i < THROUGHPUT_ROUNDS; i++) {
    raws.push(await rawThroughput(a, b, TRANSFER_BYTES));
    ourss.push(await oursThroughput(a, b, spkis));
  }
  const raw = percentile(raws, 50);
  const ours = percentile(ourss, 50);

  const reference = rows.at(-1);
  console.log(`\nConnect: second peer joins → first authenticated frame (${RUNS} runs; every ${IDLE_EVERY}th with the first peer idle ${IDLE_MS / 1000} s; timeout ${TIMEOUT_MS / 1000} s)`);
  console.log('| strategy | connected | idle-first runs connected | p50 ms | max ms | p50 ratio vs Trystero |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const ratio = r.p50 && reference.p50 ? (r.p50 / reference.p50).toFixed(2) : 'n/a';
    console.log(`| ${r.name} | ${r.connected} | ${r.idle} | ${r.p50?.toFixed(0) ?? '—'} | ${r.max?.toFixed(0) ?? '—'} | ${ratio} |`);
  }
  console.log('Targets (Trustero rows): p50 ≤ 300 ms, max ≤ 1000 ms, 20/20 connected. Rows without "default ICE servers" set none (iceServers: []).');
  console.log(`\nThroughput, ${TRANSFER_BYTES / 1024 / 1024} MiB one way, same two Chromium pages, median of ${THROUGHPUT_ROUNDS} alternating rounds`);
  console.log('| path | MB/s (median) | all rounds | ratio vs raw |');
  console.log('| --- | --- | --- | --- |');
  console.log(`| raw RTCDataChannel, 64 KiB messages, ≤64 KiB buffered | ${raw.toFixed(1)} | ${raws.map((x) => x.toFixed(1)).join(', ')} | 1.00 |`);
  console.log(`| Trustero framing (64 KiB sealed frames, AES-GCM in the worker) | ${ours.toFixed(1)} | ${ourss.map((x) => x.toFixed(1)).join(', ')} | ${(ours / raw).toFixed(2)} (target ≥ 0.90) |`);
}
