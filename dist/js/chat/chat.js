// @ts-check
// Chat: the conversations of this identity and everything that moves their
// messages, put together. Each concept lives in its own module —
// conversations (the registry), outbox (sending, delivery states), inbox
// (receiving), backlog (group sync), receipts (read, typing), history
// (reading) — and this one only connects them to each other, to the session
// registry and to the frame table.

import { createConversations } from './conversations.js';
import { createOutbox } from './outbox.js';
import { RELEASE_TIMING } from '../core/timing.js';
import { createInbox } from './inbox.js';
import { createBacklog } from './backlog.js';
import { createReceipts } from './receipts.js';
import { createHistory, PAGE_SIZE } from './history.js';
import { createMirror } from './mirror.js';
import { createSenderKeys } from './sender-keys.js';
import { createForwarding } from './forwarding.js';
import { createChatEvents } from './chat-events.js';

export { PAGE_SIZE };

/** How long a group message waits for its key before its sender is asked for it. */
export const KEY_REQUEST_DELAY_MS = 3_000;

/**
 * The services chat's modules are built with, by type.
 * @typedef {import('../core/crypto-client.js').CryptoClient} CryptoClient
 * @typedef {import('../core/store.js').Store} Store
 * @typedef {import('../core/crypto-client.js').PublicSession} Identity  this login's identity
 * @typedef {ReturnType<typeof import('../net/sessions.js').createSessions>} Sessions  a session registry
 * @typedef {import('../net/sessions.js').Link} Link
 * @typedef {ReturnType<typeof import('../net/network.js').createNetwork>} Network
 * @typedef {ReturnType<Network['join']>} Room  a room joined (net/room.js)
 * @typedef {ReturnType<typeof createChat>} Chat
 */

/**
 * deps: cryptoClient, store, identity, sessions (net/sessions.js), network
 * and own (our own devices' session registry) for chat/mirror.js, mailbox
 * (chat/mailbox.js: the second path, or null), preferences() and
 * displayName() (current settings), timing (core/timing.js). What happens is said on `events`
 * (chat/chat-events.js): messages stored, copied and read, delivery states,
 * unread counts, 'incoming' for notifications, 'session-caught-up' once chat
 * caught up with a member's new session, …
 * @param {{
 *   cryptoClient: CryptoClient,
 *   store: Store,
 *   identity: Identity,
 *   sessions: Sessions,
 *   network: Network,
 *   own: Sessions,
 *   mailbox?: import('./mailbox.js').Mailbox | null,
 *   preferences: () => import('../core/settings.js').Preferences,
 *   displayName: () => string,
 *   timing?: import('../core/timing.js').Timing,
 * }} deps
 */
export function createChat({ cryptoClient, store, identity, sessions, network, own, mailbox = null, preferences, displayName, timing = RELEASE_TIMING }) {
  /** What happens to messages, by name (chat/chat-events.js): the views subscribe to what they draw. */
  const events = createChatEvents();
  const conversations = createConversations({ store, identity, events });
  /**
   * The way to a member now, for acknowledgements and read receipts: every
   * direct session with them (one per device of theirs online: the device
   * that sent a message must hear of it), else their mailbox.
   */
  const route = (/** @type {string} */ fingerprint) => {
    const links = sessions.linksTo(fingerprint);
    if (links.length > 1)
      return { send: (/** @type {string} */ type, /** @type {Uint8Array} */ data) => Promise.any(links.map((link) => link.send(type, data))) };
    return links[0] ?? mailbox?.linkFor(fingerprint) ?? null;
  };
  /** @type {ReturnType<typeof createOutbox>} */
  let outbox;
  const history = createHistory({ cryptoClient, store, conversations, stateOf: (/** @type {string} */ id) => outbox.stateOf(id) });
  const senderKeys = createSenderKeys({ cryptoClient, store, identity });
  let closed = false;
  /** Conversations being marked read right now (chat.markRead). */
  let readsUnderWay = 0;
  outbox = createOutbox({
    cryptoClient,
    store,
    identity,
    sessions,
    conversations,
    history,
    mailbox,
    senderKeys,
    displayName,
    events,
    relayAfterMs: timing.relayAfterMs,
  });
  /** A member's public key, from any conversation that lists it (a fingerprint is the hash of its key). */
  const spkiOf = (/** @type {string} */ fingerprint) =>
    conversations
      .list()
      .flatMap((c) => c.members)
      .find((/** @type {{fingerprint: string}} */ m) => m.fingerprint === fingerprint)?.spki ?? null;
  const forwarding = createForwarding({ identity, sessions, cryptoClient, spkiOf, outbox });
  const inbox = createInbox({
    cryptoClient,
    store,
    route,
    ackFrames: forwarding.ackFrames,
    conversations,
    history,
    senderKeys,
    events,
  });
  // A group message under a key we lack: its owner is asked for it, once,
  // unless the key comes meanwhile (it often follows on another path).
  events.on('key-missing', ({ conversation, sender, keyId }) => {
    setTimeout(() => {
      if (closed || senderKeys.lookup(conversation, sender, keyId) || !senderKeys.shouldAsk(conversation, sender, keyId)) return;
      outbox.send(conversation, { t: 'group-key-request', keyId }, { to: [sender] }).catch(() => {});
    }, KEY_REQUEST_DELAY_MS);
  });
  events.on('group-message-accepted', ({ record, from }) => forwarding.pass(record, from));
  // A member's key is durable before its message is acknowledged; a request
  // for one of ours is answered to the asker alone, if it was a member then
  // (once per asker and key in a session: chat/sender-keys.js).
  inbox.on('group-key', () => senderKeys.save());
  inbox.on('group-key-request', (conv, message) => {
    const answer = senderKeys.answerFor(conv.id, message.content.keyId, message.sender);
    if (answer) outbox.send(conv.id, answer, { to: [message.sender] }).catch(() => {});
  });
  const backlog = createBacklog({ cryptoClient, identity, sessions, conversations, history, outbox, answerIntervalMs: timing.syncAnswerEveryMs });
  const receipts = createReceipts({ identity, sessions, route, conversations, history, outbox, preferences, events });
  const mirror = createMirror({
    cryptoClient,
    store,
    identity,
    network,
    own,
    conversations,
    history,
    stateOf: (/** @type {string} */ id) => outbox.stateOf(id),
    mailbox,
    events,
  });
  // Our own history from the relays (chat/mailbox.js) is the mirror's.
  mailbox?.handleHistory((payloads) => mirror.receiveHistory(payloads));
  events.on('message-copied', ({ conversation, added: message }) => {
    const conv = conversations.get(conversation);
    if (!conv) return;
    // A member's key that reached another device of ours opens messages here too.
    if (message.content.t === 'group-key' && conv.kind === 'group' && senderKeys.learn(conv.id, message.sender, message.content)) senderKeys.save();
    // A file another device of ours stored is fetched here too (chat/transfers.js).
    if (message.content.t !== 'file') return;
    Promise.resolve(inbox.handlerFor('file')?.(conv, message, identity.fingerprint)).catch(() => {});
  });

  // A member's (new) session: what waits for it goes out, groups compare
  // notes, acknowledgements owed to it leave.
  const stopUp = sessions.onUp((/** @type {string} */ fingerprint) => {
    outbox.flush(fingerprint);
    backlog.offer(fingerprint);
    inbox.flushAcks();
    events.emit('session-caught-up', { fingerprint });
  });
  const resendTimer = setInterval(() => outbox.resendDue(), outbox.RESEND_TICK_MS);

  return {
    /** Loads conversations and the outbox saved by earlier sessions. */
    async restore() {
      await upgradeMessageKeys(store, cryptoClient);
      await conversations.restore((tag) => history.newest(tag));
      await senderKeys.load();
      await outbox.restore();
    },
    /** Registers a conversation; what our other devices left on the relays for it before is kept now. */
    async ensureConversation(/** @type {Parameters<typeof conversations.ensure>[0]} */ conversation) {
      const conv = await conversations.ensure(conversation);
      mirror.conversationKnown(conv.id);
      return conv;
    },
    removeConversation(/** @type {string} */ id) {
      conversations.remove(id);
      outbox.forget(id);
      senderKeys.forget(id).catch(() => {});
    },
    /** Renames a conversation as this user sees it (a contact's nickname). */
    retitle(/** @type {string} */ id, /** @type {string} */ title) {
      const conv = conversations.get(id);
      if (!conv) return;
      conv.title = title;
      conversations.saveSoon();
      events.emit('conversation-changed', { conversation: id });
    },
    conversation: conversations.get,
    conversations: conversations.list,
    memberName: conversations.memberName,
    setVisible: conversations.setVisible,
    totalUnread: conversations.totalUnread,

    send: outbox.send,
    addRelayCompanions: outbox.addRelayCompanions,
    whenDelivered: outbox.whenDelivered,
    pendingFor: outbox.pendingFor,
    hasPending: outbox.hasPending,

    history: history.page,
    /** The conversation is on screen: read here, and on our other devices. */
    async markRead(/** @type {string} */ conversationId, /** @type {Array<any>} */ messages) {
      // The unread count clears at once, the read marks are written one by
      // one after it: until they reach the mirror, the read is still
      // pending for our other devices (a tab closed meanwhile loses it).
      readsUnderWay += 1;
      try {
        const { hadUnread, keys } = await receipts.markRead(conversationId, messages);
        if (hadUnread || keys.length) mirror.noteRead(conversationId, keys);
      } finally {
        readsUnderWay -= 1;
      }
    },
    /** Our other devices: their room is joined, and what each holds is compared. */
    startMirror: () => mirror.start(),
    ownDevicesOnline: () => mirror.online(),
    /**
     * Whether nothing of ours is under way: every message and read mark is
     * in the history our devices find on the relays, and every
     * acknowledgement we owe has left. (A tab closed before this holds
     * loses nothing the sender would not send again, but our other devices
     * learn it later.)
     */
    settled: () => mirror.historyPending() + readsUnderWay + inbox.acksPending() === 0,
    /** Nothing older is stored here: ask our other device online for the page before (chat/mirror.js). */
    requestOlder: (/** @type {string} */ conversationId) => mirror.requestOlder(conversationId).catch(() => false),
    typing: receipts.typing,
    typingIn: receipts.typingIn,

    /** Registers what to do with received content of type `t` (files, groups). */
    on: inbox.on,
    /** What happens to messages and sessions, by name (chat/chat-events.js). */
    events: { on: events.on },
    /** chat/groups.js: no key of ours in a group whose member list is unconfirmed; epochs stated in backlog syncs. */
    holdGroupKeys: senderKeys.hold,
    bindGroups: backlog.bind,

    /** The chat protocol's frames, for the dispatcher (net/protocol.js). */
    frames: {
      env: inbox.receive,
      // The peer stored these messages — or a member's signed list of them, passed on (chat/forwarding.js).
      ack: forwarding.receive,
      read: receipts.receiveRead,
      typing: receipts.receiveTyping,
      sync: backlog.receive,
      ...mirror.frames,
    },

    /** Stops; saves the conversation list and outbox unless `save` is false (a restored backup replaces them). */
    async close({ save = true } = {}) {
      closed = true;
      clearInterval(resendTimer);
      stopUp();
      mirror.close();
      events.clear();
      if (save) await Promise.all([conversations.saveNow(), outbox.close()]);
      else {
        conversations.discard();
        outbox.discard();
      }
    },
  };
}

const IDS_FORMAT_KEY = 'ids-format';
const IDS_FORMAT = 2;

/**
 * Databases written before messages were keyed by (sender, id) hold a bare
 * id in `ids` and no sender in `messages`: re-key them once, reading each
 * sender from its envelope's header.
 * @param {Store} store @param {CryptoClient} cryptoClient
 */
async function upgradeMessageKeys(store, cryptoClient) {
  if ((await store.get(IDS_FORMAT_KEY)) === IDS_FORMAT) return;
  const entries = await store.messages.all();
  for (const entry of entries) {
    if (!entry.record.sender) entry.record.sender = (await cryptoClient.peekEnvelope(entry.record.env)).sender;
  }
  await store.messages.reindex(entries.map(({ place, record }) => ({ place, record, key: `${record.sender}:${record.id}` })));
  await store.put(IDS_FORMAT_KEY, IDS_FORMAT);
}
