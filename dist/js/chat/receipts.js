// @ts-check
// Read receipts and typing indicators: small frames over the authenticated
// sessions, never envelopes (DESIGN.md §5), each switchable in preferences.

import { fromUtf8, utf8 } from '../core/encoding.js';
import { messageKey } from './keys.js';
import { createChatEvents } from './chat-events.js';

const TYPING_SHOW_MS = 6_000;
const TYPING_SEND_EVERY_MS = 3_000;

function parse(/** @type {Uint8Array} */ data) {
  try {
    return JSON.parse(fromUtf8(data));
  } catch {
    return null;
  }
}

/**
 * route(fingerprint): a link to them (direct, else their mailbox) for read
 * receipts; typing goes over direct sessions only. events
 * (chat/chat-events.js): 'state-changed' when a message of ours is read by
 * every member, 'typing'.
 * @param {{
 *   identity: import('../core/crypto-client.js').PublicSession,
 *   sessions: import('./chat.js').Sessions,
 *   route: (fingerprint: string) => import('./inbox.js').Route | null,
 *   conversations: import('./conversations.js').Conversations,
 *   history: import('./history.js').ChatHistory,
 *   outbox: import('./outbox.js').Outbox,
 *   preferences: () => { readReceipts: boolean, typingIndicators: boolean },
 *   events?: import('./chat-events.js').ChatEvents,
 * }} deps
 */
export function createReceipts({ identity, sessions, route, conversations, history, outbox, preferences, events = createChatEvents() }) {
  let lastTypingSent = 0;

  return {
    /**
     * The conversation is on screen: clear unread, send read receipts for
     * `messages`. Resolves to whether anything was unread, and the keys of
     * the messages read now (our other devices mark them too).
     */
    async markRead(/** @type {string} */ conversationId, /** @type {Array<any>} */ messages) {
      const conv = conversations.get(conversationId);
      if (!conv) return { hadUnread: false, keys: [] };
      const hadUnread = conv.unread > 0;
      conversations.clearUnread(conv);
      const unread = messages.filter((m) => !m.mine && !m.readAt && !m.broken);
      const keys = unread.map((m) => messageKey(m.sender, m.id));
      if (!unread.length) return { hadUnread, keys };
      const now = Date.now();
      for (const m of unread) {
        m.readAt = now;
        await history.updateMeta(messageKey(m.sender, m.id), (meta) => {
          meta.readAt = now;
        });
      }
      if (!preferences().readReceipts) return { hadUnread, keys };
      /** @type {Map<string, string[]>} */
      const bySender = new Map();
      for (const m of unread) bySender.set(m.sender, [...(bySender.get(m.sender) ?? []), m.id]);
      for (const [fingerprint, ids] of bySender) {
        route(fingerprint)
          ?.send('read', utf8(JSON.stringify({ ids })))
          .catch(() => {});
      }
      return { hadUnread, keys };
    },

    /** A 'read' frame: `fingerprint` read these messages of ours. */
    async receiveRead(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      const ids = parse(data)?.ids;
      if (!Array.isArray(ids)) return;
      for (const id of ids.slice(0, 1000)) {
        if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) continue;
        const key = messageKey(identity.fingerprint, id);
        const conv = conversations.holding(key);
        // Only a member of the message's conversation can have read it.
        if (!conv?.members.some((/** @type {{fingerprint: string}} */ m) => m.fingerprint === fingerprint)) continue;
        const meta = await history.updateMeta(key, (m) => {
          if (m.mine) m.read = { ...m.read, [fingerprint]: m.read?.[fingerprint] ?? Date.now() };
        });
        if (!meta?.mine) continue;
        outbox.read(fingerprint, id);
        const members = conv.members.map((/** @type {{fingerprint: string}} */ m) => m.fingerprint);
        if (members.every((fp) => meta.read?.[fp]))
          events.emit('state-changed', { conversation: conv.id, message: id, sender: identity.fingerprint, state: 'read' });
      }
    },

    /** We are typing in a conversation (throttled; only if the user allows it). */
    typing(/** @type {string} */ conversationId) {
      const conv = conversations.get(conversationId);
      if (!conv || !preferences().typingIndicators || Date.now() - lastTypingSent < TYPING_SEND_EVERY_MS) return;
      lastTypingSent = Date.now();
      for (const member of conv.members) {
        sessions
          .linkTo(member.fingerprint)
          ?.send('typing', utf8(JSON.stringify({ conv: conv.id })))
          .catch(() => {});
      }
    },

    /** A 'typing' frame. */
    receiveTyping(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      const conv = conversations.get(parse(data)?.conv);
      if (!conv || !conv.members.some((/** @type {{fingerprint: string}} */ m) => m.fingerprint === fingerprint)) return;
      conv.typing.set(fingerprint, Date.now() + TYPING_SHOW_MS);
      events.emit('typing', { conversation: conv.id });
      setTimeout(() => events.emit('typing', { conversation: conv.id }), TYPING_SHOW_MS + 50);
    },

    /** Who is typing in a conversation now. */
    typingIn(/** @type {string} */ conversationId) {
      const conv = conversations.get(conversationId);
      if (!conv) return [];
      const now = Date.now();
      return [...conv.typing].filter(([, until]) => until > now).map(([fp]) => fp);
    },
  };
}
