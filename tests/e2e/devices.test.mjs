// Your identity on every device (issue 11, first part): contacts and groups
// follow the login. Each device is its own browser context (its own IndexedDB), with
// the app's default settings: the public relays are unreachable here, and
// builder serve's own relay carries the roaming profile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, serve, until } from './harness.mjs';
import { ALICE, BOB, CAROL, tab } from './network-helpers.mjs';
import * as helpers from './mailbox-helpers.mjs';
import { conversationWith, openChat, send, untilStored } from './chat-helpers.mjs';
import { answer, untilReceived } from './call-helpers.mjs';
import { startNostrRelay } from './servers.mjs';
import {
  attach, contactOf, conversationIfContact, createGroup, currentCall, failedAttempts, fileBytes, files, hangUp, isOnline, isProvisional, knownGroup, ownDevicesOnline,
  preferences, profilePending, removeContact, renameContact, sessionsWith, setVerified, settings, settled, startCallIn, thisDevice, transferStatus, unread,
} from './driver.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

const TESS = ALICE;
const UMA = BOB;
const VERA = CAROL;
const device = () => helpers.person(browser, TESS);
const arrive = (someone) => helpers.arrive(someone, server.url);

/** Adds `who` through the contact form, as a user would. */
async function addContact(page, who, nickname, roomPassword = '') {
  await tab(page, 'contacts');
  await page.fill('#contact-key', `${server.url}#add=${Buffer.from(who.spki, 'base64').toString('base64url')}&mb=${who.mailbox_key}`);
  await page.fill('#contact-nickname', nickname);
  await page.fill('#contact-room-password', roomPassword);
  await page.click('#add-contact-button');
  await page.waitForSelector(`.contact[data-fingerprint="${who.fingerprint}"]`, { state: 'attached' });
}

/** Waits until a device shows `expected` for the contact `who` (null: absent). */
function untilContact(page, who, expected, what) {
  return until(() => contactOf(page, who), (shown) => JSON.stringify(shown) === JSON.stringify(expected), { what, timeout: 60_000 });
}

test('a fresh device restores the contacts with their nicknames, room passwords and verification', async () => {
  const laptop = await device();
  const page = await arrive(laptop);
  await addContact(page, UMA, 'Uma', 'blue heron');
  await setVerified(page, UMA, true);
  await until(() => profilePending(page), (n) => n === 0, { what: 'the laptop’s profile on the relay' });

  const phone = await device();
  const phonePage = await arrive(phone);
  await untilContact(phonePage, UMA, { nickname: 'Uma', roomPassword: 'blue heron', verified: true }, 'Uma on the new device');
  await tab(phonePage, 'contacts');
  await phonePage.waitForSelector(`.contact[data-fingerprint="${UMA.fingerprint}"]`, { state: 'attached' });
});

test('edits made on two devices while the relay is down converge once it is back; a contact removed on one stays removed', async () => {
  const laptop = await device();
  const phone = await device();
  const laptopPage = await arrive(laptop);
  await addContact(laptopPage, UMA, 'Uma');
  await addContact(laptopPage, VERA, 'Vera');
  const phonePage = await arrive(phone);
  await untilContact(phonePage, VERA, { nickname: 'Vera', roomPassword: '', verified: false }, 'Vera on the phone');
  await untilContact(phonePage, UMA, { nickname: 'Uma', roomPassword: '', verified: false }, 'Uma on the phone');

  // The only reachable relay (builder serve's) goes away: both devices edit offline.
  await server.stop();
  await renameContact(laptopPage, UMA, 'Uma from the laptop');
  await removeContact(laptopPage, VERA);
  await renameContact(phonePage, UMA, 'Uma from the phone');
  await setVerified(phonePage, UMA, true);

  const restarted = await serve({ port: server.port, dataDir: server.dataDir });
  try {
    // The phone's rename came last: it wins on both; the laptop's removal and the phone's verification both hold.
    const expected = { nickname: 'Uma from the phone', roomPassword: '', verified: true };
    await untilContact(laptopPage, UMA, expected, 'the laptop converged');
    await untilContact(phonePage, UMA, expected, 'the phone converged');
    await untilContact(phonePage, VERA, null, 'Vera removed on the phone too');
    assert.equal(await contactOf(laptopPage, VERA), null);
  } finally {
    await restarted.stop();
  }
});

/** Uma, and Tess's laptop, each with the other as a contact. */
async function umaAndLaptop() {
  const uma = await helpers.person(browser, UMA);
  const umaPage = await helpers.arrive(uma, server.url);
  await addContact(umaPage, TESS, 'Tess');
  const laptop = await device();
  const laptopPage = await arrive(laptop);
  await addContact(laptopPage, UMA, 'Uma');
  return { uma, umaPage, laptop, laptopPage };
}

test('a fresh device restores a group with its secret and membership, and chats in it', async () => {
  const { uma, umaPage, laptop, laptopPage } = await umaAndLaptop();
  const created = await createGroup(laptopPage, 'Trip', [UMA]);
  await until(() => knownGroup(umaPage, created.id), Boolean, {
    what: 'the invitation at Uma',
    timeout: 60_000,
  });
  // Uma's first group message hands her group key over (to the laptop: the phone does not exist yet).
  const umaConv = (await knownGroup(umaPage, created.id)).conversationId;
  await send(umaPage, umaConv, 'from uma, before the phone');
  await untilStored(laptopPage, umaConv, (m) => m.some((x) => x.body === 'from uma, before the phone'), {
    timeout: 60_000,
    what: 'Uma’s message at the laptop',
  });
  await until(() => profilePending(laptopPage), (n) => n === 0, {
    what: 'the laptop’s profile on the relay',
  });
  await helpers.leave(laptop);

  const phone = await device();
  const phonePage = await arrive(phone);
  const restored = await until(() => knownGroup(phonePage, created.id), Boolean, { what: 'the group on the new device', timeout: 60_000 });
  assert.equal(restored.secret, created.secret);
  assert.deepEqual(restored.members, created.members);

  // Restored from the profile (a relay could have served an old record), the
  // group is provisional: nothing can be sent in it until a member confirms
  // its epoch — here Uma, the only other member, in the backlog sync she
  // sends the phone (chat/groups.js).
  await until(() => isProvisional(phonePage, created.id), (provisional) => !provisional, {
    what: 'the restored group confirmed by Uma',
    timeout: 60_000,
  });
  await send(phonePage, restored.conversationId, 'from the phone');
  await untilStored(umaPage, umaConv, (m) => m.some((x) => x.body === 'from the phone'), { timeout: 60_000, what: 'the phone’s group message at Uma' });
  // Uma writes again under the key the phone never received: it asks her for it, and reads.
  await send(umaPage, umaConv, 'from uma, after the phone');
  await untilStored(phonePage, restored.conversationId, (m) => m.some((x) => x.body === 'from uma, after the phone'), {
    timeout: 60_000,
    what: 'Uma’s message, under a key made before the phone, at the phone',
  });
});

test('“My identity” lists the devices by the names given them; one forgotten from another deletes its data and logs out', async () => {
  const laptop = await device();
  const laptopPage = await arrive(laptop);
  await tab(laptopPage, 'identity');
  await laptopPage.fill('#device-name', 'laptop');
  await laptopPage.click('#device-name-save');

  const phone = await device();
  const phonePage = await arrive(phone);
  await tab(phonePage, 'identity');
  await phonePage.waitForSelector('#device-list li.device:has-text("laptop")');
  await phonePage.fill('#device-name', 'phone');
  await phonePage.click('#device-name-save');
  const { id: phoneId, storeName } = await thisDevice(phonePage);
  await laptopPage.waitForSelector(`#device-list li[data-device="${phoneId}"]:has-text("phone")`);

  // Forgotten from the laptop, the phone (online) deletes what it kept and logs out, saying why.
  laptopPage.once('dialog', (dialog) => dialog.accept());
  await laptopPage.click(`[data-forget="${phoneId}"]`);
  await phonePage.waitForSelector('#login-notice:has-text("forgotten")', { timeout: 60_000 });
  const left = await phonePage.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  assert.ok(!left.includes(storeName), 'the identity’s database is gone from the phone');
  await laptopPage.waitForSelector(`#device-list li[data-device="${phoneId}"]`, { state: 'detached' });
});

test('settings and the display name follow the login, and the settings form shows them', async () => {
  const laptop = await device();
  const laptopPage = await arrive(laptop);
  await tab(laptopPage, 'settings');
  if (!(await laptopPage.$eval('#settings', (d) => d.open))) await laptopPage.click('#settings summary');
  await laptopPage.selectOption('#settings-mailbox-days', '7');
  await laptopPage.click('#settings-save');
  await laptopPage.waitForSelector('#settings-message:text("Saved")');
  await tab(laptopPage, 'identity');
  await laptopPage.fill('#display-name', 'Tess');
  await laptopPage.click('#display-name-save');
  await until(() => profilePending(laptopPage), (n) => n === 0, {
    what: 'the laptop’s settings on the relay',
  });

  const phone = await device();
  const phonePage = await arrive(phone);
  await until(
    async () => (await settings(phonePage)).mailboxDays === 7 && (await preferences(phonePage)).displayName === 'Tess',
    Boolean,
    { what: 'the settings on the new device', timeout: 60_000 },
  );
  await tab(phonePage, 'settings');
  assert.equal(await phonePage.inputValue('#settings-mailbox-days'), '7');
  // My identity shows the name that roamed in (saving a stale empty field would erase it everywhere).
  await tab(phonePage, 'identity');
  assert.equal(await phonePage.inputValue('#display-name'), 'Tess');
});

/** Waits until a device of Tess is connected to `count` other devices of hers. */
const untilOwnDevices = (page, count, what) => until(() => ownDevicesOnline(page), (n) => n >= count, { what, timeout: 60_000 });

test('two devices online at once: a friend’s message reaches both, one sent from the laptop shows on the phone with its ticks, reading on the phone clears the laptop; a group call rings both and answering on the phone stops the laptop', async () => {
  const { uma, umaPage, laptop, laptopPage } = await umaAndLaptop();
  const phone = await device();
  const phonePage = await arrive(phone);
  await untilContact(phonePage, UMA, { nickname: 'Uma', roomPassword: '', verified: false }, 'Uma on the phone');
  // Both of Tess's devices meet each other and Uma; Uma sees one contact, online.
  await untilOwnDevices(laptopPage, 1, 'the laptop connected to the phone');
  await untilOwnDevices(phonePage, 1, 'the phone connected to the laptop');
  for (const page of [laptopPage, phonePage]) {
    await until(() => isOnline(page, UMA), Boolean, {
      what: 'Uma online for Tess',
      timeout: 60_000,
    });
  }
  await until(() => sessionsWith(umaPage, TESS), (n) => n === 2, {
    what: 'Uma connected to both of Tess’s devices',
    timeout: 60_000,
  });
  assert.equal(await umaPage.locator(`.contact[data-fingerprint="${TESS.fingerprint}"]`).count(), 1);

  const umaConv = await conversationWith(umaPage, TESS);
  const laptopConv = await conversationWith(laptopPage, UMA);
  const phoneConv = await conversationWith(phonePage, UMA);
  await send(umaPage, umaConv, 'hello both of you');
  for (const [page, name] of [
    [laptopPage, 'laptop'],
    [phonePage, 'phone'],
  ]) {
    const got = await untilStored(page, page === laptopPage ? laptopConv : phoneConv, (m) => m.some((x) => x.body === 'hello both of you'), {
      timeout: 60_000,
      what: `Uma’s message on the ${name}`,
    });
    assert.equal(got.filter((x) => x.body === 'hello both of you').length, 1, `once on the ${name}`);
  }

  await send(laptopPage, laptopConv, 'sent from the laptop');
  const onPhone = await untilStored(
    phonePage,
    phoneConv,
    (m) => m.some((x) => x.body === 'sent from the laptop' && x.mine && ['delivered', 'read'].includes(x.state)),
    {
      timeout: 60_000,
      what: 'the laptop’s message on the phone, as Tess’s, delivered',
    },
  );
  assert.equal(onPhone.find((x) => x.body === 'sent from the laptop').sender, TESS.fingerprint);
  await untilStored(umaPage, umaConv, (m) => m.filter((x) => x.body === 'sent from the laptop').length === 1, { what: 'at Uma, once' });

  // Unread on both; read on the phone, cleared on the laptop.
  assert.ok((await unread(laptopPage, laptopConv)) > 0, 'unread on the laptop');
  await openChat(phonePage, UMA);
  await until(() => unread(laptopPage, laptopConv), (n) => n === 0, {
    what: 'the laptop’s unread count cleared by reading on the phone',
    timeout: 30_000,
  });

  // A group call from Uma rings both of Tess's devices (each reached over
  // the pair room and the group room); the phone answers, the laptop stops.
  const group = (await createGroup(umaPage, 'Calls', [TESS])).id;
  for (const page of [laptopPage, phonePage]) {
    await until(() => knownGroup(page, group), Boolean, {
      what: 'the group on each of Tess’s devices',
      timeout: 60_000,
    });
  }
  const umaGroupConv = (await knownGroup(umaPage, group)).conversationId;
  await startCallIn(umaPage, umaGroupConv, { video: false });
  await Promise.all([laptopPage, phonePage].map((page) => page.waitForSelector('#call[data-state="incoming"]', { timeout: 30_000 })));
  await answer(phonePage);
  await laptopPage.waitForSelector('#call[data-state="ended"]', { timeout: 30_000 });
  assert.equal(await laptopPage.textContent('#call .call-status'), 'Answered on another device');
  assert.equal(await currentCall(laptopPage), null);
  // The media is between Uma and the phone.
  await untilReceived(umaPage, TESS, (stats) => stats.state === 'joined' && stats.audioEnergy > 0, { what: 'sound from the phone at Uma' });
  await untilReceived(phonePage, UMA, (stats) => stats.state === 'joined' && stats.audioEnergy > 0, { what: 'sound from Uma on the phone' });
  await hangUp(phonePage);
  await umaPage.waitForSelector('#call[data-state="ended"]', { timeout: 30_000 });
});

test('a friend already connected to one device of Tess’s answers her new device’s announce over Nostr at once', async () => {
  // Uma signals over a Nostr relay only (it forwards announces, never keeps
  // them), so Tess's phone can reach her only if Uma, who lacks no one since
  // the laptop is connected, offers to the phone's announce; the phone's
  // offers through the tracker can only reach the laptop, which knows it as
  // Tess's own device and does not answer in Uma's room.
  const relay = await startNostrRelay();
  try {
    const uma = await helpers.person(browser, UMA);
    const umaPage = await helpers.arrive(uma, server.url);
    await signalling(umaPage, { relay: relay.url, trackers: false });
    await addContact(umaPage, TESS, 'Tess');
    const laptop = await device();
    const laptopPage = await arrive(laptop);
    await signalling(laptopPage, { relay: relay.url, trackers: true }); // settings roam to the phone
    await addContact(laptopPage, UMA, 'Uma');
    const online = (page, what) => until(() => isOnline(page, UMA), Boolean, { what, timeout: 60_000 });
    await online(laptopPage, 'Uma online on the laptop');

    const phone = await device();
    const phonePage = await arrive(phone);
    await untilContact(phonePage, UMA, { nickname: 'Uma', roomPassword: '', verified: false }, 'Uma on the phone');
    await online(phonePage, 'Uma online on the phone (long before her next keepalive announce)');
    await until(() => sessionsWith(umaPage, TESS), (n) => n === 2, {
      what: 'Uma connected to both of Tess’s devices',
      timeout: 30_000,
    });
    const attempts = await failedAttempts(laptopPage);
    assert.equal(attempts, 0, 'the laptop shows no refused attempt of its own phone');
  } finally {
    await relay.stop();
  }
});

/** Signalling through `relay` (and builder serve's tracker unless `trackers` is false). */
async function signalling(page, { relay, trackers }) {
  await tab(page, 'settings');
  if (!(await page.$eval('#settings', (d) => d.open))) await page.click('#settings summary');
  await page.fill('#settings-trackers', '');
  await page.fill('#settings-relays', relay);
  await page.setChecked('#settings-use-trackers', trackers);
  await page.click('#settings-save');
  await page.waitForSelector('#settings-message:text("Saved")');
}

/**
 * The same messages, each as Tess or Uma sent it. A fresh device orders what
 * a catch-up brings by when it was written; the laptop stored messages as
 * they arrived, which may differ where the two wrote at once, but never
 * within one sender's messages.
 */
function sameHistory(after, before) {
  const summary = (messages) => messages.map((m) => [m.id, m.body, m.mine, m.sender]).sort((a, b) => a[0].localeCompare(b[0]));
  assert.deepEqual(summary(after), summary(before));
  for (const mine of [true, false]) {
    assert.deepEqual(
      after.filter((m) => m.mine === mine).map((m) => m.id),
      before.filter((m) => m.mine === mine).map((m) => m.id),
      mine ? 'Tess’s messages in order' : 'Uma’s messages in order',
    );
  }
}

/**
 * Uma and Tess's laptop, friends, wrote `count` messages in turns (the
 * laptop first); resolves once both are stored where they were written.
 */
async function laptopWithHistory(count) {
  const { uma, umaPage, laptop, laptopPage } = await umaAndLaptop();
  await until(() => isOnline(laptopPage, UMA), Boolean, {
    what: 'Uma online',
    timeout: 60_000,
  });
  const laptopConv = await conversationWith(laptopPage, UMA);
  const umaConv = await conversationWith(umaPage, TESS);
  for (let i = 0; i < count / 2; i += 1) {
    await send(laptopPage, laptopConv, `tess ${i}`);
    await send(umaPage, umaConv, `uma ${i}`);
  }
  return { uma, laptop, laptopPage, laptopConv };
}

test('a fresh device gets the whole history from another device online', async () => {
  const count = 60;
  const { uma, laptop, laptopPage, laptopConv } = await laptopWithHistory(count);
  // A file of 300 KB (more than the mailbox carries), sent from the laptop.
  await attach(laptopPage, laptopConv, { name: 'notes.bin', type: 'application/octet-stream', bytes: Buffer.alloc(300_000, 7) });
  const before = await untilStored(laptopPage, laptopConv, (m) => m.length === count + 1 && m.filter((x) => x.mine).every((x) => x.state === 'delivered'), {
    timeout: 60_000,
    what: 'the laptop’s history delivered',
  });
  await helpers.leave(uma);
  // What the laptop leaves on the relays for its other devices is out first
  // (each connection to a relay takes a browser a second or more to open).
  // History still on its way when a new device starts reaches it live, and
  // lands after what it holds (docs/mailbox.md "Our own history").
  await until(() => settled(laptopPage), Boolean, {
    what: 'the laptop’s history on the relay',
    timeout: 60_000,
  });

  const phone = await device();
  const phonePage = await arrive(phone);
  const phoneConv = await until(() => conversationIfContact(phonePage, UMA), Boolean, {
    what: 'Uma on the phone',
    timeout: 60_000,
  });
  // The same messages, each as Tess or Uma sent it, with the laptop's ticks
  // (copies from the relays and from the laptop merge: a tick only moves on).
  const after = await untilStored(phonePage, phoneConv, (m) => m.length === count + 1 && m.filter((x) => x.mine).every((x) => x.state === 'delivered'), {
    timeout: 60_000,
    what: 'the whole history on the phone, delivered',
  });
  sameHistory(after, before);
  // The file comes from the laptop (Uma is gone), whole.
  const bytes = await until(
    async () => {
      const [file] = await files(phonePage, phoneConv);
      if (!file || (await transferStatus(phonePage, file.sender, file.fileId))?.state !== 'complete') return null;
      const data = await fileBytes(phonePage, phoneConv, file);
      return { size: data.length, allSevens: data.every((b) => b === 7) };
    },
    Boolean,
    { what: 'the laptop’s file on the phone', timeout: 60_000 },
  );
  assert.deepEqual(bytes, { size: 300_000, allSevens: true });
});

test('a fresh device with no other device online gets the history the relays keep, read where it was read', async () => {
  const count = 20;
  const { uma, laptop, laptopPage, laptopConv } = await laptopWithHistory(count);
  const before = await untilStored(laptopPage, laptopConv, (m) => m.length === count && m.filter((x) => x.mine).every((x) => x.state === 'delivered'), {
    timeout: 60_000,
    what: 'the laptop’s history delivered',
  });
  // Read on the laptop; then everything is on the relays and the laptop goes.
  await openChat(laptopPage, UMA);
  await until(() => unread(laptopPage, laptopConv), (n) => n === 0, {
    what: 'read on the laptop',
  });
  await until(async () => (await settled(laptopPage)) && (await profilePending(laptopPage)) === 0, Boolean, {
    what: 'the laptop’s history and profile on the relay',
    timeout: 30_000,
  });
  await helpers.leave(laptop);

  const phone = await device();
  const phonePage = await arrive(phone);
  assert.equal(await ownDevicesOnline(phonePage), 0, 'no other device of Tess online');
  const phoneConv = await until(() => conversationIfContact(phonePage, UMA), Boolean, {
    what: 'Uma on the phone',
    timeout: 60_000,
  });
  const after = await untilStored(phonePage, phoneConv, (m) => m.length === count && m.filter((x) => x.mine).every((x) => x.state === 'delivered'), {
    timeout: 60_000,
    what: 'the history from the relays on the phone',
  });
  sameHistory(after, before);
  await until(() => unread(phonePage, phoneConv), (n) => n === 0, {
    what: 'what was read on the laptop read on the phone',
  });
});
