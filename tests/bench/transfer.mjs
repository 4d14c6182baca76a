// File transfer benchmark (issue 13): an encrypted file of 20 MiB and of
// 200 MiB between two Chromium pages, beside a raw RTCDataChannel between the
// same two pages in the same run, with the main thread's long tasks on both
// pages during the transfer. Prints; asserts nothing.
// Usage: node bench/transfer.mjs   (bash tests/bench.sh transfer)
// Knobs: BENCH_TRANSFER_MIB (comma-separated sizes, default "20,200").

import { launch, serve } from '../e2e/harness.mjs';
import { BOB, befriend } from '../e2e/network-helpers.mjs';
import { rawThroughput } from './raw.mjs';
import { conversationWith } from '../e2e/driver.mjs';

const SIZES_MIB = (process.env.BENCH_TRANSFER_MIB ?? '20,200').split(',').map(Number);
const RAW_ROUNDS = 3;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts counting long tasks (> 50 ms) on the page's main thread. */
function watchLongTasks(page) {
  return page.evaluate(() => {
    window.benchLongTasks = [];
    window.benchLongTaskObserver?.disconnect();
    window.benchLongTaskObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.benchLongTasks.push(entry.duration);
    });
    window.benchLongTaskObserver.observe({ type: 'longtask' });
  });
}
const longTasks = (page) => page.evaluate(() => {
  window.benchLongTaskObserver.disconnect();
  const tasks = window.benchLongTasks;
  return { count: tasks.length, total: tasks.reduce((a, b) => a + b, 0), max: tasks.length ? Math.max(...tasks) : 0 };
});

/** Alice sends a file of `bytes`; ms from its announcement reaching Bob to verified there, and from attach to verified. */
async function transferOnce(a, b, conversation, bytes) {
  await b.evaluate(() => {
    window.benchFile = new Promise((resolve) => {
      const known = new Set();
      let target = null;
      let announcedAt = null;
      const poll = setInterval(async () => {
        const { app } = await import('./js/facade.js');
        if (!target) {
          // Only until the file's message is here: reading history while the
          // chunks arrive would compete with the transfer for the worker.
          const id = app.chat.conversations()[0].id;
          const message = (await app.chat.history(id, { limit: 5 })).find((m) => m.content.t === 'file' && !window.benchSeen?.has(m.content.fileId));
          if (!message) return;
          target = { owner: message.sender, fileId: message.content.fileId };
          announcedAt = performance.now();
          // Above the automatic download size, the user asks for it.
          if (app.transfers.status(target.owner, target.fileId)?.state !== 'downloading') app.transfers.request(target.owner, target.fileId);
          known.add(message.content.fileId);
        }
        const status = app.transfers.status(target.owner, target.fileId);
        if (status?.state === 'complete') {
          clearInterval(poll);
          (window.benchSeen ??= new Set()).add(target.fileId);
          resolve({ transferMs: performance.now() - announcedAt, completedAt: Date.now() });
        }
      }, 10);
    });
  });
  // The file is made before long tasks are counted: only the app's own count.
  await a.evaluate((bytes) => {
    const data = new Uint8Array(bytes);
    for (let i = 0; i < data.length; i += 4096) data[i] = (i / 4096) & 0xff;
    window.benchUpload = new File([data], 'bench.bin');
  }, bytes);
  await Promise.all([watchLongTasks(a), watchLongTasks(b)]);
  const attachStarted = Date.now();
  await a.evaluate(async (id) => {
    const { app } = await import('./js/facade.js');
    await app.transfers.attach(id, window.benchUpload);
  }, conversation);
  const { transferMs, completedAt } = await b.evaluate(() => window.benchFile);
  return { transferMs, totalMs: completedAt - attachStarted, sender: await longTasks(a), receiver: await longTasks(b) };
}

const server = await serve();
const browser = await launch();
try {
  const [a, b] = await befriend(browser, server.url, { local: true });
  const conversation = await conversationWith(a, BOB);
  const rows = [];
  for (const mib of SIZES_MIB) {
    const bytes = mib * 1024 * 1024;
    const raws = [];
    for (let i = 0; i < RAW_ROUNDS; i++) raws.push(await rawThroughput(a, b, bytes));
    const raw = median(raws);
    const result = await transferOnce(a, b, conversation, bytes);
    const rate = bytes / 1e6 / (result.transferMs / 1000);
    const r = { mib, raw, raws, rate, ...result };
    const tasks = (t) => `${t.count} / ${t.total.toFixed(0)} / ${t.max.toFixed(0)}`;
    // Each row as soon as it is measured (a 200 MiB run takes minutes).
    if (!rows.length) {
      console.log('\nEncrypted file transfer vs a raw RTCDataChannel (same two pages, same run; raw = median of 3)');
      console.log('| file | raw MB/s | transfer MB/s (announced → verified) | ratio vs raw | attach → verified (s) | long tasks sender (n / total ms / max) | long tasks receiver (n / total ms / max) |');
      console.log('| --- | --- | --- | --- | --- | --- | --- |');
    }
    rows.push(r);
    console.log(`| ${r.mib} MiB | ${r.raw.toFixed(1)} (${r.raws.map((x) => x.toFixed(1)).join(', ')}) | ${r.rate.toFixed(1)} | ${(r.rate / r.raw).toFixed(2)} (target ≥ 0.90) | ${(r.totalMs / 1000).toFixed(1)} | ${tasks(r.sender)} | ${tasks(r.receiver)} |`);
  }
} finally {
  await browser.close();
  await server.stop();
}
