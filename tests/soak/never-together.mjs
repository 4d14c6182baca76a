// Soak of the mailbox: two real Chromium peers whose online windows never
// overlap, both writing, with reloads inside windows and a relay restart
// (same database) halfway. Its last line is exactly
//   soak: sent N delivered N duplicated D lost L
// Usage: node soak/never-together.mjs [MESSAGES]   (tests/soak.sh --never-together N)

import { launch, serve, until } from '../e2e/harness.mjs';
import { startNostrRelay } from '../e2e/servers.mjs';
import { ALICE, BOB } from '../e2e/network-helpers.mjs';
import { conversationWith, stored } from '../e2e/chat-helpers.mjs';
import { addByLink, arrive, leave, person, relaysOnly } from '../e2e/mailbox-helpers.mjs';
import { login } from '../e2e/harness.mjs';
import { send } from '../e2e/driver.mjs';

const MESSAGES = Number(process.argv[2] ?? 100);
const PER_WINDOW = Number(process.env.SOAK_PER_WINDOW ?? 10);
const WAIT_MS = Number(process.env.SOAK_WAIT_MS ?? 120_000);
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

const server = await serve();
let relay = await startNostrRelay();
const browser = await launch();
const people = [await person(browser, ALICE), await person(browser, BOB)];
const [alice, bob] = people;
alice.other = BOB;
bob.other = ALICE;
for (const someone of people) {
  await addByLink(await arrive(someone, server.url, relaysOnly([relay.url])), server.url, someone.other, someone.other.username);
  someone.conversation = await conversationWith(someone.page, someone.other);
  someone.sent = [];
  await leave(someone);
}

/** Everything the other side wrote that this page has stored (bodies, with repeats). */
const receivedBy = async (someone) => (await stored(someone.page, someone.conversation)).filter((m) => !m.mine).map((m) => m.body);
/** Whether all of this page's own messages left its outbox for the relays (or were delivered). */
const allPosted = async (someone) =>
  (await stored(someone.page, someone.conversation)).filter((m) => m.mine).every((m) => m.state !== 'queued');

let written = 0;
let window = 0;
log(`${MESSAGES} messages in windows of ${PER_WINDOW}, never online together, relay ${relay.url}`);
while (written < MESSAGES) {
  const someone = people[window % 2];
  await arrive(someone, server.url);
  const batch = Math.min(PER_WINDOW, MESSAGES - written);
  for (let i = 0; i < batch; i++) {
    const body = `${someone.who.username}-${written + i}`;
    await send(someone.page, someone.conversation, body);
    someone.sent.push(body);
    if (i === Math.floor(batch / 2) && window % 3 === 1) {
      // A reload in the middle of a window: the outbox carries on.
      await someone.page.reload();
      await login(someone.page, someone.who.username, someone.who.password, { bits: someone.who.bits });
    }
  }
  written += batch;
  await until(() => allPosted(someone), Boolean, { timeout: WAIT_MS, what: `${someone.who.username}'s messages on the relay` });
  await leave(someone);
  window += 1;
  if (window === Math.ceil(MESSAGES / PER_WINDOW / 2)) {
    log('relay restart (same database)');
    await relay.stop();
    relay = await startNostrRelay({ port: relay.port, dir: relay.dir });
  }
  log(`window ${window}: ${written}/${MESSAGES} written`);
}

// Last windows: each comes back once more (still one at a time) and reads.
const result = {};
for (const someone of [...people, ...people]) {
  await arrive(someone, server.url);
  const expected = someone === alice ? bob.sent : alice.sent;
  try {
    await until(() => receivedBy(someone), (got) => expected.every((b) => got.includes(b)), { timeout: WAIT_MS, what: `${someone.who.username} to hold everything` });
  } catch (error) {
    log(error.message.slice(0, 300));
  }
  result[someone.who.username] = { expected, got: await receivedBy(someone) };
  await leave(someone);
}
await browser.close();
await relay.stop();
await server.stop();

let delivered = 0;
let duplicated = 0;
for (const { expected, got } of Object.values(result)) {
  delivered += expected.filter((b) => got.includes(b)).length;
  duplicated += got.length - new Set(got).size;
}
console.log(`soak: sent ${MESSAGES} delivered ${delivered} duplicated ${duplicated} lost ${MESSAGES - delivered}`);
