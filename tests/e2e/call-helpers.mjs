// Helpers of the call tests: start and answer through the UI, and read what
// each side receives through WebRTC's own statistics.

import { createGroupInUI, openChat } from './chat-helpers.mjs';
import { TEST_TIMING, until } from './harness.mjs';
import { addContact, waitOnline } from './network-helpers.mjs';
import { isOnline, received } from './driver.mjs';

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

/** Waits until `check(stats)` holds for what `page` receives from `who`. */
export function untilReceived(page, who, check, { timeout = 20_000, what = 'media' } = {}) {
  return until(() => received(page, who), (stats) => !!stats && check(stats), { timeout, what, interval: 250 });
}

/**
 * How much of a stat grows over the next `samples` samplings of the
 * receiver's statistics (taken every TEST_TIMING.statsEveryMs): a
 * measurement window counted in samples, not a sleep.
 */
export async function growth(page, who, key, samples = 3) {
  const every = TEST_TIMING.statsEveryMs;
  const first = await untilReceived(page, who, (s) => s.sampledAt, { what: 'a first sample' });
  const last = await untilReceived(page, who, (s) => s.sampledAt >= first.sampledAt + (samples - 0.5) * every, {
    what: `${samples} more samples`, timeout: samples * every + 10_000,
  });
  return (last[key] ?? 0) - (first[key] ?? 0);
}

export { received };

export const callState = (page) => page.evaluate(() => document.getElementById('call')?.dataset.state ?? null);

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
  await createGroupInUI(pages[0], name, members, pages.slice(1));
  for (const [i, page] of pages.entries()) {
    for (const who of members) {
      if (i === 0 || who === people[i]) continue;
      await until(() => isOnline(page, who), Boolean, {
        what: `${people[i].username} and ${who.username} meeting in the group room`, timeout: 60_000,
      });
    }
  }
}
