// Shared harness of the browser tests and benchmarks: real Chromium (Debian's
// /usr/bin/chromium, never a downloaded one) driven by playwright-core, and a
// real `builder serve` on a free loopback port.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILDER = process.env.TRUSTERO_BUILDER ?? join(ROOT, 'target', 'debug', 'builder');
export const CHROMIUM = process.env.TRUSTERO_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Hermetic: no host but loopback resolves, so the app's default public
 * trackers, relays and STUN server fail at once, as on this machine without
 * internet — and the tests never reach public servers from a machine that
 * has it. (The rules map IP literals too, hence 127.0.0.1; WebRTC's host
 * candidates do not go through the resolver.)
 */
export const HERMETIC_RULES = '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1';

/**
 * The timers the browser tests run the app with (templates/js/core/timing.js):
 * a call's statistics read twice a second, a silent session closed after
 * 6 s, a group backlog request answered every 3 s. Set in every page the
 * tests open through browserAndServerPerFile (a file may change more);
 * the benchmarks keep the release's. The wait before the mailbox stays the
 * release's 5 s but in the mailbox tests: shorter, every slow delivery in a
 * group also goes through the relay, and the extra sealing slowed the
 * group tests by more than it saved.
 */
export const TEST_TIMING = Object.freeze({ statsEveryMs: 500, heartbeatMs: 2_000, silenceTimeoutMs: 6_000, syncAnswerEveryMs: 3_000 });

/** Flags that matter on a machine without internet (DESIGN.md section 10). */
export const CHROMIUM_ARGS = [
  HERMETIC_RULES,
  '--headless=new',
  '--no-sandbox',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--use-fake-device-for-media-stream=fps=30', // a 30 fps camera, like a real webcam (default 20)
  '--use-fake-ui-for-media-stream',
  '--auto-select-desktop-capture-source=Entire screen',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `builder serve --no-build` for `root` (default: this repository),
 * keeping its data (the mailbox relay's store) in `dataDir` (default: a new
 * temporary directory; pass the same one to restart with the mail kept).
 */
export async function serve({ root = ROOT, port, dataDir } = {}) {
  port ??= await freePort();
  dataDir ??= mkdtempSync(join(tmpdir(), 'trustero-serve-'));
  const child = spawn(BUILDER, ['--root', root, 'serve', '--no-build', '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const listening = async () => {
    if (child.exitCode !== null) throw new Error(`builder serve stopped: ${output}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/MANIFEST`)).ok;
    } catch {
      return false; // not listening yet
    }
  };
  await until(listening, Boolean, { timeout: 20_000, interval: 50, what: `builder serve to start (${output})` });
  return {
    port,
    dataDir,
    url: `http://127.0.0.1:${port}/index.htm`,
    stop: () => new Promise((resolve) => {
      // Stopped already (exited, or killed by an earlier stop): nothing to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill();
    }),
  };
}

/** A throw-away workspace whose dist/ is a copy of ours, for tampering. */
export function copyOfDist() {
  const root = mkdtempSync(join(tmpdir(), 'trustero-copy-'));
  mkdirSync(join(root, 'templates'));
  writeFileSync(join(root, 'Cargo.toml'), '[workspace]\n');
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  return root;
}

export async function launch({ extraArgs = [] } = {}) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A new page that records console errors and uncaught exceptions. */
export async function openPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console: ${message.text()}`);
  });
  if (url) await page.goto(url);
  return page;
}

/** Logs in through the real form and waits for the identity panel. */
export async function login(page, username, password, { bits = 2048 } = {}) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.selectOption('#key-size', String(bits));
  await page.click('#login-button');
  await page.waitForSelector('#logout-button', { timeout: 60_000 });
}

/** Where a failing browser test leaves its trace and screenshots (ignored by git). */
export const FAILURES_DIR = join(ROOT, 'tests', 'e2e-failures');

/**
 * One Chromium per file, and for each test its own `builder serve` (so its
 * own tracker: rooms of different tests never meet, whatever a failed test
 * left running) and its own browser contexts, all closed when the test ends,
 * passed or failed. Every page runs the app with TEST_TIMING, and what
 * `timing` changes of it. `use(browser, server)` is called before each test with a
 * browser whose `newContext` records what the test opens.
 *
 * Every context records a Playwright trace (actions, console, network; no
 * DOM snapshots, which would slow every test down). A test that fails
 * keeps it, with a screenshot of each of its pages and what each page
 * logged as a problem, in tests/e2e-failures/<test>/ — open a trace with
 * `npx playwright show-trace <file>`. A test that passes keeps nothing.
 */
export function browserAndServerPerFile(use, { timing = {} } = {}) {
  const profile = { ...TEST_TIMING, ...timing };
  let browser;
  let server;
  let contexts = [];
  before(async () => {
    browser = await launch();
  });
  beforeEach(async () => {
    contexts = [];
    server = await serve();
    const scoped = {
      async newContext(options) {
        const context = await browser.newContext(options);
        await context.addInitScript((timing) => {
          globalThis.trusteroTiming = timing;
        }, profile);
        await context.tracing.start({ screenshots: false, snapshots: false });
        contexts.push(context);
        return context;
      },
    };
    use(scoped, server);
  });
  afterEach(async (t) => {
    if (t.passed === false) await keepEvidence(t.name, contexts);
    await Promise.allSettled(contexts.map((context) => context.close()));
    await server?.stop();
    server = null;
  });
  after(async () => {
    await browser?.close();
  });
}

/** A failed test's traces, screenshots and page problems, for whoever reads the CI log. */
async function keepEvidence(name, contexts) {
  const dir = join(FAILURES_DIR, name.replace(/[^\w.-]+/g, '-').slice(0, 100));
  mkdirSync(dir, { recursive: true });
  const kept = [];
  for (const [i, context] of contexts.entries()) {
    for (const [j, page] of context.pages().entries()) {
      const shot = join(dir, `context-${i}-page-${j}.png`);
      if (await page.screenshot({ path: shot, fullPage: true, timeout: 5_000 }).then(() => true, () => false)) kept.push(shot);
      if (page.problems?.length) writeFileSync(join(dir, `context-${i}-page-${j}-problems.txt`), page.problems.join('\n'));
    }
    const trace = join(dir, `context-${i}-trace.zip`);
    if (await context.tracing.stop({ path: trace }).then(() => true, () => false)) kept.push(trace);
  }
  console.error(`evidence of the failed test "${name}" kept in ${dir}: ${kept.length} files`);
}

/** Closes the pages' browser contexts (each test page has its own). */
export const closeAll = (pages) => Promise.all(pages.map((p) => p.context().close()));

/**
 * The one wait of the browser tests: calls `probe()` until `test(value)`
 * holds and returns that value; after `timeout` it fails naming `what` and
 * the last value seen. Nothing sleeps for a fixed time.
 */
export async function until(probe, test = Boolean, { timeout = 30_000, interval = 200, what = 'a condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}; last seen ${JSON.stringify(value)?.slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/**
 * Waits until `check(arg)`, run in the page, resolves to something truthy,
 * and returns it. Playwright's `waitForFunction` does not await a promise:
 * an async predicate counts as true at once, so a wait on app state that
 * needs `await` (a dynamic import, IndexedDB) must poll here instead.
 */
export function waitInPage(page, check, arg, { what = 'a condition in the page', ...options } = {}) {
  return until(() => page.evaluate(check, arg), Boolean, { what, ...options });
}

/** The `store/key` names of the records that differ between two dumps. */
export const changedEntries = (a, b) =>
  [...new Set([...Object.keys(a.entries), ...Object.keys(b.entries)])].filter((k) => a.entries[k] !== b.entries[k]);

/**
 * What the identity's IndexedDB holds, as a disk reader would see it: the
 * database name and every key and value of every store, flattened to text
 * (bytes as Latin-1), and each record by `store/key`. Read with the browser's own IndexedDB API, not the
 * app's store module.
 */
export async function dumpDatabase(page) {
  return page.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(app.store.name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const flatten = (value) => {
      if (value instanceof Uint8Array || value instanceof ArrayBuffer) return new TextDecoder('latin1').decode(value);
      if (value && typeof value === 'object') return Object.values(value).map(flatten).join('|');
      return String(value);
    };
    const read = (name, method) => new Promise((resolve, reject) => {
      const request = db.transaction(name).objectStore(name)[method]();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const parts = [];
    /** `store/key` -> that record, flattened (to name what changed) */
    const entries = {};
    for (const name of db.objectStoreNames) {
      const storeKeys = await read(name, 'getAllKeys');
      const values = await read(name, 'getAll');
      storeKeys.forEach((key, i) => (entries[`${name}/${Array.isArray(key) ? key.join('/') : key}`] = flatten(values[i])));
      parts.push(flatten(storeKeys), flatten(values));
    }
    db.close();
    return { name: app.store.name, text: parts.join('\n'), entries };
  });
}
