// Chat end to end: real Chromium pages, real signalling (builder serve's
// tracker), real IndexedDB — reloads, offline periods and interruptions
// included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, browserAndServerPerFile, closeAll, dumpDatabase, login, until } from './harness.mjs';
import { ALICE, BOB, CAROL, addContact, befriend, contactsAround, loggedIn, waitOffline, waitOnline } from './network-helpers.mjs';
import { afterEverything, conversationWith, createGroupInUI, openChat, send, stored, tab, type, untilStored } from './chat-helpers.mjs';
import { addContacts, conversations, fileDigest, files, hasGroup, preferences, rotateRooms, transferStatus } from './driver.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

const LOCAL = { local: true };
test('friends chat both ways; ticks go queued → sent → delivered → read; typing shows', async () => {
  const [alice, bob] = await befriend(browser, server.url, LOCAL, { forms: true });
  const id = await openChat(alice, BOB);
  await type(alice, id, 'Hello Bob');
  await alice.waitForSelector('.message.mine .state[data-state="delivered"], .message.mine .state[data-state="read"]');
  await tab(bob, 'chats');
  await bob.waitForSelector(`.chat-item[data-conversation="${id}"] .unread`);
  await openChat(bob, ALICE);
  await bob.waitForSelector('.message.theirs .body:text("Hello Bob")');
  await alice.waitForSelector('.message.mine .state[data-state="read"]');
  await bob.fill(`.conversation[data-conversation="${id}"] .compose-text`, 'typing something');
  await alice.waitForSelector('.typing:text("is typing")');
  await bob.press(`.conversation[data-conversation="${id}"] .compose-text`, 'Enter');
  await alice.waitForSelector('.message.theirs .body:text("typing something")');
  assert.equal(await alice.locator('.message').count(), 2);
  await closeAll([alice, bob]);
});

test('a message written while the friend is offline waits, survives a reload, and arrives once', async () => {
  const alice = await loggedIn(browser, server.url, ALICE, LOCAL);
  await addContact(alice, BOB, 'Bob');
  const id = await conversationWith(alice, BOB);
  for (const n of [1, 2, 3]) await send(alice, id, `offline ${n}`);
  let mine = await stored(alice, id);
  assert.deepEqual(mine.map((m) => m.state), ['queued', 'queued', 'queued']);
  // The outbox is durable: reload before Bob ever comes online.
  await alice.reload();
  await login(alice, ALICE.username, ALICE.password);
  mine = await stored(alice, id);
  assert.deepEqual(mine.map((m) => [m.body, m.state]), [['offline 1', 'queued'], ['offline 2', 'queued'], ['offline 3', 'queued']]);
  const bob = await loggedIn(browser, server.url, BOB, LOCAL);
  await addContact(bob, ALICE, 'Alice');
  const theirs = await untilStored(bob, id, (m) => m.length >= 3, { what: 'three messages at Bob' });
  assert.deepEqual(theirs.map((m) => m.body), ['offline 1', 'offline 2', 'offline 3']);
  await untilStored(alice, id, (m) => m.every((x) => x.state === 'delivered' || x.state === 'read'), { what: 'delivered ticks' });
  assert.equal((await afterEverything(alice, bob, id)).length, 3, 'nothing twice');
  await closeAll([alice, bob]);
});

test('reloading sender and receiver mid-flow loses nothing and duplicates nothing', async () => {
  const [alice, bob] = await befriend(browser, server.url, LOCAL);
  const id = await conversationWith(alice, BOB);
  const sent = [];
  let bobBack = null;
  for (let n = 1; n <= 20; n++) {
    sent.push(`flow ${n}`);
    await send(alice, id, `flow ${n}`);
    if (n === 6) {
      await bob.reload(); // the receiver drops mid-flow (and logs in again while Alice goes on sending)...
      bobBack = login(bob, BOB.username, BOB.password);
    }
    if (n === 12) {
      await alice.reload(); // ...and then the sender
      await login(alice, ALICE.username, ALICE.password);
    }
  }
  await bobBack;
  const received = await untilStored(bob, id, (m) => m.length >= 20, { what: 'twenty messages', timeout: 60_000 });
  assert.deepEqual(received.map((m) => m.body), sent);
  await untilStored(alice, id, (m) => m.length === 20 && m.every((x) => x.state !== 'queued' && x.state !== 'sent'), { what: 'all delivered', timeout: 60_000 });
  assert.equal((await afterEverything(alice, bob, id)).length, 20, 'nothing twice');
  await closeAll([alice, bob]);
});

test('a group member who was offline receives the backlog from another member', async () => {
  const pages = await contactsAround(browser, server.url, [ALICE, BOB, CAROL], LOCAL);
  const [alice, bob] = pages;
  let carol = pages[2];
  // Alice creates the group through the UI. The invitation must reach Carol
  // before she leaves: she learns of the group only from Alice, who is gone
  // when Carol comes back. Two causes made this test fail, both fixed:
  // a wait that returned at once (Playwright's waitForFunction does not await
  // an async predicate; about 1 run in 4), and the app acknowledging an
  // invitation before it had saved the group (about 1 run in 13: Carol's tab
  // closed between the two, Alice never resent, the group was lost). The
  // helper now waits for "delivered", which the app shows only once the
  // member saved the group.
  const groupId = await createGroupInUI(alice, 'Book club', [BOB, CAROL], [bob, carol]);
  // Carol closes her tab for a while; Alice and Bob talk in the group.
  const carolContext = carol.context();
  await carol.close();
  await send(alice, groupId, 'group 1 from alice');
  await send(bob, groupId, 'group 2 from bob');
  await send(alice, groupId, 'group 3 from alice');
  await untilStored(bob, groupId, (m) => m.filter((x) => x.t === 'text').length >= 3, { what: 'bob has the three' });
  // Alice leaves too: only Bob, who is not Carol's contact, holds the backlog.
  await alice.context().close();
  carol = await carolContext.newPage();
  await carol.goto(server.url);
  await login(carol, CAROL.username, CAROL.password, { bits: CAROL.bits });
  assert.ok(
    await hasGroup(carol, groupId),
    'Carol still knows the group after closing her tab',
  );
  const backlog = await untilStored(carol, groupId, (m) => m.filter((x) => x.t === 'text').length >= 3, { what: 'backlog at carol', timeout: 60_000 });
  assert.deepEqual(backlog.filter((x) => x.t === 'text').map((m) => m.body).sort(), ['group 1 from alice', 'group 2 from bob', 'group 3 from alice']);
  await closeAll([bob, carol]);
});

function bytes(size) {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 10)) & 0xff;
  return data;
}

test('a 10 MB file arrives with progress, survives the sender dropping out, and matches its hash', async () => {
  const [alice, bob] = await befriend(browser, server.url, LOCAL);
  const id = await openChat(alice, BOB);
  const data = bytes(10 * 1024 * 1024);
  await alice.setInputFiles(`.conversation[data-conversation="${id}"] .attach-input`, { name: 'big.bin', mimeType: 'application/octet-stream', buffer: data });
  await openChat(bob, ALICE);
  await bob.waitForSelector('progress.transfer', { timeout: 60_000 });
  // Interrupt once some chunks are in.
  await bob.waitForFunction(() => Number(document.querySelector('progress.transfer')?.value ?? 0) >= 4, null, { timeout: 60_000 });
  const before = await bob.evaluate(() => Number(document.querySelector('progress.transfer').value));
  await alice.reload();
  await waitOffline(bob, ALICE);
  await tab(bob, 'chats');
  await login(alice, ALICE.username, ALICE.password);
  await bob.waitForSelector('[data-open-file]', { state: 'attached', timeout: 90_000 });
  const [bobConv] = await conversations(bob);
  const [file] = await files(bob, bobConv);
  const digest = await fileDigest(bob, bobConv, file);
  assert.equal(digest, createHash('sha256').update(data).digest('hex'));
  assert.ok(before >= 4 && before < 40, `interrupted mid-way (${before} of 40 chunks)`);
  await closeAll([alice, bob]);
});

/** A 40×30 PNG drawn by the browser itself. */
async function png(page) {
  const base64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(40, 30);
    const context = canvas.getContext('2d');
    context.fillStyle = '#c33';
    context.fillRect(0, 0, 40, 30);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    return btoa(String.fromCharCode(...bytes));
  });
  return Buffer.from(base64, 'base64');
}

test('an image shows a preview inline, then opens full size', async () => {
  const [alice, bob] = await befriend(browser, server.url, LOCAL);
  const id = await openChat(alice, BOB);
  await alice.setInputFiles(`.conversation[data-conversation="${id}"] .attach-input`, { name: 'dot.png', mimeType: 'image/png', buffer: await png(alice) });
  await openChat(bob, ALICE);
  const thumb = await bob.waitForSelector('.message.theirs img.thumb');
  assert.match(await thumb.getAttribute('src'), /^data:image\/jpeg;base64,/);
  await bob.click('.message.theirs [data-open-file]');
  const full = await bob.waitForSelector('.message.theirs img.full');
  assert.match(await full.getAttribute('src'), /^blob:/);
  await full.evaluate((img) => img.decode());
  assert.equal(await full.evaluate((img) => img.naturalWidth), 40);
  await closeAll([alice, bob]);
});

test('markup in names and messages stays inert text', async () => {
  const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
  const alice = await loggedIn(browser, server.url, ALICE, LOCAL);
  const bob = await loggedIn(browser, server.url, BOB, LOCAL);
  await addContact(alice, BOB, hostile);
  await addContact(bob, ALICE, 'Alice');
  await waitOnline(alice, BOB);
  const id = await openChat(alice, BOB);
  await type(alice, id, `${hostile} javascript:alert(1) https://example.com/ok`);
  await openChat(bob, ALICE);
  await bob.waitForSelector('.message.theirs .body');
  assert.equal(await bob.textContent('.message.theirs .body'), `${hostile} javascript:alert(1) https://example.com/ok`);
  assert.equal(await bob.locator('.message img, .message script').count(), 0);
  const hrefs = await bob.$$eval('.message a', (links) => links.map((a) => a.href));
  assert.deepEqual(hrefs, ['https://example.com/ok']);
  assert.equal(await alice.textContent(`.conversation h2`), hostile);
  for (const page of [alice, bob]) assert.equal(await page.evaluate(() => window.pwned), undefined);
  await closeAll([alice, bob]);
});

test('after a conversation, IndexedDB holds no plaintext message, nickname or key', async () => {
  const [alice, bob] = await befriend(browser, server.url, LOCAL);
  const id = await openChat(alice, BOB);
  await type(alice, id, 'the secret plan is purple elephants');
  await alice.setInputFiles(`.conversation[data-conversation="${id}"] .attach-input`, { name: 'notes-unique-name.txt', mimeType: 'text/plain', buffer: Buffer.from('file body: tangerine submarine') });
  await untilStored(bob, id, (m) => m.length >= 2, { what: 'both messages at bob' });
  // Bob has downloaded the file too (kept encrypted with its file key).
  await until(async () => {
    const [file] = await files(bob, (await conversations(bob))[0]);
    return file && (await transferStatus(bob, file.sender, file.fileId))?.state === 'complete';
  }, Boolean, { timeout: 30_000 });
  for (const page of [alice, bob]) {
    const dump = (await dumpDatabase(page)).text;
    for (const secret of ['purple elephants', 'tangerine submarine', 'notes-unique-name', 'Alice', 'Bob', ALICE.spki.slice(20, 60), BOB.spki.slice(20, 60), ALICE.username]) {
      assert.ok(!dump.includes(secret), `IndexedDB leaks “${secret}”`);
    }
  }
  assert.equal(await alice.evaluate(() => localStorage.length), 0);
  await closeAll([alice, bob]);
});

test('a second tab with the same identity is refused, and can take over', async () => {
  const context = await browser.newContext();
  const first = await context.newPage();
  await first.goto(server.url);
  await login(first, ALICE.username, ALICE.password);
  const second = await context.newPage();
  await second.goto(server.url);
  await second.fill('#username', ALICE.username);
  await second.fill('#password', ALICE.password);
  await second.click('#login-button');
  await second.waitForSelector('#tab-conflict', { timeout: 60_000 });
  assert.match(await second.textContent('#tab-conflict'), /another tab/);
  await second.click('#take-over');
  await second.waitForSelector('#logout-button', { timeout: 30_000 });
  await first.waitForSelector('#login-notice');
  assert.match(await first.textContent('#login-notice'), /opened in another tab/);
  await context.close();
});

test('with 200 contacts only the configured number of rooms is joined, and they rotate', async () => {
  const keys = JSON.parse(readFileSync(join(ROOT, 'tests/fixtures/contacts-200.json'), 'utf8')).keys;
  const alice = await loggedIn(browser, server.url, ALICE, LOCAL);
  await tab(alice, 'settings');
  await alice.fill('#pref-max-rooms', '20');
  await alice.press('#pref-max-rooms', 'Tab');
  await addContact(alice, BOB, 'Bob');
  await addContacts(alice, keys.map((key, i) => ({ spki: key, nickname: `Contact ${i}` })));
  const first = await rotateRooms(alice);
  const second = await rotateRooms(alice, 3 * 60_000 + 1);
  const result = { first: first.joined, second: second.joined, rooms: first.rooms, after: second.rooms, max: (await preferences(alice)).maxRooms };
  assert.equal(result.max, 20);
  // Our own devices' room is always joined, on top of the contacts' and groups' rooms.
  assert.ok(result.rooms <= 20 + 1 && result.after <= 20 + 1, `${result.rooms} and ${result.after} rooms joined`);
  assert.ok(result.first.length <= 20 && result.second.length <= 20);
  assert.notDeepEqual(result.first.sort(), result.second.sort(), 'the batch rotated');
  // Bob has the open conversation: he stays in through rotations.
  await openChat(alice, BOB);
  const kept = [];
  for (let i = 1; i <= 3; i++) kept.push((await rotateRooms(alice, i * (3 * 60_000 + 1))).joined.includes(`friend:${BOB.fingerprint}`));
  assert.deepEqual(kept, [true, true, true]);
  await closeAll([alice]);
});
