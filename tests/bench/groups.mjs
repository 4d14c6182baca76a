// Large-group benchmark (issue 13). Prints; asserts nothing.
//   1. Sender cost per message vs member count, in Chromium through the
//      app's crypto worker: a group message under the sender's group key
//      (what groups send now) beside one envelope RSA-wrapped for every
//      member (what they sent before; also what a key's hand-over costs,
//      once per membership). Random 2048-bit member keys come from node.
//   2. Group send → delivered to every member online, p50/p95, with 10 real
//      pages (builder serve's tracker, default settings otherwise), beside
//      send → delivered to one contact from the same page in the same run.
//   3. Peer connections per member in simulated groups of 100, 250 and 500
//      (tests/js/group-sim.mjs: the app's mesh rules), and how many copies of
//      a message each member receives.
// Usage: node bench/groups.mjs   (bash tests/bench.sh groups)
// Knobs: BENCH_GROUP_PAGES (default 10), BENCH_GROUP_MESSAGES (default 30),
// BENCH_GROUP_CONNECTIONS (connections sought per member; default: the app's).

import { generateKeyPairSync } from 'node:crypto';
import { launch, serve } from '../e2e/harness.mjs';
import { addContact, loggedInNewcomer, waitOnline } from '../e2e/network-helpers.mjs';
import { buildMesh, simulateGroup } from '../js/group-sim.mjs';
import { DEFAULT_SETTINGS } from '../../templates/js/core/settings.js';
import { conversationWith } from '../e2e/driver.mjs';

const PAGES = Number(process.env.BENCH_GROUP_PAGES ?? 10);
const MESSAGES = Number(process.env.BENCH_GROUP_MESSAGES ?? 30);
const CONNECTIONS = Number(process.env.BENCH_GROUP_CONNECTIONS ?? DEFAULT_SETTINGS.groupConnections);
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const server = await serve();
const browser = await launch();
try {
  const { announce } = await (await fetch(new URL('local-tracker', server.url))).json();
  const network = { trackers: [announce], groupConnections: CONNECTIONS };
  const people = Array.from({ length: PAGES }, (_, n) => ({ username: `bench member ${n + 1}`, password: 'zebra lantern orbit velvet quarry' }));
  const pages = [];
  for (const who of people) pages.push(await loggedInNewcomer(browser, server.url, who, network));
  const [sender] = pages;

  // 1. Sender cost per message vs member count.
  const spkis = Array.from({ length: 127 }, () => [...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' })]);
  const cost = await sender.evaluate(
    async ({ spkis, counts }) => {
      const { app } = await import('./js/facade.js');
      const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const fields = () => ({ conversationId: new Uint8Array(32).fill(2), timestampMs: Date.now(), lamport: 1, content: new TextEncoder().encode('x'.repeat(200)) });
      const key = { keyId: await app.cryptoClient.randomBytes(16), key: await app.cryptoClient.randomBytes(32) };
      const rows = [];
      for (const members of counts) {
        const group = [];
        for (let i = 0; i < 9; i++) {
          const t0 = performance.now();
          await app.cryptoClient.sealGroupEnvelope({ ...key, ...fields() });
          group.push(performance.now() - t0);
        }
        const wrapped = [];
        const recipients = members - 1 <= spkis.length ? spkis.slice(0, members - 1).map((s) => new Uint8Array(s)) : null;
        for (let i = 0; recipients && i < (members > 50 ? 3 : 7); i++) {
          const t0 = performance.now();
          const { envelope } = await app.cryptoClient.sealEnvelope({ recipients, ...fields() });
          wrapped.push({ ms: performance.now() - t0, bytes: envelope.length });
        }
        rows.push({ members, group: median(group), wrapped: recipients ? median(wrapped.map((w) => w.ms)) : null, wrappedBytes: wrapped[0]?.bytes ?? null });
      }
      const sealed = await app.cryptoClient.sealGroupEnvelope({ ...key, ...fields() });
      return { rows, groupBytes: sealed.envelope.length };
    },
    { spkis, counts: [2, 10, 50, 100, 128, 500] },
  );
  console.log('\nSender cost per message vs member count (Chromium, the app’s crypto worker; 200-byte text, 2048-bit keys; median)');
  console.log('| members | group message under the sender key (now) | one envelope wrapped for every member (before; = a key hand-over, once per membership) | ratio |');
  console.log('| --- | --- | --- | --- |');
  for (const r of cost.rows) {
    const before = r.wrapped === null ? 'not possible (128 recipients at most)' : `${r.wrapped.toFixed(1)} ms, ${(r.wrappedBytes / 1024).toFixed(1)} KiB`;
    console.log(`| ${r.members} | ${r.group.toFixed(2)} ms, ${(cost.groupBytes / 1024).toFixed(1)} KiB | ${before} | ${r.wrapped === null ? '—' : `${(r.wrapped / r.group).toFixed(1)}×`} |`);
  }

  // 2. Send → delivered to every member online, 10 pages, default settings.
  const others = people.slice(1);
  for (const who of others) await addContact(sender, who, who.username);
  for (const page of pages.slice(1)) await addContact(page, people[0], 'creator');
  await Promise.all(others.map((who) => waitOnline(sender, who, 60_000)));
  const group = await sender.evaluate(async (fps) => {
    const g = await (await import('./js/facade.js')).app.groups.create('Bench group', fps);
    return { id: g.id, conv: g.conversationId };
  }, others.map((p) => p.fingerprint));
  for (const page of pages.slice(1)) {
    await page.waitForFunction(async (id) => !!(await import('./js/facade.js')).app.groups.get(id)?.room, group.id, { timeout: 60_000, polling: 200 });
  }
  // Timed from the last member, whose only contact is the creator: most members reach it only through others.
  const member = pages[PAGES - 1];
  const timings = await member.evaluate(
    async ({ conv, pair, runs }) => {
      const { app } = await import('./js/facade.js');
      const once = async (id, body) => {
        const t0 = performance.now();
        const message = await app.chat.send(id, { t: 'text', body });
        await app.chat.whenDelivered(message.id);
        return performance.now() - t0;
      };
      // The first group message also hands our key over: timed apart.
      const first = await once(conv, 'warm-up');
      const group = [];
      const single = [];
      for (let i = 0; i < runs; i++) {
        group.push(await once(conv, `group ${i}`));
        single.push(await once(pair, `pair ${i}`));
      }
      return { first, group, single };
    },
    { conv: group.conv, pair: await conversationWith(member, people[0]), runs: MESSAGES },
  );
  const connections = await Promise.all(
    pages.map((page) =>
      page.evaluate(async (id) => (await import('./js/facade.js')).app.groups.get(id).room.connections().filter((c) => c.state === 'ready').length, group.id),
    ),
  );
  console.log(`\nGroup send → delivered to all ${PAGES - 1} other members online (${PAGES} Chromium pages, builder serve tracker, ${MESSAGES} messages; ${CONNECTIONS} connections sought per member)`);
  console.log('| what | p50 ms | p95 ms |');
  console.log('| --- | --- | --- |');
  console.log(`| group message from a member whose only contact is the creator, every member's delivery seen by it | ${percentile(timings.group, 50).toFixed(0)} | ${percentile(timings.group, 95).toFixed(0)} |`);
  console.log(`| reference: to its one contact, same page, same run | ${percentile(timings.single, 50).toFixed(0)} | ${percentile(timings.single, 95).toFixed(0)} |`);
  console.log(`| first group message (hands the sender key over: ${PAGES - 1} RSA wraps) | ${timings.first.toFixed(0)} | — |`);
  console.log(`group-room connections per page: ${connections.join(', ')} (cap ${2 * CONNECTIONS})`);
} finally {
  await browser.close();
  await server.stop();
}

// 3. Simulated large groups: connections per member and copies per message.
console.log(`\nSimulated groups (tests/js/group-sim.mjs: net/mesh.js and chat/forwarding.js; default ${DEFAULT_SETTINGS.groupConnections} connections sought, cap ${2 * DEFAULT_SETTINGS.groupConnections})`);
console.log('| members | peak connections per member | mean | copies of a message received per member | frames per message (copies and acknowledgements) | reference: full mesh connections per member |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const members of [100, 250, 500]) {
  const { neighbours, peak } = buildMesh({ members, target: DEFAULT_SETTINGS.groupConnections, seed: members });
  const simulated = simulateGroup(neighbours);
  await simulated.send(0, 'a'.repeat(32));
  const copies = simulated.members.reduce((sum, m) => sum + m.received, 0);
  const mean = neighbours.reduce((sum, n) => sum + n.size, 0) / members;
  console.log(`| ${members} | ${peak} | ${mean.toFixed(1)} | ${(copies / members).toFixed(1)} | ${simulated.framesSoFar()} | ${members - 1} |`);
}
