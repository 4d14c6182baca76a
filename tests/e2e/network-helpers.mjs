// Helpers of the networking tests: log in, point the page at chosen
// signalling servers, befriend, wait. Settings and contacts are set through
// the driver (driver.mjs); the tests of those forms use configureInForm
// and addContactInForm, as a user does.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, login, openPage } from './harness.mjs';
import { addContact, identityOf, saveSettings } from './driver.mjs';

export const identities = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/identity.json'), 'utf8')).vectors;
export const ALICE = identities[0];
export const BOB = identities[1];
export const CAROL = identities[2];
export const MALLORY = identities[4];

/** Shows a section of the home screen (Chats, Contacts, Network, Settings, My identity). */
export async function tab(page, name) {
  await page.click(`#nav-${name}`);
}

/** Text of an element of the Network section, as a user sees it there (hidden sections are not kept current). */
export async function statusText(page, selector) {
  await tab(page, 'network');
  return page.textContent(selector);
}

/** Sets trackers, relays (arrays of URLs), whether builder serve's tracker is used and, if given, the direct connections per group, through the settings form. */
export async function configureInForm(page, { trackers = [], relays = [], local = false, ice = '', groupConnections = null }) {
  await tab(page, 'settings');
  if (!(await page.$eval('#settings', (d) => d.open))) await page.click('#settings summary');
  await page.fill('#settings-trackers', trackers.join('\n'));
  await page.fill('#settings-relays', relays.join('\n'));
  await page.fill('#settings-ice', ice);
  await page.setChecked('#settings-use-trackers', true);
  await page.setChecked('#settings-use-nostr', true);
  await page.setChecked('#settings-use-local-tracker', local);
  if (groupConnections !== null) await page.fill('#settings-group-connections', String(groupConnections));
  await page.click('#settings-save');
  await page.waitForSelector('#settings-message:text("Saved")');
}

/** The same settings, set through the driver (for tests whose subject is not the form). */
export const configure = saveSettings;

/** A page of `who`, logged in and set to `network` (through the settings form with `forms`). */
export async function loggedIn(browser, url, who, network, { forms = false } = {}) {
  const page = await openPage(browser, url);
  await login(page, who.username, who.password, { bits: who.bits });
  await (forms ? configureInForm : configure)(page, network);
  return page;
}

/** Logs in someone who is not in the vectors and fills in `who.fingerprint` and `who.spki` (as addContact takes them). */
export async function loggedInNewcomer(browser, url, who, network) {
  const page = await loggedIn(browser, url, who, network);
  Object.assign(who, await identityOf(page));
  return page;
}

export { addContact };

/** Adds `who` as a contact through the contact form, as a user does. */
export async function addContactInForm(page, who, nickname) {
  await tab(page, 'contacts');
  await page.fill('#contact-key', who.spki);
  await page.fill('#contact-nickname', nickname);
  await page.click('#add-contact-button');
  await page.waitForSelector(`.contact[data-fingerprint="${who.fingerprint}"]`, { state: 'attached' });
}

/**
 * Everyone in `people` logs in; the first adds each of the others as a
 * contact (nicknamed after their username) and each of them adds the first;
 * returns the pages, in the same order, once the first sees everyone online.
 */
export async function contactsAround(browser, url, people, network) {
  const pages = await Promise.all(people.map((who) => loggedIn(browser, url, who, network)));
  const [center, ...others] = people;
  for (const who of others) await addContact(pages[0], who, nickname(who));
  for (const page of pages.slice(1)) await addContact(page, center, nickname(center));
  await Promise.all(others.map((who) => waitOnline(pages[0], who)));
  return pages;
}
const nickname = (who) => who.username[0].toUpperCase() + who.username.slice(1);

/** Waits in the Contacts section (hidden sections are not kept current) until `who` shows online. */
export async function waitOnline(page, who, timeout = 30_000) {
  await tab(page, 'contacts');
  await page.waitForSelector(`.contact.online[data-fingerprint="${who.fingerprint}"]`, { timeout, state: 'attached' });
}

export async function waitOffline(page, who, timeout = 30_000) {
  await tab(page, 'contacts');
  await page.waitForSelector(`.contact.offline[data-fingerprint="${who.fingerprint}"]`, { timeout, state: 'attached' });
}

/** Pings `who` through the contact list; resolves to the text shown ("12.3 ms"). */
export async function ping(page, who) {
  await tab(page, 'contacts');
  await page.click(`[data-ping="${who.fingerprint}"]`);
  const result = `[data-ping-result="${who.fingerprint}"]`;
  // Read in the same step as the check: the list may redraw right after.
  const shown = await page.waitForFunction((selector) => {
    const text = document.querySelector(selector)?.textContent ?? '';
    return / ms$/.test(text) ? text : null;
  }, result);
  return shown.jsonValue();
}

/**
 * Alice and Bob, each with the other as a contact, online over `network`;
 * with `forms`, the settings and contacts go through the forms, as users do.
 */
export async function befriend(browser, url, network, { alice = ALICE, bob = BOB, forms = false } = {}) {
  // Both log in at once: each derivation keeps one core busy for about a second.
  const [a, b] = await Promise.all([alice, bob].map((who) => loggedIn(browser, url, who, network, { forms })));
  await (forms ? addContactInForm : addContact)(a, bob, 'Bob');
  await (forms ? addContactInForm : addContact)(b, alice, 'Alice');
  await Promise.all([waitOnline(a, bob), waitOnline(b, alice)]);
  return [a, b];
}

/** Page errors other than unreachable signalling servers (expected offline). */
export function unexpectedProblems(page) {
  return page.problems.filter((p) => !/WebSocket connection to .* failed/.test(p));
}
