// The bytes of a first visit (issue 12), as a gzip mirror would send them:
// what the page fetched before its login form was usable, and before the
// chat screen showed after a 2048-bit login. Measured with the same method
// on the current dist/ and on a previous release's dist/ (from git), served
// by `builder serve` side by side in the same run. What the service worker
// fetches to install the app for offline use (once, in the background) is
// counted apart.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, serve } from '../e2e/harness.mjs';

/** A workspace whose dist/ is `commit`'s. */
export function releaseRoot(commit) {
  const root = mkdtempSync(join(tmpdir(), 'trustero-release-'));
  mkdirSync(join(root, 'templates'));
  writeFileSync(join(root, 'Cargo.toml'), '[workspace]\n');
  execFileSync('bash', ['-c', `git -C "${ROOT}" archive "${commit}" dist | tar -x -C "${root}"`]);
  return root;
}

/**
 * One cold visit of `root`'s dist/ in a fresh browser context.
 * @returns {Promise<{beforeLogin: number, toChat: number, installing: number, files: Array<{path: string, gzip: number, phase: string}>}>}
 */
export async function measureVisit(browser, root, who) {
  const server = await serve({ root });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    // When the login form is usable, and when the chat screen shows: marked
    // by an observer the page runs before any of its own code.
    await page.addInitScript(() => {
      const marks = {};
      window.__trusteroMarks = marks;
      new MutationObserver(() => {
        const button = document.getElementById('login-button');
        if (!marks.login && button && !button.disabled) marks.login = performance.now();
        if (!marks.chat && document.getElementById('logout-button')) marks.chat = performance.now();
      }).observe(document, { childList: true, subtree: true, attributes: true });
    });
    /** Every response with a body: its path, when it finished (epoch ms), and whether the service worker fetched it. */
    const finished = [];
    context.on('requestfinished', async (request) => {
      const at = Date.now();
      const url = new URL(request.url());
      if (!/^https?:$/.test(url.protocol) || url.searchParams.has('fresh')) return;
      try {
        const body = await (await request.response())?.body();
        if (body) finished.push({ path: url.pathname, at, body, byWorker: Boolean(request.serviceWorker()) });
      } catch {
        // no body (redirects, aborted requests)
      }
    });
    await page.goto(server.url);
    await page.waitForSelector('#login-button:enabled');
    await page.fill('#username', who.username);
    await page.fill('#password', who.password);
    await page.click('#login-button');
    await page.waitForSelector('#logout-button', { timeout: 60_000 });
    // The page's own clock for what the page fetched (precise); the event's
    // arrival here for what a worker fetched (the page has no entry for it).
    const { marks, ends } = await page.evaluate(() => ({
      marks: { login: performance.timeOrigin + window.__trusteroMarks.login, chat: performance.timeOrigin + window.__trusteroMarks.chat },
      ends: [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].map((e) => [new URL(e.name).pathname, performance.timeOrigin + e.responseEnd]),
    }));
    const pageEnd = new Map(ends.reverse());
    // Let the service worker's install (if any) finish its downloads.
    await page.waitForFunction(() => !('serviceWorker' in navigator) || navigator.serviceWorker.controller !== null, null, { timeout: 30_000 }).catch(() => {});
    const files = [];
    const counted = new Set();
    for (const { path, at, body, byWorker } of finished) {
      if (byWorker || counted.has(path)) continue;
      counted.add(path);
      const end = pageEnd.get(path) ?? at;
      const phase = end <= marks.login ? 'login' : end <= marks.chat ? 'chat' : 'later';
      files.push({ path, gzip: gzipSync(body, { level: 9 }).length, phase });
    }
    const installing = finished.filter((f) => f.byWorker).reduce((sum, f) => sum + gzipSync(f.body, { level: 9 }).length, 0);
    const sum = (phases) => files.filter((f) => phases.includes(f.phase)).reduce((s, f) => s + f.gzip, 0);
    return { beforeLogin: sum(['login']), toChat: sum(['login', 'chat']), installing, files };
  } finally {
    await context.close();
    await server.stop();
  }
}

/** The table: this build beside the previous release and the original demo. */
export function printLoad(current, previous, previousName) {
  const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
  const rows = [
    ['bytes before the login form is usable (gzip -9)', kb(current.beforeLogin), kb(previous.beforeLogin), (current.beforeLogin / previous.beforeLogin).toFixed(2), `≤ 40 KB: ${current.beforeLogin <= 40 * 1024 ? 'met' : 'MISSED'}`],
    ['bytes to the chat screen, 2048-bit login (gzip -9)', kb(current.toChat), kb(previous.toChat), (current.toChat / previous.toChat).toFixed(2), `original demo 195 KB: ${current.toChat <= 195 * 1024 ? 'below' : 'above'}`],
    ['installing for offline, once, in the background', kb(current.installing), kb(previous.installing), '', ''],
  ];
  const header = ['first visit', 'this build', `previous release (${previousName})`, 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log('\nFirst visit (builder serve on loopback, each file gzip -9 as a compressing mirror sends it)');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log('\nThis build, file by file:');
  for (const f of [...current.files].sort((a, b) => b.gzip - a.gzip)) console.log(`  ${f.path.padEnd(34)} ${String(f.gzip).padStart(7)} B  ${f.phase === 'login' ? 'before the login form' : f.phase === 'chat' ? 'before the chat screen' : 'after'}`);
}
