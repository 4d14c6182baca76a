// Real signalling servers on loopback for the browser tests: the npm
// `bittorrent-tracker` WebSocket server and a `nostr-rs-relay` process
// (installed by tests/run.sh). `builder serve`'s own tracker comes with
// harness.serve().

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

/** A real Nostr relay (nostr-rs-relay) bound to 127.0.0.1 with a throw-away database. */
export async function startNostrRelay({ port } = {}) {
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'trustero-relay-'));
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
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGKILL');
    }),
  };
}
