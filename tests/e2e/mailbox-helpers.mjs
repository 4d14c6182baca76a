// Helpers of the mailbox tests, soak and benchmark: people with their own
// browser context (closing a page and opening another is leaving and coming
// back: IndexedDB stays), "add me" links of version 2, and waits on ticks.

import { login } from './harness.mjs';
import { configure, tab } from './network-helpers.mjs';
import { untilStored } from './chat-helpers.mjs';

/** Only relays: no tracker, so nobody meets anyone but through them. */
export const relaysOnly = (relays) => ({ trackers: [], relays, local: false, ice: '' });

/** A person: their own browser context, in which pages open and close. */
export async function person(browser, who, { init } = {}) {
  const context = await browser.newContext();
  if (init) await context.addInitScript(init);
  return { who, context, page: null };
}

/** Opens a page at `url` and logs in (the first time, also applies `network`). */
export async function arrive(someone, url, network) {
  someone.page = await someone.context.newPage();
  await someone.page.goto(url);
  await login(someone.page, someone.who.username, someone.who.password, { bits: someone.who.bits });
  if (network) await configure(someone.page, network);
  return someone.page;
}

/** Closes the page, as a user closes the tab: the person is offline. */
export async function leave(someone) {
  await someone.page.close({ runBeforeUnload: true });
  someone.page = null;
}

/** The "add me" link of `who` (version 2, with the mailbox key) on `url`, pasted as a user would. */
export async function addByLink(page, url, who, nickname) {
  const spki = Buffer.from(who.spki, 'base64').toString('base64url');
  await tab(page, 'contacts');
  await page.fill('#contact-key', `${url}#add=${spki}&mb=${who.mailbox_key}`);
  await page.fill('#contact-nickname', nickname);
  await page.click('#add-contact-button');
  await page.waitForSelector(`.contact[data-fingerprint="${who.fingerprint}"]`, { state: 'attached' });
}

/** Our messages in a conversation, once every one of them is in `states`. */
export function untilStates(page, conversationId, states, what, timeout = 60_000) {
  return untilStored(
    page,
    conversationId,
    (m) => m.filter((x) => x.mine).length > 0 && m.filter((x) => x.mine).every((x) => states.includes(x.state)),
    { timeout, what },
  );
}
