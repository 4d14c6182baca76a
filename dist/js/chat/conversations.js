// @ts-check
// The conversations of this identity: pair conversations with contacts and
// group conversations, each with its members, its storage tag, Lamport
// counter, unread count, last activity, the keys of its recent messages
// (for group backlog sync) and the display names its members stated.
// Saved sealed under the key `conversations` (lazily; the message store is
// the authority on what was received).

import { toHex } from '../core/encoding.js';
import { debouncedSave } from './batcher.js';
import { createChatEvents } from './chat-events.js';

const CONVERSATIONS_KEY = 'conversations';
/** Recent message keys kept per conversation (what group members sync). */
export const SYNC_WINDOW = 500;
/** Largest Lamport counter an envelope may carry (worker/src/envelope/codec.rs). */
export const MAX_LAMPORT = 2 ** 53 - 1;
/** A received counter further ahead of ours than this is not adopted: no
 *  honest conversation moves that far, and adopting it would let one
 *  envelope push everyone's counters to the limit. */
export const MAX_LAMPORT_STEP = 2 ** 32;

/**
 * @typedef {{ fingerprint: string, spki: Uint8Array }} Member
 * @typedef {{
 *   id: string, kind: 'pair' | 'group', ref: string, title: string, tag: string,
 *   members: Member[], lamport: number, nextSeq: number, unread: number,
 *   lastActivity: number, lastPreview: string, recent: string[],
 *   names: Record<string, string>, typing: Map<string, number>, visible: boolean,
 * }} Conversation
 * @typedef {ReturnType<typeof createConversations>} Conversations
 */

/**
 * `events`: chat's hub (chat/chat-events.js), told when an unread count changes.
 * @param {{ store: import('../core/store.js').Store, identity: { fingerprint: string }, events?: import('./chat-events.js').ChatEvents }} deps
 */
export function createConversations({ store, identity, events = createChatEvents() }) {
  /** @type {Map<string, Conversation>} */
  const conversations = new Map();
  const snapshot = (/** @type {Conversation} */ c) => ({
    id: c.id,
    tag: c.tag,
    kind: c.kind,
    ref: c.ref,
    title: c.title,
    lamport: c.lamport,
    nextSeq: c.nextSeq,
    unread: c.unread,
    lastActivity: c.lastActivity,
    lastPreview: c.lastPreview,
    names: c.names,
    recent: c.recent.slice(-SYNC_WINDOW),
  });
  const { now: saveNow, soon: saveSoon, discard } = debouncedSave(() => store.put(CONVERSATIONS_KEY, [...conversations.values()].map(snapshot)));

  return {
    /**
     * Loads the saved list; `newest(tag)` gives the newest stored messages
     * of a conversation ({seq, key}), which are the authority on sequence
     * numbers and recent keys (the list is saved lazily).
     */
    async restore(/** @type {(tag: string) => Promise<Array<{seq: number, key: string}>>} */ newest) {
      for (const saved of (await store.get(CONVERSATIONS_KEY)) ?? []) {
        const stored = await newest(saved.tag);
        conversations.set(saved.id, {
          ...saved,
          nextSeq: Math.max(saved.nextSeq ?? 1, (stored[0]?.seq ?? 0) + 1),
          recent: stored.map((r) => r.key).reverse(),
          names: saved.names ?? {},
          members: [],
          typing: new Map(),
          visible: false,
        });
      }
    },

    /**
     * Registers a conversation (pair with a contact, or a group); members:
     * [{fingerprint, spki}]. A new conversation is saved before this
     * resolves: its storage tag must never be lost once messages use it.
     */
    async ensure(/** @type {{id: string, kind: 'pair' | 'group', ref: string, title: string, members: Member[]}} */ { id, kind, ref, title, members }) {
      let conv = conversations.get(id);
      const created = !conv;
      if (!conv) {
        conv = {
          id,
          kind,
          ref,
          title,
          members: [],
          tag: toHex(crypto.getRandomValues(new Uint8Array(8))),
          lamport: 0,
          nextSeq: 1,
          unread: 0,
          lastActivity: 0,
          lastPreview: '',
          recent: [],
          names: {},
          typing: new Map(),
          visible: false,
        };
        conversations.set(id, conv);
      }
      Object.assign(conv, { kind, ref, title, members: members.filter((m) => m.fingerprint !== identity.fingerprint) });
      if (created) await saveNow();
      return conv;
    },
    remove(/** @type {string} */ id) {
      conversations.delete(id);
      saveSoon();
    },
    get: (/** @type {string} */ id) => conversations.get(id),
    list: () => [...conversations.values()],
    /** The group conversation or pair conversation holding a recent message key. */
    holding: (/** @type {string} */ key) => [...conversations.values()].find((c) => c.recent.includes(key)),

    /** The place (seq) of the next message stored in the conversation; only this module moves it on. */
    nextSeq(/** @type {Conversation} */ conv) {
      return conv.nextSeq++;
    },
    /** The next Lamport counter for a message we send (saturates at the limit). */
    tick(/** @type {Conversation} */ conv) {
      conv.lamport = Math.min(conv.lamport + 1, MAX_LAMPORT);
      return conv.lamport;
    },
    /** Adopts a received counter, unless it jumps implausibly far. */
    observe(/** @type {Conversation} */ conv, /** @type {number} */ lamport) {
      if (lamport > conv.lamport && lamport - conv.lamport <= MAX_LAMPORT_STEP) conv.lamport = lamport;
    },
    /** A message joined the conversation (sent or received). */
    noteActivity(
      /** @type {Conversation} */ conv,
      /** @type {string} */ key,
      /** @type {string} */ preview,
      /** @type {number} */ timestampMs,
      /** @type {boolean} */ incoming,
      { quiet = false } = {},
    ) {
      conv.recent.push(key);
      if (conv.recent.length > SYNC_WINDOW * 2) conv.recent = conv.recent.slice(-SYNC_WINDOW);
      // A quiet message (a sender key) is kept for the backlog sync only: no preview, no unread.
      if (!quiet) {
        conv.lastActivity = Math.max(conv.lastActivity, Math.min(timestampMs, Date.now()));
        conv.lastPreview = preview;
        if (incoming && !conv.visible) conv.unread += 1;
      }
      saveSoon();
    },
    /** A member stated a display name in a message ('' clears it). */
    noteName(/** @type {Conversation} */ conv, /** @type {string} */ fingerprint, /** @type {string} */ name) {
      if (conv.names[fingerprint] === name) return;
      conv.names[fingerprint] = name;
      saveSoon();
    },
    /** The display name `fingerprint` gave itself in a conversation ('' if none). */
    memberName: (/** @type {string} */ id, /** @type {string} */ fingerprint) => conversations.get(id)?.names?.[fingerprint] ?? '',
    /** Whether the conversation is on screen (its messages are read as they come). */
    setVisible(/** @type {string} */ id, /** @type {boolean} */ visible) {
      const conv = conversations.get(id);
      if (conv) conv.visible = visible;
    },
    clearUnread(/** @type {Conversation} */ conv) {
      if (!conv.unread) return;
      conv.unread = 0;
      saveSoon();
      events.emit('unread-changed', { conversation: conv.id });
    },
    /** `count` of its unread messages were read on another device of ours. */
    lessUnread(/** @type {Conversation} */ conv, /** @type {number} */ count) {
      const unread = Math.max(0, conv.unread - count);
      if (unread === conv.unread) return;
      conv.unread = unread;
      saveSoon();
      events.emit('unread-changed', { conversation: conv.id });
    },
    totalUnread: () => [...conversations.values()].reduce((sum, c) => sum + c.unread, 0),
    saveSoon,
    saveNow,
    discard,
  };
}
