// @ts-check
// Sending: nothing lost, nothing twice (DESIGN.md §6). A message is sealed to
// every member (and to ourselves), written durably with its receipt and an
// outbox entry, and only then shown as "queued". Each recipient's delivery
// is a state machine (delivery.js) persisted with the outbox, so a reload
// shows exactly where each message stood. Whenever a recipient has an
// authenticated session, its pending envelopes go out in order; what stays
// unacknowledged is sent again with backoff and on every new session.
//
// The second path is the mailbox (chat/mailbox.js): a recipient who has no
// direct session after a bounded wait gets the envelope wrapped on the
// relays ("on relays"); once they acknowledge it — by either path — the
// wraps are deleted. Wraps still unacknowledged after a long while are
// replaced by fresh ones, so an acknowledgement lost on the way back is asked
// for again.

import { fromHex, utf8 } from '../core/encoding.js';
import { META_PREFIX, sealedForm } from '../core/store.js';
import { checkContent, isHiddenContent, preview } from './content.js';
import { messageState, pending, transition } from './delivery.js';
import { isMessageKey, keyId, keySender, messageKey } from './keys.js';
import { batcher, debouncedSave, keyedQueue } from './batcher.js';
import { createChatEvents } from './chat-events.js';
import { MAILBOX_RESEND_MS, RELAY_AFTER_MS, awaitedBy, newEntry, noteSent, relayDue, resendDue, restoredEntry, savedEntry } from './outbox-entries.js';

export { MAILBOX_RESEND_MS, RELAY_AFTER_MS };

const OUTBOX_KEY = 'outbox';
const RESEND_TICK_MS = 2_000;
/** Largest message content (JSON) we send or accept. */
export const MAX_CONTENT = 256 * 1024;

/**
 * @typedef {import('./outbox-entries.js').Entry} Entry
 * @typedef {import('./mailbox.js').Wrap} Wrap
 * @typedef {ReturnType<typeof createOutbox>} Outbox
 */

function outboxError(/** @type {string} */ message, /** @type {string} */ code) {
  return Object.assign(new Error(`outbox: ${message}`), { code });
}

/**
 * deps: cryptoClient, store, identity, sessions, conversations, history (for
 * delivery state at rest), mailbox (chat/mailbox.js, or null), senderKeys
 * (chat/sender-keys.js: group messages go under our group key), displayName(),
 * events (chat/chat-events.js: 'message-stored', 'state-changed'). What
 * follows a message through the mailbox (its small file) is added by
 * whoever owns it with `addRelayCompanions` (chat/transfers.js); their wraps
 * are deleted with the message's.
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   identity: import('../core/crypto-client.js').PublicSession,
 *   sessions: import('./chat.js').Sessions,
 *   conversations: import('./conversations.js').Conversations,
 *   history: import('./history.js').ChatHistory,
 *   mailbox?: import('./mailbox.js').Mailbox | null,
 *   senderKeys: import('./sender-keys.js').SenderKeys,
 *   displayName: () => string,
 *   events?: import('./chat-events.js').ChatEvents,
 *   relayAfterMs?: number,
 * }} deps
 */
export function createOutbox({
  cryptoClient,
  store,
  identity,
  sessions,
  conversations,
  history,
  mailbox = null,
  senderKeys,
  displayName,
  events = createChatEvents(),
  relayAfterMs = RELAY_AFTER_MS,
}) {
  /** @type {Array<(fingerprint: string, messageId: string) => Promise<Wrap[]>>} what goes with a relayed message (its small file's chunks) */
  const relayCompanions = [];
  /** Our group key is made and handed over one conversation at a time. */
  const keying = keyedQueue();
  /** @type {Map<string, Entry>} message id (ours) -> entry */
  const entries = new Map();
  /** @type {Map<string, Uint8Array>} message id -> envelope bytes */
  const envelopes = new Map();
  /** @type {Map<string, Array<() => void>>} */
  const deliveryWaiters = new Map();

  const { now: saveNow, soon: saveSoon, discard } = debouncedSave(() => store.put(OUTBOX_KEY, [...entries.values()].map(savedEntry)));
  /** Stores sent messages and the outbox that lists them, a burst at a time. */
  const persist = batcher(async (writes) => {
    await store.messages.add(writes);
    await saveNow();
  });

  /** Says where message `id` stands now. */
  function announceState(/** @type {Entry} */ entry) {
    events.emit('state-changed', {
      conversation: entry.conv,
      message: entry.id,
      sender: identity.fingerprint,
      state: messageState(Object.values(entry.recipients)),
    });
  }

  /** Applies a delivery event for one recipient; returns whether it changed anything. */
  function apply(/** @type {Entry} */ entry, /** @type {string} */ fingerprint, /** @type {import('./delivery.js').DeliveryEvent} */ event) {
    const before = entry.recipients[fingerprint];
    if (!before) return false;
    const after = transition(before, event);
    if (after === before) return false;
    entry.recipients[fingerprint] = after;
    if (!pending(after) && entry.wraps[fingerprint]) {
      // They have it: the relays may forget our wraps.
      mailbox?.deleteWraps(entry.wraps[fingerprint].list);
      delete entry.wraps[fingerprint];
    }
    if (!Object.values(entry.recipients).some(pending)) finish(entry);
    return true;
  }

  /** Every recipient has it: the envelope leaves the outbox. */
  function finish(/** @type {Entry} */ entry) {
    entries.delete(entry.id);
    envelopes.delete(entry.id);
    for (const resolve of deliveryWaiters.get(entry.id) ?? []) resolve();
    deliveryWaiters.delete(entry.id);
  }

  async function sendTo(/** @type {string} */ fingerprint, /** @type {Entry} */ entry) {
    const link = sessions.linkTo(fingerprint);
    const bytes = envelopes.get(entry.id);
    if (!link) return relay(fingerprint, entry);
    if (!bytes || !pending(entry.recipients[fingerprint])) return;
    noteSent(entry, fingerprint, Date.now());
    try {
      await link.send('env', bytes);
      if (apply(entry, fingerprint, 'handed')) {
        saveSoon();
        announceState(entry);
      }
    } catch {
      // the session dropped: the envelope stays pending
    }
  }

  /**
   * Leaves the envelope in `fingerprint`'s mailbox when there is no session
   * to hand it to: after a bounded wait for one, once (fresh wraps replace
   * old ones after MAILBOX_RESEND_MS), never while a post is under way.
   */
  async function relay(/** @type {string} */ fingerprint, /** @type {Entry} */ entry, now = Date.now()) {
    const bytes = envelopes.get(entry.id);
    if (!mailbox || !bytes || !relayDue(entry, fingerprint, now, !!mailbox.reachedOnlyByRelays?.(fingerprint), relayAfterMs)) return;
    if (!mailbox.keyOf(fingerprint) || !mailbox.connected()) return;
    const previous = entry.wraps[fingerprint];
    entry.relaying.add(fingerprint);
    entry.relayTried.set(fingerprint, now);
    try {
      const { wraps, accepted } = await mailbox.post(fingerprint, 'env', bytes);
      if (!accepted) return; // tried again after RELAY_RETRY_MS
      // What goes with it (a small file's chunk) goes before it counts as "on relays".
      const companions = (await Promise.all(relayCompanions.map((companionsOf) => companionsOf(fingerprint, entry.id)))).flat();
      if (!entries.has(entry.id) || !pending(entry.recipients[fingerprint])) {
        mailbox.deleteWraps([...wraps, ...companions]); // delivered meanwhile
        return;
      }
      if (previous) mailbox.deleteWraps(previous.list);
      entry.wraps[fingerprint] = { at: now, list: [...wraps, ...companions] };
      apply(entry, fingerprint, 'relayed');
      // At once: the wraps' nonces are what deletes them once delivered.
      await saveNow();
      announceState(entry);
    } catch {
      // no mailbox key yet, or too large for the mailbox: waits for a direct session
    } finally {
      entry.relaying.delete(fingerprint);
    }
  }

  /**
   * Our group key for the conversation's members of the moment; a new one
   * (the membership changed) is handed to them, RSA-wrapped, before anything
   * is sealed under it. One at a time per conversation.
   */
  function groupKey(/** @type {import('./conversations.js').Conversation} */ conv) {
    return keying(conv.id, async () => {
      const key = await senderKeys.current(
        conv.id,
        conv.members.map((/** @type {{fingerprint: string}} */ m) => m.fingerprint),
      );
      // A fresh key is ours, just made: its content is there.
      if (key.fresh) await send(conv.id, /** @type {Record<string, unknown>} */ (senderKeys.keyContent(conv.id, key.keyIdHex)));
      return key;
    });
  }

  /**
   * Seals under our group key `key` (a group's message), else to each
   * member's RSA key; with it, in the same worker call, the receipt of our
   * own copy (it reopens the message from the history) and its sealed meta.
   */
  function seal(
    /** @type {Array<{spki: Uint8Array}>} */ members,
    /** @type {{keyId: Uint8Array, key: Uint8Array} | null} */ key,
    /** @type {{conversationId: Uint8Array, timestampMs: number, lamport: number, content: Uint8Array}} */ fields,
  ) {
    return cryptoClient.sealOwnEnvelope({
      ...(key ? { groupKey: key } : { recipients: members.map((m) => m.spki) }),
      ...fields,
      metaPrefix: META_PREFIX,
      meta: sealedForm({ mine: true, delivered: {}, read: {} }),
    });
  }

  /**
   * Seals `content` to the conversation's members (or only those listed in
   * `to`) and queues it. Resolves to the message once durable.
   */
  async function send(
    /** @type {string} */ conversationId,
    /** @type {Record<string, unknown>} */ content,
    { to = /** @type {string[] | null} */ (null) } = {},
  ) {
    const conv = conversations.get(conversationId);
    if (!conv) throw outboxError('unknown conversation', 'unknown-conversation');
    const name = displayName?.();
    if (name && content.n === undefined && !isHiddenContent(content)) content = { ...content, n: name };
    if (!checkContent(content)) throw outboxError('this message is not well formed', 'malformed');
    const bytes = utf8(JSON.stringify(content));
    if (bytes.length > MAX_CONTENT) throw outboxError('message too large', 'too-large');
    const members = to ? conv.members.filter((/** @type {{fingerprint: string}} */ m) => to.includes(m.fingerprint)) : conv.members;
    // A group's key is handed over (a message of its own) before this one takes its place.
    const key = conv.kind === 'group' && senderKeys && !isHiddenContent(content) ? await groupKey(conv) : null;
    const lamport = conversations.tick(conv);
    const timestampMs = Date.now();
    const { envelope, messageId, receipt, meta } = await seal(members, key, { conversationId: fromHex(conv.id), timestampMs, lamport, content: bytes });
    const seq = conversations.nextSeq(conv);
    const recipients = members.map((/** @type {{fingerprint: string}} */ m) => m.fingerprint);
    const entry = newEntry({ id: messageId, conv: conv.id, seq, at: timestampMs, recipients });
    entries.set(messageId, entry);
    envelopes.set(messageId, envelope);
    const stored = messageKey(identity.fingerprint, messageId);
    await persist({
      place: [conv.tag, seq],
      key: stored,
      record: {
        id: messageId,
        sender: identity.fingerprint,
        env: envelope,
        rcpt: receipt,
        meta,
      },
    });
    conversations.noteActivity(conv, stored, preview(content), timestampMs, false, { quiet: isHiddenContent(content) });
    const message = { id: messageId, seq, sender: identity.fingerprint, mine: true, timestampMs, lamport, content, state: 'queued', delivered: {}, read: {} };
    events.emit('message-stored', { conversation: conv.id, message: messageId, added: message });
    if (!members.length) finish(entry);
    for (const fingerprint of Object.keys(entry.recipients)) sendTo(fingerprint, entry);
    return message;
  }

  return {
    /** Loads the outbox saved by earlier sessions (after the conversations). */
    async restore() {
      for (const saved of (await store.get(OUTBOX_KEY)) ?? []) {
        const conv = conversations.get(saved.conv);
        if (!conv) continue;
        const record = await store.messages.get([conv.tag, saved.seq]);
        if (!record) continue;
        envelopes.set(saved.id, record.env);
        entries.set(saved.id, restoredEntry(saved));
      }
    },

    send,

    /**
     * Registers `companionsOf(fingerprint, messageId)` → the wraps of what
     * it posted to `fingerprint`'s mailbox to go with that message (a small
     * file's chunks): posted before the message counts as on the relays,
     * deleted with its wraps.
     */
    addRelayCompanions(/** @type {(fingerprint: string, messageId: string) => Promise<Wrap[]>} */ companionsOf) {
      relayCompanions.push(companionsOf);
    },

    /**
     * `fingerprint` stored these `${sender}:${id}` keys: its own word (an
     * 'ack' frame over its session or through its mailbox, what its group
     * sync says it holds) or a list it signed, passed on by others
     * (chat/forwarding.js checks the signature first). Only keys of our own
     * messages matter here; nothing else may mark a recipient delivered.
     */
    async acked(/** @type {string} */ fingerprint, /** @type {string[]} */ keys) {
      const now = Date.now();
      let changed = false;
      for (const key of keys) {
        if (!isMessageKey(key) || keySender(key) !== identity.fingerprint) continue;
        const entry = entries.get(keyId(key));
        if (!entry || !apply(entry, fingerprint, 'acked')) continue;
        changed = true;
        await history.updateMeta(key, (meta) => {
          // Our messages' meta is written with `delivered` (send, chat/mirror-merge.js).
          /** @type {Record<string, number>} */ (meta.delivered)[fingerprint] = now;
        });
        announceState(entry);
      }
      if (changed) saveSoon();
    },

    /** Whether any of `keys` is a message of ours `fingerprint` has not acknowledged yet (a passed-on list worth checking). */
    awaits: (/** @type {string} */ fingerprint, /** @type {string[]} */ keys) =>
      keys.some((key) => isMessageKey(key) && keySender(key) === identity.fingerprint && awaitedBy(entries.get(keyId(key)), fingerprint)),

    /** `fingerprint` read our message `id` (a read receipt). */
    read(/** @type {string} */ fingerprint, /** @type {string} */ id) {
      const entry = entries.get(id);
      if (entry && apply(entry, fingerprint, 'read')) {
        saveSoon();
        announceState(entry);
      }
    },

    /** Resends to `fingerprint` at once: it has a new session. */
    flush(/** @type {string} */ fingerprint) {
      for (const entry of entries.values()) {
        if (!pending(entry.recipients[fingerprint])) continue;
        entry.lastSent.delete(fingerprint);
        entry.attempts.delete(fingerprint);
        sendTo(fingerprint, entry);
      }
    },

    /** Resends what stays unacknowledged, with backoff per recipient (called by a timer). */
    resendDue(now = Date.now()) {
      for (const entry of entries.values()) {
        for (const [fingerprint, state] of Object.entries(entry.recipients)) {
          if (!pending(state)) continue;
          if (!sessions.linkTo(fingerprint)) {
            relay(fingerprint, entry, now);
            continue;
          }
          if (resendDue(entry, fingerprint, now)) sendTo(fingerprint, entry);
        }
      }
    },

    /** Where one of our messages stands, if it is still in the outbox. */
    stateOf(/** @type {string} */ id) {
      const entry = entries.get(id);
      return entry ? messageState(Object.values(entry.recipients)) : null;
    },
    /** Whether our message `id` is still being delivered. */
    has: (/** @type {string} */ id) => entries.has(id),
    /** Whether `fingerprint` still lacks our message `id`. */
    isPendingFor: (/** @type {string} */ id, /** @type {string} */ fingerprint) => awaitedBy(entries.get(id), fingerprint),
    /** Resolves once every recipient acknowledged message `id`. */
    whenDelivered(/** @type {string} */ id) {
      if (!entries.has(id)) return Promise.resolve();
      return new Promise((resolve) => deliveryWaiters.set(id, [...(deliveryWaiters.get(id) ?? []), () => resolve(undefined)]));
    },
    pendingFor: (/** @type {string} */ fingerprint) => [...entries.values()].filter((e) => awaitedBy(e, fingerprint)).length,
    hasPending: () => entries.size > 0,
    forget(/** @type {string} */ conversationId) {
      for (const entry of [...entries.values()]) if (entry.conv === conversationId) finish(entry);
      saveSoon();
    },
    RESEND_TICK_MS,
    close: saveNow,
    /** Drops a pending save (the session closes without writing). */
    discard,
  };
}
