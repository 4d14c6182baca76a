// Helpers of the call tests: start and answer through the UI, and read what
// each side receives through WebRTC's own statistics.

import { openChat, tab } from './chat-helpers.mjs';
import { addContact, waitOnline } from './network-helpers.mjs';

/** Starts a call from the conversation with `who` (a contact or, with `groupId`, a group). */
export async function startCall(page, who, { video = true } = {}) {
  await openChat(page, who);
  await page.click(`.conversation .${video ? 'video-call' : 'voice-call'}`);
  await page.waitForSelector('#call:not([hidden])');
}

/** Answers (or declines) the ringing call through the call screen. */
export async function answer(page, { video = true, decline = false, timeout = 30_000 } = {}) {
  await page.waitForSelector('#call[data-state="incoming"]', { timeout });
  await page.click(decline ? '.call-decline' : video ? '.call-accept' : '.call-accept-audio');
}

/** What `page` receives from participant `who`: {framesDecoded, framesPerSecond, audioEnergy, ...}. */
export function received(page, who) {
  return page.evaluate((fp) => import('./js/app-state.js').then(({ app }) => {
    const p = app.calls.current()?.participants.get(fp);
    return p ? { state: p.state, streams: p.streams.size, ...p.stats } : null;
  }), who.fingerprint);
}

/** Waits until `check(stats)` holds for what `page` receives from `who`. */
export async function untilReceived(page, who, check, { timeout = 20_000, what = 'media' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await received(page, who);
    if (last && check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last stats ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** How much of a stat grows over `ms` (stats refresh once a second). */
export async function growth(page, who, key, ms = 3_000) {
  const before = (await received(page, who))?.[key] ?? 0;
  await new Promise((r) => setTimeout(r, ms));
  return ((await received(page, who))?.[key] ?? 0) - before;
}

export const callState = (page) => page.evaluate(() => document.getElementById('call')?.dataset.state ?? null);

/** Polls `check(arg)` in the page (an async function) until it is true. */
export async function untilTrue(page, check, arg, what, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  while (!(await page.evaluate(check, arg))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The first person befriends the others and makes a group of everyone (the
 * others need not be contacts: they meet in the group's room). Returns with
 * the group conversation open at the first page and every pair connected.
 */
export async function inAGroup(pages, people, name = 'Call club') {
  const [creator, ...members] = people;
  for (const who of members) await addContact(pages[0], who, who.username);
  for (const page of pages.slice(1)) await addContact(page, creator, creator.username);
  await Promise.all(members.map((who) => waitOnline(pages[0], who)));
  await tab(pages[0], 'chats');
  await pages[0].click('#new-group summary');
  await pages[0].fill('#group-name', name);
  for (const who of members) await pages[0].check(`#group-members input[value="${who.fingerprint}"]`);
  await pages[0].click('#create-group');
  await pages[0].waitForSelector('.conversation[data-kind="group"]');
  for (const [i, page] of pages.entries()) {
    for (const who of members) {
      if (i === 0 || who === people[i]) continue;
      await untilTrue(page, async (fp) => {
        const { app } = await import('./js/app-state.js');
        return app.groups.list()[0]?.links?.get(fp)?.state === 'ready';
      }, who.fingerprint, `${people[i].username} and ${who.username} meeting in the group room`);
    }
  }
}
