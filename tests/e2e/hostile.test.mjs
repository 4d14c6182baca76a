// A hostile contact and group member, driven as a modified client: Mallory's
// page uses its own crypto worker and sessions to send what the real app
// never would — reused message and file ids, out-of-range header fields,
// malformed contents, squatted group ids, swapped keys, unknown and oversized
// frames, absurd file announcements. Every attack must be refused while the
// victim's conversations keep working and nothing real is lost.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, browserAndServerPerFile, login, until, waitInPage } from './harness.mjs';
import { ALICE, BOB, MALLORY, addContact, contactsAround, loggedIn, waitOnline } from './network-helpers.mjs';
import { untilStored } from './chat-helpers.mjs';
import {
  addMember, attach, contents, conversationWith, createGroup, fileBytes, files, groupList, knownGroup, lamport, memberName, refusedGroups, send, stored, transferStatus,
} from './driver.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

const LOCAL = { local: true };
const hostile = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/hostile.json'), 'utf8'));

// Mallory's forgeries (envelopes sealed by hand, raw frames, crafted
// contents) reach into her page's façade inline: they are what these tests
// are about. Everything else goes through the driver.

/** Two people who are each other's contacts, online. */
async function pair(first, second) {
  const a = await loggedIn(browser, server.url, first, LOCAL);
  const b = await loggedIn(browser, server.url, second, LOCAL);
  await addContact(a, second, 'them');
  await addContact(b, first, 'them');
  await Promise.all([waitOnline(a, second), waitOnline(b, first)]);
  return [a, b];
}

/** Seals `content` (any JSON, or raw bytes) in Mallory's worker and sends it on her session with `to`. */
async function sendRaw(page, to, { conversationId = null, recipients = [], content = null, messageId = null, bytes = null }) {
  return page.evaluate(async ({ to, conversationId, recipients, content, messageId, bytes }) => {
    const { app } = await import('./js/facade.js');
    const { decode, fromHex, utf8 } = await import('./js/core/encoding.js');
    let envelope;
    if (bytes) {
      envelope = fromHex(bytes);
    } else {
      const conv = app.chat.conversation(conversationId);
      ({ envelope } = await app.cryptoClient.sealEnvelope({
        recipients: recipients.map((r) => decode(r)),
        conversationId: fromHex(conversationId),
        timestampMs: Date.now(),
        lamport: ++conv.lamport,
        content: utf8(JSON.stringify(content)),
        messageId: messageId ? fromHex(messageId) : undefined,
      }));
    }
    const link = app.sessions.linkTo(to);
    await link.send('env', envelope);
  }, { to: to.fingerprint, conversationId, recipients: recipients.map((r) => r.spki), content, messageId, bytes });
}

const texts = (messages) => messages.filter((m) => m.t === 'text').map((m) => m.body);

test('envelopes with out-of-range clocks are refused; the conversation and its ordering keep working', async () => {
  const [bob, mallory] = await pair(BOB, MALLORY);
  const conversationId = await conversationWith(bob, MALLORY);
  assert.equal(conversationId, hostile.conversation_id);
  for (const vector of hostile.envelopes) await sendRaw(mallory, BOB, { bytes: vector.envelope });
  await sendRaw(mallory, BOB, { conversationId, recipients: [BOB], content: { t: 'text', body: 'normal after the attack' } });
  const received = await untilStored(bob, conversationId, (m) => texts(m).includes('normal after the attack'), { what: 'the normal message' });
  const accepted = hostile.envelopes.filter((v) => v.accepted).map((v) => v.body);
  assert.deepEqual(texts(received).sort(), [...accepted, 'normal after the attack'].sort());
  // A counter at 2^53 - 1 was stored but not adopted: Bob can still send.
  const counter = await lamport(bob, conversationId);
  assert.ok(counter < 2 ** 33, `Bob's counter stayed sane (${counter})`);
  await send(bob, conversationId, 'bob still sends');
  await untilStored(mallory, conversationId, (m) => texts(m).includes('bob still sends'), { what: 'Bob’s reply at Mallory' });
  // And the conversation renders, every message in its place.
  await bob.click('#nav-chats');
  await bob.click(`.chat-item[data-conversation="${conversationId}"]`);
  await bob.waitForSelector('.message .body:text("bob still sends")');
  assert.equal(await bob.locator('.message.broken').count(), 0);
  assert.deepEqual(bob.problems.filter((p) => p.startsWith('pageerror')), []);
});

test('malformed contents are refused before they are stored, and what follows arrives', async () => {
  const [bob, mallory] = await pair(BOB, MALLORY);
  const conversationId = await conversationWith(bob, MALLORY);
  const file = { t: 'file', fileId: 'ab'.repeat(16), name: 'x', size: 1000, chunkSize: 262144, chunks: 1, key: `${'A'.repeat(43)}=`, root: 'cd'.repeat(32) };
  for (const content of [
    { ...file, mime: 5 }, // used to throw in the view after being stored
    { ...file, mime: 'image/png', name: { toString: 1 } },
    { t: 'group-update', group: { id: 'ab'.repeat(16), members: 'everyone' } },
    { t: 'text', body: { html: '<b>x</b>' } },
    { t: 'text', body: 'x'.repeat(70_000) },
    { t: 'call', video: 'yes', outcome: 'ended' },
  ]) {
    await sendRaw(mallory, BOB, { conversationId, recipients: [BOB], content });
  }
  await sendRaw(mallory, BOB, { conversationId, recipients: [BOB], content: { t: 'text', body: 'well formed' } });
  const received = await untilStored(bob, conversationId, (m) => texts(m).includes('well formed'), { what: 'the well-formed message' });
  assert.deepEqual(received.map((m) => m.t), ['text'], 'nothing malformed was stored');
  await bob.click('#nav-chats');
  await bob.click(`.chat-item[data-conversation="${conversationId}"]`);
  await bob.waitForSelector('.message .body:text("well formed")');
  assert.deepEqual(bob.problems.filter((p) => p.startsWith('pageerror')), []);
});

/** Alice creates a group with `members` (her contacts) and waits until each has it. */
async function groupOf(alice, members, pages) {
  const groupId = (await createGroup(alice, 'Book club', members)).id;
  for (const page of pages) {
    await until(() => knownGroup(page, groupId), Boolean, { timeout: 30_000 });
  }
  return groupId;
}

const groupConversation = async (page, groupId) => (await knownGroup(page, groupId)).conversationId;

test('a member who reuses another member’s message id cannot shadow that message', async () => {
  const pages = await contactsAround(browser, server.url, [ALICE, BOB, MALLORY], LOCAL);
  const [alice, , mallory] = pages;
  let bob = pages[1];
  const groupId = await groupOf(alice, [BOB, MALLORY], [bob, mallory]);
  const conversationId = await groupConversation(alice, groupId);
  // Bob goes away; Alice writes to the group; only Mallory receives it.
  const bobContext = bob.context();
  await bob.close();
  await send(alice, conversationId, 'the real message');
  const atMallory = await untilStored(mallory, conversationId, (m) => texts(m).includes('the real message'), { what: 'Alice’s message at Mallory' });
  const realId = atMallory.find((m) => m.body === 'the real message').id;
  await alice.context().close();
  // Mallory's client sends Bob an envelope of her own with that id the
  // moment their session comes up, before the sync forwards Alice's.
  await mallory.evaluate(async ({ realId, conversationId, recipients, bob }) => {
    const { app } = await import('./js/facade.js');
    const { decode, fromHex, utf8 } = await import('./js/core/encoding.js');
    const { envelope } = await app.cryptoClient.sealEnvelope({
      recipients: recipients.map((r) => decode(r)), conversationId: fromHex(conversationId), timestampMs: Date.now(), lamport: 99,
      content: utf8(JSON.stringify({ t: 'text', body: 'shadow' })), messageId: fromHex(realId),
    });
    app.sessions.onUp((fingerprint, link) => {
      if (fingerprint === bob) link.send('env', envelope);
    });
  }, { realId, conversationId, recipients: [BOB.spki, ALICE.spki], bob: BOB.fingerprint });
  bob = await bobContext.newPage();
  await bob.goto(server.url);
  await login(bob, BOB.username, BOB.password);
  const atBob = await untilStored(bob, conversationId, (m) => texts(m).includes('the real message'), { what: 'Alice’s message at Bob', timeout: 60_000 });
  const real = atBob.find((m) => m.body === 'the real message');
  assert.equal(real.sender, ALICE.fingerprint);
  assert.equal(real.id, realId);
  // Mallory's envelope is hers, shown as hers, and shadows nothing.
  const shadow = atBob.find((m) => m.body === 'shadow');
  if (shadow) assert.equal(shadow.sender, MALLORY.fingerprint);
});

test('a member who reuses a file id gets a file of her own, never the bytes of another’s message', async () => {
  const [alice, bob, mallory] = await contactsAround(browser, server.url, [ALICE, BOB, MALLORY], LOCAL);
  const groupId = await groupOf(alice, [BOB, MALLORY], [bob, mallory]);
  const conversationId = await groupConversation(alice, groupId);
  await attach(alice, conversationId, { name: 'minutes.txt', type: 'text/plain', bytes: Buffer.from('alice’s real bytes') });
  const fileComplete = (page, owner) => until(async () => {
    const file = (await files(page, conversationId)).find((f) => f.sender === owner);
    return file && (await transferStatus(page, file.sender, file.fileId))?.state === 'complete';
  }, Boolean, { timeout: 30_000 });
  await fileComplete(bob, ALICE.fingerprint);
  await fileComplete(mallory, ALICE.fingerprint);
  // Mallory announces "her" file under Alice's file id, with another name.
  await mallory.evaluate(async (id) => {
    const { app } = await import('./js/facade.js');
    const alices = (await app.chat.history(id)).find((m) => m.content.t === 'file');
    const { t, n, ...info } = alices.content;
    await app.chat.send(id, { t: 'file', ...info, name: 'invoice.exe', mime: 'application/octet-stream', thumb: null });
  }, conversationId);
  await untilStored(bob, conversationId, (m) => m.filter((x) => x.t === 'file').length === 2, { what: 'both announcements at Bob' });
  const text = (file) => fileBytes(bob, conversationId, file).then((data) => new TextDecoder().decode(data), (error) => `refused: ${error.code}`);
  const outcome = await Promise.all((await files(bob, conversationId)).map(async (f) => ({ sender: f.sender, name: f.name, bytes: await text(f) })));
  const alices = outcome.find((f) => f.sender === ALICE.fingerprint);
  const mallorys = outcome.find((f) => f.sender === MALLORY.fingerprint);
  assert.equal(alices.bytes, 'alice’s real bytes');
  assert.notEqual(mallorys.bytes, 'alice’s real bytes', 'Mallory’s message never opens Alice’s file');
  assert.match(mallorys.bytes, /^refused/);
});

test('a squatted group id is refused, and the real creator’s invitation still arrives', async () => {
  const alice = await loggedIn(browser, server.url, ALICE, LOCAL);
  const bob = await loggedIn(browser, server.url, BOB, LOCAL);
  const mallory = await loggedIn(browser, server.url, MALLORY, LOCAL);
  await addContact(alice, BOB, 'Bob');
  await addContact(alice, MALLORY, 'Mallory');
  await addContact(bob, ALICE, 'Alice');
  await addContact(bob, MALLORY, 'Mallory');
  await addContact(mallory, ALICE, 'Alice');
  await addContact(mallory, BOB, 'Bob');
  await Promise.all([waitOnline(alice, BOB), waitOnline(alice, MALLORY), waitOnline(bob, MALLORY)]);
  // Alice's group starts with Mallory alone; Mallory learns its id...
  const groupId = await groupOf(alice, [MALLORY], [mallory]);
  // ...and invites Bob to "her" group of that id before Alice adds him.
  const bobConversation = await conversationWith(mallory, BOB);
  await mallory.evaluate(async ({ groupId, conversationId, me, bob }) => {
    const { app } = await import('./js/facade.js');
    const { toHex, encode } = await import('./js/core/encoding.js');
    const nonce = toHex(crypto.getRandomValues(new Uint8Array(16)));
    const secret = encode(crypto.getRandomValues(new Uint8Array(32)));
    const group = { id: groupId, nonce, secret, name: 'Book club', creator: me.fingerprint, epoch: 7, members: [me, bob] };
    await app.chat.send(conversationId, { t: 'group-invite', group });
  }, { groupId, conversationId: bobConversation, me: { fingerprint: MALLORY.fingerprint, spki: MALLORY.spki }, bob: { fingerprint: BOB.fingerprint, spki: BOB.spki } });
  await until(() => refusedGroups(bob), (refused) => refused.length > 0, { timeout: 30_000 });
  const refused = await refusedGroups(bob);
  assert.match(refused[0].why, /does not belong to its creator/);
  assert.equal(!!(await knownGroup(bob, groupId)), false);
  // Alice adds Bob: he joins her group, with her as its creator.
  await addMember(alice, groupId, BOB);
  await until(async () => (await knownGroup(bob, groupId))?.creator, Boolean, { timeout: 30_000 });
  assert.equal((await knownGroup(bob, groupId)).creator, ALICE.fingerprint);
});

test('a creator who lists a contact under another key is refused', async () => {
  const [bob, mallory] = await pair(BOB, MALLORY);
  await addContact(bob, ALICE, 'Alice (verified)');
  const bobConversation = await conversationWith(mallory, BOB);
  // Mallory's "group" shows Bob's contact Alice, but with Mallory's own key.
  await mallory.evaluate(async ({ conversationId, me, bob, alice }) => {
    const { app } = await import('./js/facade.js');
    const { toHex, encode } = await import('./js/core/encoding.js');
    const nonce = crypto.getRandomValues(new Uint8Array(16));
    const id = await app.cryptoClient.groupId(me.fingerprint, nonce);
    const group = {
      id, nonce: toHex(nonce), secret: encode(crypto.getRandomValues(new Uint8Array(32))), name: 'Family', creator: me.fingerprint, epoch: 1,
      members: [me, bob, { fingerprint: alice, spki: me.spki }],
    };
    await app.chat.send(conversationId, { t: 'group-invite', group });
  }, { conversationId: bobConversation, me: { fingerprint: MALLORY.fingerprint, spki: MALLORY.spki }, bob: { fingerprint: BOB.fingerprint, spki: BOB.spki }, alice: ALICE.fingerprint });
  await until(() => refusedGroups(bob), (refused) => refused.length > 0, { timeout: 30_000 });
  const state = { groups: (await groupList(bob)).length, why: (await refusedGroups(bob))[0].why };
  assert.equal(state.groups, 0);
  assert.match(state.why, /key does not match its fingerprint/);
});

test('unknown and oversized frames drop only that session, which comes back and carries messages', async () => {
  const [bob, mallory] = await pair(BOB, MALLORY);
  const conversationId = await conversationWith(bob, MALLORY);
  for (const [type, size] of [['junk', 10], ['typing', 4096]]) {
    await mallory.evaluate(async ({ bob, type, size }) => {
      const { app } = await import('./js/facade.js');
      window.attacked = app.sessions.linkTo(bob);
      await window.attacked.send(type, new Uint8Array(size)).catch(() => {});
    }, { bob: BOB.fingerprint, type, size });
    // Bob drops the session: Mallory sees it end.
    await waitInPage(mallory, () => window.attacked.state === 'closed', null, { what: `the session to end after a ${type} frame of ${size} bytes` });
    await Promise.all([waitOnline(bob, MALLORY), waitOnline(mallory, BOB)]);
  }
  await send(mallory, conversationId, 'after the bad frames');
  await untilStored(bob, conversationId, (m) => texts(m).includes('after the bad frames'), { what: 'a message after the bad frames' });
});

test('the bulk channel takes only sealed-elsewhere frames: an unsealed envelope, garbage or a control frame there drops only that session', async () => {
  const bob = await loggedIn(browser, server.url, BOB, LOCAL);
  const mallory = await loggedIn(browser, server.url, MALLORY, LOCAL);
  // Mallory's client keeps a hand on each connection's second (bulk) channel.
  await mallory.evaluate(() => {
    window.bulks = [];
    const create = RTCPeerConnection.prototype.createDataChannel;
    RTCPeerConnection.prototype.createDataChannel = function patched(label, options) {
      const channel = create.call(this, label, options);
      if (label === 'trustero-bulk') window.bulks.push({ pc: this, channel });
      return channel;
    };
  });
  await addContact(bob, MALLORY, 'them');
  await addContact(mallory, BOB, 'them');
  await Promise.all([waitOnline(bob, MALLORY), waitOnline(mallory, BOB)]);
  const conversationId = await conversationWith(bob, MALLORY);
  for (const attack of ['envelope', 'garbage', 'bye']) {
    await mallory.evaluate(async ({ bob, attack }) => {
      const { app } = await import('./js/facade.js');
      const { encodeFrame, KIND } = await import('./js/net/framing.js');
      window.attacked = app.sessions.linkTo(bob);
      const { channel } = window.bulks.find((b) => b.pc === window.attacked.pc);
      const frames = {
        // A frame the first channel would only take sealed under the session keys.
        envelope: encodeFrame({ kind: KIND.WHOLE, id: 1, total: 3, type: 'env', data: new Uint8Array(3) }),
        garbage: Uint8Array.of(0xff, 1, 2, 3),
        bye: encodeFrame({ kind: KIND.BYE }),
      };
      channel.send(frames[attack]);
    }, { bob: BOB.fingerprint, attack });
    await waitInPage(mallory, () => window.attacked.state === 'closed', null, { what: `the session to end after ${attack} on the bulk channel` });
    await Promise.all([waitOnline(bob, MALLORY), waitOnline(mallory, BOB)]);
  }
  assert.equal((await stored(bob, conversationId)).length, 0, 'nothing from the bulk channel was taken as a message');
  await send(mallory, conversationId, 'after the bulk attacks');
  await untilStored(bob, conversationId, (m) => texts(m).includes('after the bulk attacks'), { what: 'a message after the bulk attacks' });
});

test('a file announcement with a tiny chunk size or a huge size is refused; the tab stays responsive', async () => {
  const [bob, mallory] = await pair(BOB, MALLORY);
  const conversationId = await conversationWith(bob, MALLORY);
  const file = { t: 'file', fileId: 'ef'.repeat(16), name: 'x.bin', mime: 'application/octet-stream', key: `${'A'.repeat(43)}=`, root: 'cd'.repeat(32), thumb: null };
  for (const content of [
    { ...file, size: 64 * 1024 * 1024, chunkSize: 1, chunks: 64 * 1024 * 1024 },
    { ...file, size: 2 ** 52, chunkSize: 262144, chunks: 2 ** 52 / 262144 },
  ]) {
    await sendRaw(mallory, BOB, { conversationId, recipients: [BOB], content });
  }
  await sendRaw(mallory, BOB, { conversationId, recipients: [BOB], content: { t: 'text', body: 'still here' } });
  const received = await untilStored(bob, conversationId, (m) => texts(m).includes('still here'), { what: 'the message after the announcements' });
  assert.deepEqual(received.map((m) => m.t), ['text']);
  // The page answers at once: no 67-million-chunk bookkeeping is running.
  assert.equal(await bob.evaluate(() => 1 + 1), 2);
  assert.deepEqual(bob.problems.filter((p) => p.startsWith('pageerror')), []);
});

test('a display name travels with messages; the login username never does', async () => {
  const [bob, mallory] = await pair(BOB, MALLORY);
  const conversationId = await conversationWith(bob, MALLORY);
  await mallory.click('#nav-identity');
  await mallory.fill('#display-name', 'Mal');
  await mallory.click('#display-name-save');
  await mallory.waitForSelector('#display-name-message:text("Saved")');
  await send(mallory, conversationId, 'hello');
  await untilStored(bob, conversationId, (m) => texts(m).includes('hello'), { what: 'the message' });
  assert.equal(await memberName(bob, conversationId, MALLORY), 'Mal');
  const raw = JSON.stringify(await contents(bob, conversationId));
  assert.ok(!raw.includes(MALLORY.username), 'the username is not in any message');
});
