// Soak: messages both ways between two real Chromium peers while tabs reload,
// close and reopen, and the tracker restarts. Its last line is exactly
//   soak: sent N delivered N duplicated D lost L
// Usage: node soak/soak.mjs [MESSAGES]   (tests/soak.sh runs it)

import { launch, login, serve } from '../e2e/harness.mjs';
import { startNpmTracker } from '../e2e/servers.mjs';
import { ALICE, BOB, addContact, configure, waitOnline } from '../e2e/network-helpers.mjs';
import { conversationWith } from '../e2e/driver.mjs';

const MESSAGES = Number(process.argv[2] ?? 1000);
const CHAOS_EVERY = Number(process.env.SOAK_CHAOS_EVERY ?? 40);
const DRAIN_MS = Number(process.env.SOAK_DRAIN_MS ?? 180_000);
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

const server = await serve();
let tracker = await startNpmTracker();
const browser = await launch();
const network = { trackers: [tracker.url] };

async function start(context, who) {
  const page = await context.newPage();
  await page.goto(server.url);
  await login(page, who.username, who.password);
  return page;
}

const people = {
  alice: { who: ALICE, other: BOB, context: await browser.newContext() },
  bob: { who: BOB, other: ALICE, context: await browser.newContext() },
};
for (const person of Object.values(people)) {
  person.page = await start(person.context, person.who);
  await configure(person.page, network);
  await addContact(person.page, person.other, person.other.username);
}
await Promise.all([waitOnline(people.alice.page, BOB, 60_000), waitOnline(people.bob.page, ALICE, 60_000)]);
for (const person of Object.values(people)) {
  person.conversation = await conversationWith(person.page, person.other);
}
log(`connected; sending ${MESSAGES} messages with chaos every ~${CHAOS_EVERY}`);

const sent = { alice: [], bob: [] };
let ready = { alice: Promise.resolve(), bob: Promise.resolve() };

async function sendOne(name, body) {
  const person = people[name];
  await ready[name];
  try {
    await person.page.evaluate(async ({ id, body }) => {
      const { app } = await import('./js/facade.js');
      await app.chat.send(id, { t: 'text', body });
    }, { id: person.conversation, body });
    sent[name].push(body); // resolved: durably queued
  } catch (error) {
    log(`not sent (${name} was going away): ${body}`);
  }
}

const chaos = [
  async function reload(name) {
    log(`reload ${name}`);
    const person = people[name];
    await person.page.reload();
    await login(person.page, person.who.username, person.who.password);
  },
  async function closeAndReopen(name) {
    log(`close and reopen ${name}`);
    const person = people[name];
    await person.page.close();
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 1500));
    person.page = await start(person.context, person.who);
  },
  async function restartTracker() {
    log('restart the tracker');
    await tracker.stop();
    await new Promise((r) => setTimeout(r, 1000 + Math.random() * 2000));
    tracker = await startNpmTracker({ port: tracker.port });
  },
];

const started = Date.now();
for (let n = 1; n <= MESSAGES; n++) {
  const name = n % 2 ? 'alice' : 'bob';
  await sendOne(name, `soak ${name} ${n}`);
  if (n % CHAOS_EVERY === 0) {
    const event = chaos[Math.floor(Math.random() * chaos.length)];
    const target = Math.random() < 0.5 ? 'alice' : 'bob';
    // The other side keeps sending while this one is away.
    ready[target] = event(target).catch((error) => log(`chaos failed: ${error.message}`));
  }
}
await Promise.all(Object.values(ready));
log(`all sent in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for delivery`);

async function receivedBy(name) {
  const person = people[name];
  return person.page.evaluate(async (id) => {
    const { app } = await import('./js/facade.js');
    return (await app.chat.history(id, { limit: 1_000_000 })).filter((m) => !m.mine).map((m) => m.content.body);
  }, person.conversation);
}

const deadline = Date.now() + DRAIN_MS;
let result;
for (;;) {
  const atBob = await receivedBy('bob');
  const atAlice = await receivedBy('alice');
  const received = [...atBob, ...atAlice];
  const all = [...sent.alice, ...sent.bob];
  const unique = new Set(received);
  const delivered = all.filter((body) => unique.has(body)).length;
  result = { sent: all.length, delivered, duplicated: received.length - unique.size, lost: all.length - delivered };
  if (result.lost === 0 || Date.now() > deadline) break;
  await new Promise((r) => setTimeout(r, 2000));
}
await browser.close();
await tracker.stop();
await server.stop();
log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`soak: sent ${result.sent} delivered ${result.delivered} duplicated ${result.duplicated} lost ${result.lost}`);
