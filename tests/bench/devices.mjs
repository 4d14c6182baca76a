// Devices benchmark (issue 11): how long a fresh device takes, from pressing
// "Log in", to show the contacts and the last 1,000 messages of a
// conversation — from another device of the same identity online (mirrored
// directly), and with no other device online (from the history our devices
// leave on the relays) — beside the login alone on the same fresh device,
// measured in the same run. Default settings on `builder serve` (its tracker
// and relay; the public ones are unreachable here). Prints a table; asserts
// nothing.
// Usage: node bench/devices.mjs   (tests/bench.sh devices)

import { launch, login, serve, until } from '../e2e/harness.mjs';
import { ALICE, BOB } from '../e2e/network-helpers.mjs';
import { arrive, leave, person } from '../e2e/mailbox-helpers.mjs';
import { addContact, contactOf, conversationIfContact, conversationWith, isOnline, profilePending, send, settled, storedCount } from '../e2e/driver.mjs';

const MESSAGES = Number(process.env.BENCH_DEVICES_MESSAGES ?? 1000);
const TESS = ALICE;
const UMA = BOB;

const server = await serve();
const browser = await launch();
const rows = [];

/** Messages stored in the conversation with `who` (cheap: no message is opened). */
const count = async (page, who) => {
  const id = await conversationIfContact(page, who);
  return id ? storedCount(page, id) : -1;
};

/** A fresh device of Tess logs in: ms to the chat screen, to Uma listed, and to all messages stored. */
async function freshDevice() {
  const device = await person(browser, TESS);
  device.page = await device.context.newPage();
  await device.page.goto(server.url);
  const t0 = Date.now();
  await login(device.page, TESS.username, TESS.password, { bits: TESS.bits });
  const loggedIn = Date.now() - t0;
  await until(async () => (await contactOf(device.page, UMA)) !== null, Boolean, {
    timeout: 120_000,
    interval: 50,
    what: 'Uma on the fresh device',
  });
  const contacts = Date.now() - t0;
  await until(
    () => count(device.page, UMA),
    (n) => n >= MESSAGES,
    { timeout: 600_000, interval: 50, what: `${MESSAGES} messages on the fresh device` },
  );
  const history = Date.now() - t0;
  return { device, loggedIn, contacts, history };
}

try {
  const uma = await person(browser, UMA);
  const umaPage = await arrive(uma, server.url);
  const laptop = await person(browser, TESS);
  const laptopPage = await arrive(laptop, server.url);
  for (const [page, who] of [
    [umaPage, TESS],
    [laptopPage, UMA],
  ]) {
    await addContact(page, who, who.username);
  }
  await until(() => isOnline(laptopPage, UMA), Boolean, { timeout: 60_000, what: 'Uma online' });
  // The history: half written by each, in turns of ten.
  console.log(`writing ${MESSAGES} messages...`);
  for (let i = 0; i < MESSAGES; i += 20) {
    for (const [page, who, name] of [
      [laptopPage, UMA, 'tess'],
      [umaPage, TESS, 'uma'],
    ]) {
      const id = await conversationWith(page, who);
      for (let k = i / 2; k < i / 2 + 10; k++) await send(page, id, `${name} ${k}`);
    }
  }
  await until(
    () => count(laptopPage, UMA),
    (n) => n >= MESSAGES,
    { timeout: 600_000, what: 'the history on the laptop' },
  );
  await until(async () => (await settled(laptopPage)) && (await profilePending(laptopPage)) === 0, Boolean, {
    timeout: 600_000,
    what: 'the laptop’s history and profile on the relay',
  });

  const mirrored = await freshDevice();
  await leave(mirrored.device);
  await leave(laptop);
  const relayed = await freshDevice();
  await leave(relayed.device);

  const row = (label, value, reference) => rows.push([label, String(value), String(reference), (value / reference).toFixed(1)]);
  row(`another device online: contacts shown (ms)`, mirrored.contacts, mirrored.loggedIn);
  row(`another device online: last ${MESSAGES} messages stored (ms)`, mirrored.history, mirrored.loggedIn);
  row(`no other device online: contacts shown (ms)`, relayed.contacts, relayed.loggedIn);
  row(`no other device online: last ${MESSAGES} messages from the relay (ms)`, relayed.history, relayed.loggedIn);
} finally {
  await browser.close();
  await server.stop();
}

const header = ['fresh device, from "Log in" (builder serve)', 'value', 'login alone (reference)', 'ratio'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
for (const line of [header, widths.map((w) => '-'.repeat(w)), ...rows]) console.log(line.map((c, i) => String(c).padEnd(widths[i])).join('  '));
