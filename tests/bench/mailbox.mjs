// Mailbox benchmark (issue 10): each figure beside its reference measured in
// the same run — login → 100 waiting messages shown (mailbox vs the same 100
// flushed over a direct session); send → delivered with both online (through
// a relay, WebRTC disabled, vs direct); bytes per text message on the relay vs
// on the direct path. Prints a table; asserts nothing.
// Usage: node bench/mailbox.mjs   (tests/bench.sh mailbox)

import { launch, login, serve, until } from '../e2e/harness.mjs';
import { startNostrRelay } from '../e2e/servers.mjs';
import { ALICE, BOB, CAROL, MALLORY, waitOnline } from '../e2e/network-helpers.mjs';
import { conversationWith, stored } from '../e2e/chat-helpers.mjs';
import { addByLink, arrive, leave, person, relaysOnly } from '../e2e/mailbox-helpers.mjs';

const RUNS = Number(process.env.BENCH_MAILBOX_RUNS ?? 20);
const WAITING = 100;
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const noWebRtc = () => {
  window.RTCPeerConnection = class {
    constructor() {
      throw new DOMException('WebRTC is disabled by policy', 'NotSupportedError');
    }
  };
};

const server = await serve();
const relay = await startNostrRelay();
const browser = await launch();
const rows = [];

/** Two people who added each other; `direct`: also the page server's tracker. */
async function pair([one, two], { direct, init }) {
  const network = { ...relaysOnly([relay.url]), local: direct };
  const people = [await person(browser, one, { init }), await person(browser, two, { init })];
  for (const [someone, other] of [[people[0], two], [people[1], one]]) {
    await addByLink(await arrive(someone, server.url, network), server.url, other, other.username);
    someone.conversation = await conversationWith(someone.page, other);
  }
  if (direct) await waitOnline(people[0].page, two, 60_000);
  return people;
}

async function latencies(sender, runs) {
  return sender.page.evaluate(async ({ id, runs }) => {
    const { app } = await import('./js/facade.js');
    const out = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const message = await app.chat.send(id, { t: 'text', body: `latency ${i}` });
      await app.chat.whenDelivered(message.id);
      out.push(performance.now() - t0);
    }
    return out;
  }, { id: sender.conversation, runs });
}

/** The receiver leaves, the sender writes WAITING messages, the receiver logs in: ms from login to all shown. */
async function backlog([sender, receiver], { sender_stays }) {
  await leave(receiver);
  await sender.page.evaluate(async ({ id, count }) => {
    const { app } = await import('./js/facade.js');
    for (let i = 0; i < count; i++) await app.chat.send(id, { t: 'text', body: `waiting ${i}` });
  }, { id: sender.conversation, count: WAITING });
  if (!sender_stays) {
    await until(async () => (await stored(sender.page, sender.conversation)).filter((m) => m.mine && m.body?.startsWith('waiting')).every((m) => m.state === 'relayed'), Boolean, {
      timeout: 120_000,
      what: 'the waiting messages on the relay',
    });
    await leave(sender);
  }
  receiver.page = await receiver.context.newPage();
  await receiver.page.goto(server.url);
  const t0 = Date.now();
  await login(receiver.page, receiver.who.username, receiver.who.password);
  const loggedIn = Date.now() - t0;
  await until(async () => (await stored(receiver.page, receiver.conversation)).filter((m) => m.body?.startsWith('waiting')).length, (n) => n >= WAITING, {
    timeout: 180_000,
    interval: 50,
    what: 'the waiting messages at the receiver',
  });
  return { total: Date.now() - t0, loggedIn };
}

try {
  const direct = await pair([ALICE, BOB], { direct: true });
  const relayed = await pair([CAROL, MALLORY], { direct: false, init: noWebRtc });
  // Warm the relayed pair up: one exchange each way, so both know they are reached "via relays".
  await latencies(relayed[0], 1);
  await latencies(relayed[1], 1);

  const d = await latencies(direct[0], RUNS);
  const r = await latencies(relayed[0], RUNS);
  const row = (label, value, reference) => rows.push([label, value.toFixed(0), reference.toFixed(0), (value / reference).toFixed(1)]);
  row('send → delivered, both online, p50 (ms)', percentile(r, 50), percentile(d, 50));
  row('send → delivered, both online, p95 (ms)', percentile(r, 95), percentile(d, 95));

  // Bytes per text message: the wraps on the relay (message + acknowledgement) vs envelope + ack frame.
  const sizes = await relayed[0].page.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    const conv = app.chat.conversations().find((c) => c.kind === 'pair');
    const content = new TextEncoder().encode(JSON.stringify({ t: 'text', body: 'a typical short message' }));
    const { envelope } = await app.cryptoClient.sealEnvelope({ recipients: conv.members.map((m) => m.spki), conversationId: new Uint8Array(32), timestampMs: Date.now(), lamport: 1, content });
    return { envelope: envelope.length };
  });
  const events = await relay.query({ kinds: [1059] });
  const small = Math.min(...events.map((e) => JSON.stringify(['EVENT', e]).length));
  const ackFrame = 16 + JSON.stringify({ keys: [`${'f'.repeat(64)}:${'f'.repeat(32)}`] }).length + 16;
  row('bytes per text message and its ack on the wire', 2 * small, sizes.envelope + 16 + ackFrame);

  const viaMailbox = await backlog(relayed, { sender_stays: false });
  const viaDirect = await backlog(direct, { sender_stays: true });
  row(`login → ${WAITING} waiting messages shown (ms)`, viaMailbox.total, viaDirect.total);
  rows.push(['  of which the login itself (ms)', String(viaMailbox.loggedIn), String(viaDirect.loggedIn), '']);
} finally {
  await browser.close();
  await relay.stop();
  await server.stop();
}

const header = ['mailbox (nostr-rs-relay on loopback)', 'value', 'direct (reference)', 'ratio'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
for (const line of [header, widths.map((w) => '-'.repeat(w)), ...rows]) console.log(line.map((c, i) => String(c).padEnd(widths[i])).join('  '));
