// Helpers of the chat tests: open a conversation through the UI, send,
// and read what the app stored, through its own modules.

import { tab } from './network-helpers.mjs';

export async function conversationWith(page, who) {
  return page.evaluate(async (fp) => {
    const { app } = await import('./js/app-state.js');
    return app.friends.get(fp).conversationId;
  }, who.fingerprint);
}

/** Opens the conversation with `who` (a contact) in the Chats tab. */
export async function openChat(page, who) {
  const id = await conversationWith(page, who);
  await tab(page, 'chats');
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
    const { app } = await import('./js/app-state.js');
    return (await app.messenger.send(conversationId, { t: 'text', body })).id;
  }, { conversationId, body });
}

/** Every stored message of a conversation: [{id, body, mine, state}]. */
export async function stored(page, conversationId) {
  return page.evaluate(async (id) => {
    const { app } = await import('./js/app-state.js');
    const messages = await app.messenger.history(id, { limit: 100_000 });
    return messages.map((m) => ({ id: m.id, body: m.content.body, t: m.content.t, mine: m.mine, state: m.state, sender: m.sender }));
  }, conversationId);
}

/** Waits until `check(messages)` holds for the stored messages. */
export async function until(page, conversationId, check, { timeout = 30_000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const messages = await stored(page, conversationId);
    if (check(messages)) return messages;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(messages.map((m) => [m.body, m.state]))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export { tab };
