// Helpers of the chat tests: open a conversation through the UI, send,
// and read what the app stored, through its own modules.

import { tab } from './network-helpers.mjs';
import { until, waitInPage } from './harness.mjs';

export async function conversationWith(page, who) {
  return page.evaluate(async (fp) => {
    const { app } = await import('./js/facade.js');
    return app.contacts.get(fp).conversationId;
  }, who.fingerprint);
}

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

/** Sends through the messenger directly (fast loops). */
export async function send(page, conversationId, body) {
  return page.evaluate(async ({ conversationId, body }) => {
    const { app } = await import('./js/facade.js');
    return (await app.chat.send(conversationId, { t: 'text', body })).id;
  }, { conversationId, body });
}

/** Every stored message of a conversation: [{id, body, mine, state}]. */
export async function stored(page, conversationId) {
  return page.evaluate(async (id) => {
    const { app } = await import('./js/facade.js');
    const messages = await app.chat.history(id, { limit: 100_000 });
    return messages.map((m) => ({ id: m.id, body: m.content.body, t: m.content.t, mine: m.mine, state: m.state, sender: m.sender }));
  }, conversationId);
}

/** Waits until `check(messages)` holds for the stored messages of a conversation; returns them. */
export function untilStored(page, conversationId, check, { timeout = 30_000, what = 'a condition on the stored messages' } = {}) {
  return until(() => stored(page, conversationId), check, { timeout, what, interval: 250 });
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
  const conversationId = await page.evaluate(async () => (await import('./js/facade.js')).app.groups.list()[0].conversationId);
  for (const member of memberPages) {
    await waitInPage(member, async (id) => (await import('./js/facade.js')).app.groups.byConversation(id) !== undefined, conversationId, { what: 'the group invitation' });
  }
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

export { tab };
