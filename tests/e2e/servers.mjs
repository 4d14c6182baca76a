// Real signalling servers on loopback for the browser tests: the npm
// `bittorrent-tracker` WebSocket server and a `nostr-rs-relay` process
// (installed by tests/run.sh). `builder serve`'s own tracker comes with
// harness.serve().

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import TrackerServer from 'bittorrent-tracker/server';
import { freePort, until } from './harness.mjs';

/** The reference WebTorrent tracker (npm bittorrent-tracker), WebSocket only. */
export async function startNpmTracker({ port } = {}) {
  port ??= await freePort();
  const server = new TrackerServer({ udp: false, http: false, ws: true, stats: false, trustProxy: false });
  server.on('warning', () => {}); // hostile input is expected in some tests
  server.on('error', () => {});
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  // Everything clients sent, parsed: tests check what signalling saw.
  const received = [];
  server.ws.on('connection', (socket) => {
    socket.on('message', (data) => {
      try {
        received.push({ at: Date.now(), message: JSON.parse(String(data)) });
      } catch {
        received.push({ at: Date.now(), message: null });
      }
    });
  });
  const sockets = new Set();
  server.http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    received,
    /** Stops like a crash would: every client connection is cut at once. */
    stop: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

export const NOSTR_RELAY = process.env.TRUSTERO_NOSTR_RELAY ?? 'nostr-rs-relay';

/**
 * A real Nostr relay (nostr-rs-relay) bound to 127.0.0.1 with a throw-away
 * database; `dir` and `port` given again start the same relay after a stop
 * (its stored events kept, as after a crash and restart).
 */
export async function startNostrRelay({ port, dir } = {}) {
  port ??= await freePort();
  dir ??= mkdtempSync(join(tmpdir(), 'trustero-relay-'));
  const config = join(dir, 'config.toml');
  writeFileSync(config, [
    '[info]', `relay_url = "ws://127.0.0.1:${port}/"`, 'name = "trustero-test-relay"',
    '[database]', `data_directory = "${dir}"`,
    '[network]', 'address = "127.0.0.1"', `port = ${port}`,
    '[options]', 'reject_future_seconds = 1800',
    '[limits]', 'messages_per_sec = 1000', 'subscriptions_per_min = 1000',
    '',
  ].join('\n'));
  const child = spawn(NOSTR_RELAY, ['--config', config, '--db', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  const up = async () => {
    if (child.exitCode !== null) throw new Error(`nostr-rs-relay stopped: ${log}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/`, { headers: { Accept: 'application/nostr+json' } })).ok;
    } catch {
      return false; // not up yet
    }
  };
  await until(up, Boolean, { timeout: 20_000, interval: 100, what: 'nostr-rs-relay to start' });
  const url = `ws://127.0.0.1:${port}`;
  return {
    port,
    dir,
    url,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGKILL');
    }),
    /** What the relay's database files hold, as raw text (Latin-1): what someone who takes the relay's disk reads. */
    diskText: () => readdirSync(dir).filter((f) => f.startsWith('nostr.db')).map((f) => readFileSync(join(dir, f), 'latin1')).join('\n'),
    /** The stored events matching `filter`, asked as any client would (REQ … EOSE). */
    query: (filter) => queryRelay(url, filter),
  };
}

/** Asks a relay for the events matching `filter`; resolves at its end of stored events. */
export function queryRelay(url, filter) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const events = [];
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no EOSE from ${url}`));
    }, 10_000);
    socket.on('open', () => socket.send(JSON.stringify(['REQ', 'q', filter])));
    socket.on('message', (data) => {
      const [type, , event] = JSON.parse(String(data));
      if (type === 'EVENT') events.push(event);
      if (type === 'EOSE') {
        clearTimeout(timer);
        socket.close();
        resolve(events);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
