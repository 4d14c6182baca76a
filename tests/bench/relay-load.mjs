// Polite to public relays and trackers (issue 22): how many messages and
// bytes one user sends to each signalling server and mailbox relay, per
// hour, with 50 contacts and 3 groups — idle, then chatting — beside a
// plain Trystero room (torrent strategy) in the same run.
//
// Every byte goes through a counting proxy in front of a real server: the
// npm bittorrent-tracker and nostr-rs-relay. The user's contacts are
// synthetic (real RSA and secp256k1 keys made here, never online), which is
// the load a user meets when most contacts are away: every room keeps
// looking. The figures are measured over a window after the login's
// warm-up has settled, then scaled to an hour; the first minutes (login,
// warm-ups) are shown apart.
// Usage: node bench/relay-load.mjs (tests/bench.sh relay-load).
// Knobs: BENCH_LOAD_SETTLE_S (default 240), BENCH_LOAD_WINDOW_S (default 360),
// BENCH_LOAD_CONTACTS (50), BENCH_ROOT (another checkout's dist/, for a before/after).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { freePort, launch, login, openPage, serve } from '../e2e/harness.mjs';
import { startNostrRelay, startNpmTracker } from '../e2e/servers.mjs';
import { staticServer } from './static.mjs';
import { send } from '../e2e/driver.mjs';

const SETTLE_S = Number(process.env.BENCH_LOAD_SETTLE_S ?? 240);
const WINDOW_S = Number(process.env.BENCH_LOAD_WINDOW_S ?? 360);
const CONTACTS = Number(process.env.BENCH_LOAD_CONTACTS ?? 50);
const GROUPS = 3;
const GROUP_SIZE = 10;
const CHAT_EVERY_S = 60;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

/**
 * A WebSocket proxy in front of `upstream` that counts what clients send
 * (messages, bytes, connections, and by kind: `classify(message)`).
 */
async function countingProxy(upstream, classify) {
  const port = await freePort();
  const server = new WebSocketServer({ port, host: '127.0.0.1' });
  await new Promise((resolve) => server.on('listening', resolve));
  let counts = null;
  const reset = () => (counts = { connections: 0, messages: 0, bytes: 0, kinds: {} });
  reset();
  server.on('connection', (client) => {
    counts.connections += 1;
    const up = new WebSocket(upstream);
    const waiting = [];
    up.on('open', () => {
      for (const data of waiting.splice(0)) up.send(data);
    });
    up.on('message', (data) => client.readyState === WebSocket.OPEN && client.send(String(data)));
    up.on('close', () => client.close());
    up.on('error', () => client.close());
    client.on('message', (data) => {
      const text = String(data);
      counts.messages += 1;
      counts.bytes += Buffer.byteLength(text);
      try {
        const kind = classify(JSON.parse(text));
        counts.kinds[kind] = (counts.kinds[kind] ?? 0) + 1;
      } catch {
        counts.kinds.unparsed = (counts.kinds.unparsed ?? 0) + 1;
      }
      if (up.readyState === WebSocket.OPEN) up.send(text);
      else waiting.push(text);
    });
    client.on('close', () => up.close());
    client.on('error', () => up.close());
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    take() {
      const taken = counts;
      reset();
      return taken;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const trackerKind = (message) => (message.offers?.length ? 'announce with offers' : message.answer ? 'answer' : message.action === 'announce' ? 'announce' : 'other');
const nostrKind = (message) => (message[0] === 'EVENT' ? `EVENT kind ${message[1]?.kind}` : String(message[0]));

/** A synthetic contact: an add-me text (SPKI, and a mailbox key) for a person who is never online. */
function synthetic() {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const { publicKey: mailbox } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
  const x = mailbox.export({ format: 'jwk' }).x;
  return `https://example.invalid/index.htm#add=${b64url(spki)}&mb=${Buffer.from(x, 'base64url').toString('hex')}`;
}

const tracker = await startNpmTracker();
const relay = await startNostrRelay();
const ours = { tracker: await countingProxy(tracker.url, trackerKind), relay: await countingProxy(relay.url, nostrKind) };
const theirs = { tracker: await countingProxy(tracker.url, trackerKind) };
const server = await serve(process.env.BENCH_ROOT ? { root: process.env.BENCH_ROOT } : {});
const statics = await staticServer();
const browser = await launch();
let chatting = null;
try {
  console.error(`making ${CONTACTS} synthetic contacts...`);
  const contacts = Array.from({ length: CONTACTS }, synthetic);
  const page = await openPage(browser, server.url);
  await login(page, `load-${randomBytes(6).toString('hex')}`, `Relay load ${randomBytes(12).toString('hex')}!`);
  // Only the counted servers: no builder serve tracker or relay, no STUN.
  await page.evaluate(
    async ({ trackerUrl, relayUrl }) => {
      const { app } = await import('./js/facade.js');
      const settings = { trackers: [trackerUrl], relays: [relayUrl], iceServers: [], useTrackers: true, useNostr: true };
      app.network.configure(settings);
      app.mailbox.configure({ ...settings, mailboxRelays: [relayUrl] });
    },
    { trackerUrl: ours.tracker.url, relayUrl: ours.relay.url },
  );
  const fingerprints = await page.evaluate(async (links) => {
    const { app } = await import('./js/facade.js');
    const added = [];
    for (const keyText of links) added.push((await app.contacts.add({ keyText })).fingerprint);
    return added;
  }, contacts);
  await page.evaluate(
    async ({ fingerprints, groups, size }) => {
      const { app } = await import('./js/facade.js');
      for (let g = 0; g < groups; g++) await app.groups.create(`Group ${g + 1}`, fingerprints.slice(g * size, (g + 1) * size));
    },
    { fingerprints, groups: GROUPS, size: GROUP_SIZE },
  );
  const trystero = await openPage(browser, `${statics.url}/bench/trystero.html`);
  await trystero.waitForFunction(() => window.trystero);
  await trystero.evaluate((url) => {
    window.room = window.trystero.joinRoom({ appId: 'trustero-relay-load', relayConfig: { urls: [url] }, rtcConfig: { iceServers: [] } }, 'one-room');
  }, theirs.tracker.url);

  console.error(`settling ${SETTLE_S} s (login, warm-ups)...`);
  await sleep(SETTLE_S * 1000);
  const first = { tracker: ours.tracker.take(), relay: ours.relay.take(), trystero: theirs.tracker.take() };
  console.error(`idle window ${WINDOW_S} s...`);
  await sleep(WINDOW_S * 1000);
  const idle = { tracker: ours.tracker.take(), relay: ours.relay.take(), trystero: theirs.tracker.take() };
  console.error(`chatting window ${WINDOW_S} s (a message every ${CHAT_EVERY_S} s, to an away contact or a group, in turn)...`);
  const conversations = await page.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    return app.chat.conversations().map((c) => c.id);
  });
  let sent = 0;
  chatting = setInterval(() => {
    const id = conversations[sent++ % conversations.length];
    send(page, id, `message ${sent}`).catch(() => {});
  }, CHAT_EVERY_S * 1000);
  await sleep(WINDOW_S * 1000);
  clearInterval(chatting);
  const busy = { tracker: ours.tracker.take(), relay: ours.relay.take(), trystero: theirs.tracker.take() };

  const perHour = (n) => Math.round((n * 3600) / WINDOW_S);
  const rooms = CONTACTS + GROUPS + 1;
  const row = (name, c, scale = perHour, per = 1) =>
    `| ${name} | ${scale(c.messages)} | ${(scale(c.bytes) / 1024).toFixed(0)} | ${c.connections} | ${(scale(c.messages) / per).toFixed(1)} | ${Object.entries(c.kinds)
      .map(([k, v]) => `${k}: ${scale(v)}`)
      .join(', ')} |`;
  console.log(`\nLoad on signalling and mailbox servers: one user with ${CONTACTS} contacts (all away) and ${GROUPS} groups of ${GROUP_SIZE} (${rooms} rooms with our devices'; the room cycler keeps at most 50 joined), beside one Trystero 0.25.4 room`);
  console.log(`Per hour, from a ${WINDOW_S} s window after ${SETTLE_S} s of settling; "chatting": a message every ${CHAT_EVERY_S} s (${sent} sent).`);
  console.log('| server, state | messages/h | KiB/h | connections opened in the window | messages/h per room | by kind (per hour) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(row('tracker, idle', idle.tracker, perHour, rooms));
  console.log(row('tracker, chatting', busy.tracker, perHour, rooms));
  console.log(row('Nostr relay (signalling + mailbox), idle', idle.relay, perHour, rooms));
  console.log(row('Nostr relay (signalling + mailbox), chatting', busy.relay, perHour, rooms));
  console.log(row('Trystero, one room, tracker (reference)', idle.trystero, perHour, 1));
  const ratio = perHour(idle.tracker.messages) / rooms / Math.max(1, perHour(idle.trystero.messages));
  console.log(`Tracker messages per room, idle, ratio vs a Trystero room: ${ratio.toFixed(2)}`);
  const firstScale = (n) => n;
  console.log(`\nThe first ${SETTLE_S} s after login (not per hour: everything sent then)`);
  console.log('| server | messages | KiB | connections | messages per room | by kind |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  console.log(row('tracker', first.tracker, firstScale, rooms));
  console.log(row('Nostr relay', first.relay, firstScale, rooms));
  console.log(row('Trystero, one room, tracker', first.trystero, firstScale, 1));
} finally {
  clearInterval(chatting);
  await browser.close();
  await server.stop();
  await statics.stop();
  await ours.tracker.close();
  await ours.relay.close();
  await theirs.tracker.close();
  await tracker.stop();
  await relay.stop();
}
