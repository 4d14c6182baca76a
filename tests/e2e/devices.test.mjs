// Your identity on every device (issue 11, first part): contacts and groups
// follow the login. Each device is its own browser context (its own IndexedDB), with
// the app's default settings: the public relays are unreachable here, and
// builder serve's own relay carries the roaming profile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, serve, waitInPage } from './harness.mjs';
import { ALICE, BOB, CAROL, tab } from './network-helpers.mjs';
import * as helpers from './mailbox-helpers.mjs';
import { conversationWith, openChat, send, untilStored } from './chat-helpers.mjs';
import { answer, untilReceived } from './call-helpers.mjs';
import { startNostrRelay } from './servers.mjs';

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

/** What a device shows of a contact (null: not in its list). */
function contactOn(page, fingerprint) {
  return page.evaluate(async (fp) => {
    const friend = (await import('./js/facade.js')).app.contacts.get(fp);
    return friend ? { nickname: friend.nickname, roomPassword: friend.roomPassword, verified: friend.verified } : null;
  }, fingerprint);
}

/** Adds `who` through the contact form, as a user would. */
async function addContact(page, who, nickname, roomPassword = '') {
  await tab(page, 'contacts');
  await page.fill('#contact-key', `${server.url}#add=${Buffer.from(who.spki, 'base64').toString('base64url')}&mb=${who.mailbox_key}`);
  await page.fill('#contact-nickname', nickname);
  await page.fill('#contact-room-password', roomPassword);
  await page.click('#add-contact-button');
  await page.waitForSelector(`.contact[data-fingerprint="${who.fingerprint}"]`, { state: 'attached' });
}

/** Waits until a device shows `expected` for a contact (null: absent). */
function untilContact(page, fingerprint, expected, what) {
  return waitInPage(
    page,
    async ({ fp, expected }) => {
      const friend = (await import('./js/facade.js')).app.contacts.get(fp);
      const shown = friend ? { nickname: friend.nickname, roomPassword: friend.roomPassword, verified: friend.verified } : null;
      return JSON.stringify(shown) === JSON.stringify(expected);
    },
    { fp: fingerprint, expected },
    { what, timeout: 60_000 },
  );
}

const facade = (page, fn, arg) =>
  page.evaluate(async ({ fn, arg }) => new Function('app', 'arg', `return (${fn})(app, arg)`)((await import('./js/facade.js')).app, arg), {
    fn: fn.toString(),
    arg,
  });

test('a fresh device restores the contacts with their nicknames, room passwords and verification', async () => {
  const laptop = await device();
  const page = await arrive(laptop);
  await addContact(page, UMA, 'Uma', 'blue heron');
  await facade(page, (app, fp) => app.contacts.setVerified(fp, true), UMA.fingerprint);
  await waitInPage(page, async () => (await import('./js/facade.js')).app.profile.pending() === 0, undefined, { what: 'the laptop’s profile on the relay' });

  const phone = await device();
  const phonePage = await arrive(phone);
  await untilContact(phonePage, UMA.fingerprint, { nickname: 'Uma', roomPassword: 'blue heron', verified: true }, 'Uma on the new device');
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
  await untilContact(phonePage, VERA.fingerprint, { nickname: 'Vera', roomPassword: '', verified: false }, 'Vera on the phone');
  await untilContact(phonePage, UMA.fingerprint, { nickname: 'Uma', roomPassword: '', verified: false }, 'Uma on the phone');

  // The only reachable relay (builder serve's) goes away: both devices edit offline.
  await server.stop();
  await facade(laptopPage, (app, fp) => app.contacts.rename(fp, 'Uma from the laptop'), UMA.fingerprint);
  await facade(laptopPage, (app, fp) => app.contacts.remove(fp), VERA.fingerprint);
  await facade(phonePage, (app, fp) => app.contacts.rename(fp, 'Uma from the phone'), UMA.fingerprint);
  await facade(phonePage, (app, fp) => app.contacts.setVerified(fp, true), UMA.fingerprint);

  const restarted = await serve({ port: server.port, dataDir: server.dataDir });
  try {
    // The phone's rename came last: it wins on both; the laptop's removal and the phone's verification both hold.
    const expected = { nickname: 'Uma from the phone', roomPassword: '', verified: true };
    await untilContact(laptopPage, UMA.fingerprint, expected, 'the laptop converged');
    await untilContact(phonePage, UMA.fingerprint, expected, 'the phone converged');
    await untilContact(phonePage, VERA.fingerprint, null, 'Vera removed on the phone too');
    assert.equal(await contactOn(laptopPage, VERA.fingerprint), null);
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
  const created = await facade(
    laptopPage,
    async (app, fp) => {
      const g = await app.groups.create('Trip', [fp]);
      return { id: g.id, secret: g.secret, members: g.members.map((m) => m.fingerprint) };
    },
    UMA.fingerprint,
  );
  await waitInPage(umaPage, async (id) => !!(await import('./js/facade.js')).app.groups.get(id), created.id, {
    what: 'the invitation at Uma',
    timeout: 60_000,
  });
  // Uma's first group message hands her group key over (to the laptop: the phone does not exist yet).
  const umaConv = await umaPage.evaluate(async (id) => (await import('./js/facade.js')).app.groups.get(id).conversationId, created.id);
  await send(umaPage, umaConv, 'from uma, before the phone');
  await untilStored(laptopPage, umaConv, (m) => m.some((x) => x.body === 'from uma, before the phone'), {
    timeout: 60_000,
    what: 'Uma’s message at the laptop',
  });
  await waitInPage(laptopPage, async () => (await import('./js/facade.js')).app.profile.pending() === 0, undefined, {
    what: 'the laptop’s profile on the relay',
  });
  await helpers.leave(laptop);

  const phone = await device();
  const phonePage = await arrive(phone);
  const restored = await waitInPage(
    phonePage,
    async (id) => {
      const g = (await import('./js/facade.js')).app.groups.get(id);
      return g && { secret: g.secret, members: g.members.map((m) => m.fingerprint), conversationId: g.conversationId };
    },
    created.id,
    { what: 'the group on the new device', timeout: 60_000 },
  );
  assert.equal(restored.secret, created.secret);
  assert.deepEqual(restored.members, created.members);

  // Restored from the profile (a relay could have served an old record), the
  // group is provisional: nothing can be sent in it until a member confirms
  // its epoch — here Uma, the only other member, in the backlog sync she
  // sends the phone (chat/groups.js).
  await waitInPage(phonePage, async (id) => !(await import('./js/facade.js')).app.groups.isProvisional(id), created.id, {
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
  const { phoneId, storeName } = await phonePage.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    return { phoneId: app.devices.self, storeName: app.identity.storeName };
  });
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
  await waitInPage(laptopPage, async () => (await import('./js/facade.js')).app.profile.pending() === 0, undefined, {
    what: 'the laptop’s settings on the relay',
  });

  const phone = await device();
  const phonePage = await arrive(phone);
  await waitInPage(
    phonePage,
    async () => {
      const { app } = await import('./js/facade.js');
      return app.settings.mailboxDays === 7 && app.preferences.displayName === 'Tess';
    },
    undefined,
    { what: 'the settings on the new device', timeout: 60_000 },
  );
  await tab(phonePage, 'settings');
  assert.equal(await phonePage.inputValue('#settings-mailbox-days'), '7');
  // My identity shows the name that roamed in (saving a stale empty field would erase it everywhere).
  await tab(phonePage, 'identity');
  assert.equal(await phonePage.inputValue('#display-name'), 'Tess');
});

/** Waits until a device of Tess is connected to `count` other devices of hers. */
const untilOwnDevices = (page, count, what) =>
  waitInPage(page, async (n) => (await import('./js/facade.js')).app.chat.ownDevicesOnline() >= n, count, { what, timeout: 60_000 });

/** A conversation's unread count on a device. */
const unreadOn = (page, conversationId) => facade(page, (app, id) => app.chat.conversation(id)?.unread ?? -1, conversationId);

test('two devices online at once: a friend’s message reaches both, one sent from the laptop shows on the phone with its ticks, reading on the phone clears the laptop; a group call rings both and answering on the phone stops the laptop', async () => {
  const { uma, umaPage, laptop, laptopPage } = await umaAndLaptop();
  const phone = await device();
  const phonePage = await arrive(phone);
  await untilContact(phonePage, UMA.fingerprint, { nickname: 'Uma', roomPassword: '', verified: false }, 'Uma on the phone');
  // Both of Tess's devices meet each other and Uma; Uma sees one contact, online.
  await untilOwnDevices(laptopPage, 1, 'the laptop connected to the phone');
  await untilOwnDevices(phonePage, 1, 'the phone connected to the laptop');
  for (const page of [laptopPage, phonePage]) {
    await waitInPage(page, async (fp) => (await import('./js/facade.js')).app.sessions.isOnline(fp), UMA.fingerprint, {
      what: 'Uma online for Tess',
      timeout: 60_000,
    });
  }
  await waitInPage(umaPage, async (fp) => (await import('./js/facade.js')).app.sessions.linksTo(fp).length === 2, TESS.fingerprint, {
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
  assert.ok((await unreadOn(laptopPage, laptopConv)) > 0, 'unread on the laptop');
  await openChat(phonePage, UMA);
  await waitInPage(laptopPage, async (id) => (await import('./js/facade.js')).app.chat.conversation(id).unread === 0, laptopConv, {
    what: 'the laptop’s unread count cleared by reading on the phone',
    timeout: 30_000,
  });

  // A group call from Uma rings both of Tess's devices (each reached over
  // the pair room and the group room); the phone answers, the laptop stops.
  const group = await facade(umaPage, async (app, fp) => (await app.groups.create('Calls', [fp])).id, TESS.fingerprint);
  for (const page of [laptopPage, phonePage]) {
    await waitInPage(page, async (id) => !!(await import('./js/facade.js')).app.groups.get(id), group, {
      what: 'the group on each of Tess’s devices',
      timeout: 60_000,
    });
  }
  const umaGroupConv = await facade(umaPage, (app, id) => app.groups.get(id).conversationId, group);
  await facade(umaPage, (app, id) => app.calls.start(id, { video: false }).then(() => true), umaGroupConv);
  await Promise.all([laptopPage, phonePage].map((page) => page.waitForSelector('#call[data-state="incoming"]', { timeout: 30_000 })));
  await answer(phonePage);
  await laptopPage.waitForSelector('#call[data-state="ended"]', { timeout: 30_000 });
  assert.equal(await laptopPage.textContent('#call .call-status'), 'Answered on another device');
  assert.equal(await facade(laptopPage, (app) => app.calls.current()?.id ?? null), null);
  // The media is between Uma and the phone.
  await untilReceived(umaPage, TESS, (stats) => stats.state === 'joined' && stats.audioEnergy > 0, { what: 'sound from the phone at Uma' });
  await untilReceived(phonePage, UMA, (stats) => stats.state === 'joined' && stats.audioEnergy > 0, { what: 'sound from Uma on the phone' });
  await facade(phonePage, (app) => app.calls.hangup());
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
    const online = (page, what) =>
      waitInPage(page, async (fp) => (await import('./js/facade.js')).app.sessions.isOnline(fp), UMA.fingerprint, { what, timeout: 60_000 });
    await online(laptopPage, 'Uma online on the laptop');

    const phone = await device();
    const phonePage = await arrive(phone);
    await untilContact(phonePage, UMA.fingerprint, { nickname: 'Uma', roomPassword: '', verified: false }, 'Uma on the phone');
    await online(phonePage, 'Uma online on the phone (long before her next keepalive announce)');
    await waitInPage(umaPage, async (fp) => (await import('./js/facade.js')).app.sessions.linksTo(fp).length === 2, TESS.fingerprint, {
      what: 'Uma connected to both of Tess’s devices',
      timeout: 30_000,
    });
    const attempts = await facade(laptopPage, (app) => app.contacts.failedAttempts().length);
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
  await waitInPage(laptopPage, async (fp) => (await import('./js/facade.js')).app.sessions.isOnline(fp), UMA.fingerprint, {
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
  await facade(
    laptopPage,
    (app, id) => app.transfers.attach(id, new File([new Uint8Array(300_000).fill(7)], 'notes.bin', { type: 'application/octet-stream' })).then(() => true),
    laptopConv,
  );
  const before = await untilStored(laptopPage, laptopConv, (m) => m.length === count + 1 && m.filter((x) => x.mine).every((x) => x.state === 'delivered'), {
    timeout: 60_000,
    what: 'the laptop’s history delivered',
  });
  await helpers.leave(uma);
  // What the laptop leaves on the relays for its other devices is out first
  // (each connection to a relay takes a browser a second or more to open).
  // History still on its way when a new device starts reaches it live, and
  // lands after what it holds (docs/mailbox.md "Our own history").
  await waitInPage(laptopPage, async () => (await import('./js/facade.js')).app.chat.settled(), undefined, {
    what: 'the laptop’s history on the relay',
    timeout: 60_000,
  });

  const phone = await device();
  const phonePage = await arrive(phone);
  const phoneConv = await waitInPage(phonePage, async (fp) => (await import('./js/facade.js')).app.contacts.get(fp)?.conversationId, UMA.fingerprint, {
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
  const bytes = await waitInPage(
    phonePage,
    async (id) => {
      const { app } = await import('./js/facade.js');
      const file = (await app.chat.history(id, { limit: 1000 })).find((m) => m.content.t === 'file');
      if (!file || app.transfers.status(file.sender, file.content.fileId)?.state !== 'complete') return null;
      const data = new Uint8Array(await (await app.transfers.blob(file.sender, file.content)).arrayBuffer());
      return { size: data.length, allSevens: data.every((b) => b === 7) };
    },
    phoneConv,
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
  await waitInPage(laptopPage, async (id) => (await import('./js/facade.js')).app.chat.conversation(id).unread === 0, laptopConv, {
    what: 'read on the laptop',
  });
  await waitInPage(
    laptopPage,
    async () => {
      const { app } = await import('./js/facade.js');
      return app.chat.settled() && app.profile.pending() === 0;
    },
    undefined,
    { what: 'the laptop’s history and profile on the relay', timeout: 30_000 },
  );
  await helpers.leave(laptop);

  const phone = await device();
  const phonePage = await arrive(phone);
  assert.equal(await facade(phonePage, (app) => app.chat.ownDevicesOnline()), 0, 'no other device of Tess online');
  const phoneConv = await waitInPage(phonePage, async (fp) => (await import('./js/facade.js')).app.contacts.get(fp)?.conversationId, UMA.fingerprint, {
    what: 'Uma on the phone',
    timeout: 60_000,
  });
  const after = await untilStored(phonePage, phoneConv, (m) => m.length === count && m.filter((x) => x.mine).every((x) => x.state === 'delivered'), {
    timeout: 60_000,
    what: 'the history from the relays on the phone',
  });
  sameHistory(after, before);
  await waitInPage(phonePage, async (id) => (await import('./js/facade.js')).app.chat.conversation(id).unread === 0, phoneConv, {
    what: 'what was read on the laptop read on the phone',
  });
});
