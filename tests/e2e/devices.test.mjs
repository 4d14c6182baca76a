// Your identity on every device (issue 11, first part): contacts and groups
// follow the login. Each device is its own browser context (its own IndexedDB), with
// the app's default settings: the public relays are unreachable here, and
// builder serve's own relay carries the roaming profile.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, serve, waitInPage } from './harness.mjs';
import { ALICE, BOB, CAROL, tab } from './network-helpers.mjs';
import * as helpers from './mailbox-helpers.mjs';
import { send, untilStored } from './chat-helpers.mjs';

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

const facade = (page, fn, arg) => page.evaluate(async ({ fn, arg }) => new Function('app', 'arg', `return (${fn})(app, arg)`)((await import('./js/facade.js')).app, arg), { fn: fn.toString(), arg });

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

test('a fresh device restores a group with its secret and membership, and chats in it', async () => {
  const uma = await helpers.person(browser, UMA);
  const umaPage = await helpers.arrive(uma, server.url);
  await addContact(umaPage, TESS, 'Tess');
  const laptop = await device();
  const laptopPage = await arrive(laptop);
  await addContact(laptopPage, UMA, 'Uma');
  const created = await facade(laptopPage, async (app, fp) => {
    const g = await app.groups.create('Trip', [fp]);
    return { id: g.id, secret: g.secret, members: g.members.map((m) => m.fingerprint) };
  }, UMA.fingerprint);
  await waitInPage(umaPage, async (id) => !!(await import('./js/facade.js')).app.groups.get(id), created.id, { what: 'the invitation at Uma', timeout: 60_000 });
  await waitInPage(laptopPage, async () => (await import('./js/facade.js')).app.profile.pending() === 0, undefined, { what: 'the laptop’s profile on the relay' });
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

  await send(phonePage, restored.conversationId, 'from the phone');
  const umaConv = await umaPage.evaluate(async (id) => (await import('./js/facade.js')).app.groups.get(id).conversationId, created.id);
  await untilStored(umaPage, umaConv, (m) => m.some((x) => x.body === 'from the phone'), { timeout: 60_000, what: 'the phone’s group message at Uma' });
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
  await laptopPage.fill('#settings-mailbox-days', '7');
  await laptopPage.click('#settings-save');
  await laptopPage.waitForSelector('#settings-message:text("Saved")');
  await tab(laptopPage, 'identity');
  await laptopPage.fill('#display-name', 'Tess');
  await laptopPage.click('#display-name-save');
  await waitInPage(laptopPage, async () => (await import('./js/facade.js')).app.profile.pending() === 0, undefined, { what: 'the laptop’s settings on the relay' });

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
});
