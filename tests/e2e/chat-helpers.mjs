// Helpers of the chat tests: open a conversation through the UI, send,
// and read what the app stored, through its own modules.

import { tab } from './network-helpers.mjs';
import { until } from './harness.mjs';
import { conversationWith, firstGroup, hasGroup, send, stored, untilStored } from './driver.mjs';

/** Opens the conversation with `who` (a contact) in the Chats tab. */
export async function openChat(page, who) {
  const id = await conversationWith(page, who);
  await tab(page, 'chats');
  // One click: the list keeps its rows as messages arrive (ui/dom.js keyedRows).
  await page.click(`.chat-item[data-conversation="${id}"]`);
  await page.waitForSelector(`.conversation[data-conversation="${id}"]`);
  return id;
}

/** Types and sends a message in the open conversation `id`. */
export async function type(page, id, text) {
  const box = `.conversation[data-conversation="${id}"] .compose-text`;
  await page.fill(box, text);
  await page.press(box, 'Enter');
}

/**
 * "Nothing twice": sends one more message after the others were delivered
 * and waits for it. Envelopes travel in order on a session, so anything sent
 * before it (a resend that crossed an acknowledgement) has been handled by
 * then; returns the receiver's stored messages without the sentinel.
 */
export async function afterEverything(sender, receiver, conversationId) {
  await send(sender, conversationId, 'sentinel');
  const all = await untilStored(receiver, conversationId, (m) => m.some((x) => x.body === 'sentinel'), { what: 'the sentinel message' });
  return all.filter((m) => m.body !== 'sentinel');
}

/**
 * Creates a group through the UI at `page` (the creator, already connected
 * to each member as a contact) and returns its conversation id once every
 * member page has the invitation.
 */
export async function createGroupInUI(page, name, members, memberPages) {
  await tab(page, 'chats');
  await page.click('#new-group summary');
  await page.fill('#group-name', name);
  for (const who of members) await page.check(`#group-members input[value="${who.fingerprint}"]`);
  await page.click('#create-group');
  await page.waitForSelector('.conversation[data-kind="group"]');
  const conversationId = await firstGroup(page);
  for (const member of memberPages) await until(() => hasGroup(member, conversationId), Boolean, { what: 'the group invitation' });
  // The invitation shows "delivered" only once each member has stored the
  // group durably: a member may close the tab right after (the backlog test).
  for (const member of members) {
    const pair = await conversationWith(page, member);
    await untilStored(page, pair, (m) => m.some((x) => x.t === 'group-invite' && (x.state === 'delivered' || x.state === 'read')), {
      what: 'the group invitation delivered',
    });
  }
  return conversationId;
}

export { conversationWith, send, stored, tab, untilStored };
