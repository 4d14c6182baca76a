// @ts-check
// Receiving: an envelope is checked, verified and opened, written durably,
// and only then acknowledged; a (sender, id) already stored is acknowledged
// again (once its signature verifies) but not stored twice. Envelopes that
// pile up while one batch is written are handled as the next batch.

import { fromUtf8, utf8 } from '../core/encoding.js';
import { metaContext, sealedForm } from '../core/store.js';
import { checkContent, isHiddenContent, preview } from './content.js';
import { messageKey } from './keys.js';
import { MAX_CONTENT } from './outbox.js';
import { batcher } from './batcher.js';
import { createChatEvents } from './chat-events.js';

/** What check() says of an envelope for a conversation or member we do not know (yet). */
const UNKNOWN = Symbol('unknown');

/**
 * Group messages waiting for their sender's key, at most: in all, per
 * sender (one member sending under keys it never hands over fills only its
 * own share), and for how long. A message let go is not lost: it was never
 * acknowledged, so its sender's outbox sends it again and any member's
 * backlog sync offers it again (our list of what we hold lacks it).
 */
export const MAX_WAITING_FOR_KEY = 256;
export const MAX_WAITING_PER_SENDER = 32;
export const KEY_WAIT_MS = 10 * 60_000;

/**
 * @typedef {{bytes: Uint8Array, from: string, id: string, at: number}} Waiting
 * @typedef {{ send: (type: string, data: Uint8Array) => Promise<unknown> }} Route  a way to a member: a session, or their mailbox
 * What is done with received content of one type (files, group changes): `message` as the views show it, `from` who handed it to us.
 * @typedef {(conv: import('./conversations.js').Conversation, message: { sender: string } & Record<string, any>, from: string) => unknown} ContentHandler
 */

/**
 * deps: cryptoClient, store, route(fingerprint) → a link to them (the direct
 * session, else their mailbox) or null, ackFrames(to, keys) → the 'ack'
 * frames that tell `to` we stored `keys` (chat/forwarding.js: signed when
 * they will be passed on), conversations, history, events
 * (chat/chat-events.js: 'message-stored', then 'incoming' for
 * notifications, 'key-missing' when a group message waits for a key we lack
 * — chat asks its owner —, 'group-message-accepted' once a new group message
 * is stored — chat/forwarding.js passes it on), and `handlers`: content
 * type → (conversation, message, from) for files and group changes; a handler
 * resolves once its change is durable (the message is acknowledged after).
 * senderKeys (chat/sender-keys.js) opens group messages; now() gives the
 * time (tests pass a clock of their own).
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   route: (fingerprint: string) => Route | null,
 *   ackFrames?: (to: string, keys: string[]) => Promise<Uint8Array[]>,
 *   conversations: import('./conversations.js').Conversations,
 *   history: import('./history.js').ChatHistory,
 *   senderKeys: import('./sender-keys.js').SenderKeys,
 *   events?: import('./chat-events.js').ChatEvents,
 *   now?: () => number,
 * }} deps
 */
export function createInbox({
  cryptoClient,
  store,
  route,
  ackFrames = async (/** @type {string} */ _to, /** @type {string[]} */ keys) => [utf8(JSON.stringify({ keys }))],
  conversations,
  history,
  senderKeys,
  events = createChatEvents(),
  now = () => Date.now(),
}) {
  /** @type {Map<string, ContentHandler>} content type -> what is done with it */
  const handlers = new Map();
  /** @type {Map<string, Waiting[]>} "conversation sender keyId" -> envelopes waiting for that key */
  const waiting = new Map();

  /** Lets go of what waited longer than KEY_WAIT_MS; returns how many wait, in all and under keys starting `prefix`. */
  function sweep(/** @type {string} */ prefix) {
    const oldest = now() - KEY_WAIT_MS;
    let all = 0;
    let theirs = 0;
    for (const [where, items] of waiting) {
      const kept = items.filter((item) => item.at > oldest);
      if (kept.length) waiting.set(where, kept);
      else waiting.delete(where);
      all += kept.length;
      if (where.startsWith(prefix)) theirs += kept.length;
    }
    return { all, theirs };
  }

  /** A group message under a key we lack: kept (bounded, for a while) until the key comes. */
  function waitForKey(/** @type {string} */ conv, /** @type {string} */ sender, /** @type {string} */ keyId, /** @type {Waiting} */ item) {
    const where = `${conv} ${sender} ${keyId}`;
    const items = waiting.get(where) ?? [];
    // The same message again (its sender or a member sending it again): once is enough.
    if (items.some((x) => x.id === item.id)) return;
    const { all, theirs } = sweep(`${conv} ${sender} `);
    if (all >= MAX_WAITING_FOR_KEY || theirs >= MAX_WAITING_PER_SENDER) return;
    waiting.set(where, [...items, item]);
  }
  senderKeys?.onLearn((/** @type {string} */ conv, /** @type {string} */ sender, /** @type {string} */ keyId) => {
    const where = `${conv} ${sender} ${keyId}`;
    const items = (waiting.get(where) ?? []).filter((item) => item.at > now() - KEY_WAIT_MS);
    waiting.delete(where);
    if (!items.length) return;
    // After the batch that learnt the key is written (the key message first).
    setTimeout(() => items.forEach(({ bytes, from }) => receiveBatch({ bytes, from }).finally(flushAcks)));
  });
  /** @type {Map<string, Set<string>>} fingerprint -> keys to acknowledge to it */
  const pendingAcks = new Map();

  function ackLater(/** @type {string} */ fingerprint, /** @type {string} */ key) {
    if (!pendingAcks.has(fingerprint)) pendingAcks.set(fingerprint, new Set());
    pendingAcks.get(fingerprint)?.add(key);
  }
  /** Acknowledgements being sent right now (a relay's OK may take seconds). */
  let acksSending = 0;
  function flushAcks() {
    for (const [fingerprint, keys] of pendingAcks) {
      const link = route(fingerprint);
      if (!link || !keys.size) continue;
      pendingAcks.delete(fingerprint);
      acksSending += 1;
      ackFrames(fingerprint, [...keys])
        .then((frames) => Promise.all(frames.map((frame) => link.send('ack', frame))))
        .catch(() => {
          // Not sent (the session dropped, no relay took it): owed still.
          for (const key of keys) ackLater(fingerprint, key);
        })
        .finally(() => (acksSending -= 1));
    }
  }

  /**
   * Checks one received envelope, in an order that trusts nothing the peer
   * chose: its conversation must be ours, its sender a member (and, in a
   * pair, the peer itself); only then is it verified. A (sender, id) we
   * already hold is acknowledged again once its signature verifies; a new
   * one is opened and its content checked before it is accepted.
   */
  async function check(/** @type {{bytes: Uint8Array, from: string}} */ { bytes, from }, /** @type {Set<string>} */ seen) {
    const header = await cryptoClient.peekEnvelope(bytes);
    const conv = conversations.get(header.conversationId);
    // Perhaps not yet: mail comes in any order, and the invitation may follow.
    if (!conv) return UNKNOWN;
    const sender = conv.members.find((/** @type {{fingerprint: string}} */ m) => m.fingerprint === header.sender);
    if (!sender) return UNKNOWN;
    if (conv.kind === 'pair' && from !== header.sender) return null; // nobody forwards in a pair
    if (header.keyId && conv.kind !== 'group') return null; // group keys exist only in groups
    const key = messageKey(header.sender, header.messageId);
    if (seen.has(key) || (await store.messages.locate(key)) !== undefined) {
      await cryptoClient.verifyEnvelope(bytes, sender.spki);
      ackLater(from, key);
      return null;
    }
    const groupKey = header.keyId ? senderKeys?.lookup(conv.id, header.sender, header.keyId) : null;
    if (header.keyId && !groupKey) {
      // Its key has not come (yet): once its signature shows its sender
      // really wrote it (a forged one must not make us ask anyone for
      // anything), it waits, and its owner is asked once.
      await cryptoClient.verifyEnvelope(bytes, sender.spki);
      waitForKey(conv.id, header.sender, header.keyId, { bytes, from, id: header.messageId, at: now() });
      events.emit('key-missing', { conversation: conv.id, sender: header.sender, keyId: header.keyId });
      return UNKNOWN;
    }
    // Opened with its meta sealed in the same worker call: one trip per message.
    const opened = await cryptoClient.openEnvelopeWithMeta(bytes, sender.spki, groupKey, {
      metaContext: metaContext(header.messageId),
      meta: sealedForm({ mine: false, readAt: null }),
    });
    if (opened.conversationId !== conv.id || opened.sender !== header.sender) return null;
    if (opened.content.length > MAX_CONTENT) return null;
    let content;
    try {
      content = checkContent(JSON.parse(fromUtf8(opened.content)));
    } catch {
      return null;
    }
    if (!content) return null;
    if (content.t === 'group-key') {
      // A sender key travels RSA-wrapped, in its group, from its owner.
      if (header.keyId || conv.kind !== 'group' || !senderKeys) return null;
      senderKeys.learn(conv.id, header.sender, /** @type {import('./content.js').GroupKeyContent} */ (content));
    }
    // Our other device may be mirroring this very message right now.
    if (!history.claim(key)) return null;
    if ((await store.messages.locate(key)) !== undefined) {
      history.release([key]);
      ackLater(from, key);
      return null;
    }
    seen.add(key);
    conversations.observe(conv, opened.lamport);
    return {
      id: header.messageId,
      key,
      conv,
      seq: conversations.nextSeq(conv),
      from,
      content,
      sender: header.sender,
      timestampMs: opened.timestampMs,
      lamport: opened.lamport,
      envelope: bytes,
      // Who may read it (chat/forwarding.js): every member, or those its wrapped keys name.
      forEveryMember: !!header.keyId,
      recipients: header.recipients,
      receipt: opened.receipt,
      meta: opened.meta,
    };
  }

  const receiveBatch = batcher(async (items) => {
    const accepted = [];
    const seen = new Set();
    /** @type {Array<'accepted' | 'unknown' | null>} what became of each item */
    const outcomes = [];
    for (const item of items) {
      try {
        const result = await check(item, seen);
        if (result === UNKNOWN) outcomes.push('unknown');
        else if (result) {
          accepted.push(result);
          outcomes.push('accepted');
        } else outcomes.push(null);
      } catch {
        // forged, not for us, malformed or from a stranger: dropped, never acknowledged
        outcomes.push(null);
      }
    }
    if (accepted.length) {
      try {
        await store.messages.add(
          accepted.map((m) => ({
            place: [m.conv.tag, m.seq],
            key: m.key,
            record: { id: m.id, sender: m.sender, env: m.envelope, rcpt: m.receipt, meta: m.meta },
          })),
        );
      } finally {
        history.release(accepted.map((m) => m.key));
      }
    }
    // Durable now: show, let the content's handler make its own change
    // durable (a group joined, a file announced), then acknowledge: an
    // acknowledged message must never need to be sent again, so a tab closed
    // right after the ack loses nothing.
    for (const m of accepted) {
      // Each member states its own display name; the newest one counts.
      if (m.content.n !== undefined) conversations.noteName(m.conv, m.sender, m.content.n);
      const hidden = isHiddenContent(m.content);
      conversations.noteActivity(m.conv, m.key, preview(m.content), m.timestampMs, true, { quiet: hidden });
      const message = {
        id: m.id,
        seq: m.seq,
        sender: m.sender,
        mine: false,
        timestampMs: m.timestampMs,
        lamport: m.lamport,
        content: m.content,
        state: 'received',
      };
      events.emit('message-stored', { conversation: m.conv.id, message: m.id, added: message });
      try {
        await handlers.get(m.content.t)?.(m.conv, message, m.from);
      } catch {
        // a refused group change or file stays refused; the message itself is kept
      }
      ackLater(m.from, m.key);
      if (m.conv.kind === 'group') events.emit('group-message-accepted', { record: m, from: m.from });
      if (!hidden) events.emit('incoming', { conversation: m.conv.id, message });
    }
    return outcomes;
  });

  return {
    /**
     * An 'env' frame from `fingerprint` (the sender, or a group member
     * forwarding), directly or through the mailbox. Resolves once it is
     * stored (or refused) and its acknowledgement is on its way, to
     * 'accepted', 'unknown' (its conversation or sender is not known here —
     * yet, perhaps) or null (refused or already held).
     */
    async receive(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ bytes) {
      let outcome = null;
      try {
        outcome = await receiveBatch({ bytes, from: fingerprint });
      } finally {
        flushAcks();
      }
      return outcome;
    },
    /** Registers what to do with received content of type `t` (files, groups). */
    on: (/** @type {string} */ t, /** @type {ContentHandler} */ handler) => handlers.set(t, handler),
    /** What is registered for content of type `t` (for messages another device of ours stored). */
    handlerFor: (/** @type {string} */ t) => handlers.get(t) ?? null,
    /** Acknowledgements waiting for a session go out now. */
    flushAcks,
    /** Acknowledgements owed or on their way (a tab closed before they are out owes them still). */
    acksPending: () => [...pendingAcks.values()].reduce((n, keys) => n + keys.size, 0) + acksSending,
  };
}
