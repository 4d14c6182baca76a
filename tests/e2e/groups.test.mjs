// Large groups end to end (issue 13): eight real pages, each seeking only two
// direct connections in the group's room (so most members reach each other
// only through others), builder serve's tracker and no mailbox. A message reaches
// every member and its sender sees every member's delivery; no page holds
// more group connections than the cap; a removed member cannot open what is
// sent after its removal, even when the envelope reaches it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, closeAll, until } from './harness.mjs';
import { addContact, loggedInNewcomer, tab, waitOnline } from './network-helpers.mjs';
import { send, stored, untilStored } from './chat-helpers.mjs';
import { groupConnections, groupList, knownGroup, receiveEnvelope, removeMember, storedEnvelope, withoutSession } from './driver.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

const TARGET = 2;
const MEMBERS = 8;

test(`a group of ${MEMBERS} over a partial mesh (${TARGET} connections sought each): every message reaches everyone, connections stay bounded, a removed member cannot open what follows`, async () => {
  // builder serve's tracker and no relay at all: no mailbox to fall back on, so
  // members who are not connected to a sender get its messages only from
  // other members, and the sender hears of their copies only hop by hop.
  const { announce } = await (await fetch(new URL('local-tracker', server.url))).json();
  const network = { trackers: [announce], groupConnections: TARGET };
  const people = Array.from({ length: MEMBERS }, (_, n) => ({ username: `member ${n + 1}`, password: 'correct horse battery staple', bits: 2048 }));
  const pages = [];
  for (const who of people) pages.push(await loggedInNewcomer(browser, server.url, who, network));
  // The creator knows everyone; the others know only the creator.
  const [creator, ...others] = pages;
  for (const who of people.slice(1)) await addContact(creator, who, who.username);
  for (const page of others) await addContact(page, people[0], 'creator');
  await Promise.all(people.slice(1).map((who) => waitOnline(creator, who, 60_000)));

  // Created through the form, picking each member by filtering the contact list.
  await tab(creator, 'chats');
  await creator.click('#new-group summary');
  await creator.fill('#group-name', 'Hundred-ready');
  for (const who of people.slice(1)) {
    await creator.fill('#group-filter', who.username);
    await creator.check(`#group-members label:not([hidden]) input[value="${who.fingerprint}"]`);
  }
  await creator.fill('#group-filter', '');
  assert.match(await creator.textContent('#group-count'), new RegExp(`^${MEMBERS - 1} picked`));
  await creator.click('#create-group');
  const [created] = await until(() => groupList(creator), (groups) => groups.length > 0, { what: 'the group created' });
  const group = { id: created.id, conv: created.conversationId };
  for (const page of others) await until(() => knownGroup(page, group.id), (g) => g?.inRoom, { what: 'the group joined', timeout: 60_000 });

  // A message from the last member reaches all seven others, and all seven acknowledgements get back to it.
  const last = pages[MEMBERS - 1];
  await send(last, group.conv, 'hello from the last member');
  for (const [n, page] of pages.slice(0, -1).entries()) {
    await untilStored(page, group.conv, (m) => m.some((x) => x.body === 'hello from the last member'), { timeout: 60_000, what: `the message at member ${n + 1}` });
  }
  await untilStored(last, group.conv, (m) => ['delivered', 'read'].includes(m.find((x) => x.body === 'hello from the last member')?.state), {
    timeout: 60_000,
    what: 'every member’s delivery seen by the sender',
  });
  // Some members got it without any direct connection to its sender: passed on by others.
  const unlinked = await withoutSession(last, people.slice(0, -1));
  assert.ok(unlinked.length > 0, 'the mesh is partial: the sender is not connected to every member');
  for (const page of pages) assert.ok((await groupConnections(page, group.id)) <= 2 * TARGET, 'at most twice the target in the group room');

  // Every member's own message reaches everyone too (each sender's key handed over once).
  for (const [n, page] of pages.entries()) await send(page, group.conv, `round from ${n + 1}`);
  for (const [n, page] of pages.entries()) {
    await untilStored(page, group.conv, (m) => people.every((_, k) => m.some((x) => x.body === `round from ${k + 1}`)), { timeout: 90_000, what: `every member's round at member ${n + 1}` });
  }
  for (const page of pages) assert.ok((await groupConnections(page, group.id)) <= 2 * TARGET);

  // The creator removes member 7; member 8 learns of it, then writes.
  const removed = people[6];
  await removeMember(creator, group.id, removed);
  await until(() => knownGroup(last, group.id), (g) => !g.members.includes(removed.fingerprint), {
    what: 'member 8 knows of the removal',
    timeout: 60_000,
  });
  const afterId = await send(last, group.conv, 'after the removal');
  for (const page of pages.filter((_, n) => n !== 6 && n !== MEMBERS - 1)) {
    await untilStored(page, group.conv, (m) => m.some((x) => x.body === 'after the removal'), { timeout: 60_000, what: 'the message after the removal' });
  }
  // Even handed the envelope itself, the removed member cannot open it.
  const envelope = await storedEnvelope(last, people[MEMBERS - 1], afterId);
  const outcome = await receiveEnvelope(pages[6], people[MEMBERS - 1], envelope);
  assert.equal(outcome, 'unknown', 'no key opens it');
  assert.ok(!(await stored(pages[6], group.conv)).some((x) => x.body === 'after the removal'));
  await closeAll(pages);
});
