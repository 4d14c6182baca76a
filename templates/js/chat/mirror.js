// @ts-check
// Our own devices keep the same history. Every device of an identity joins
// one room only that identity can derive (its topic comes from the profile
// key, in the worker) and keeps a session with each other device online.
// Over it they mirror what they store: each message as stored — the envelope,
// its receipt and its delivery state, all sealed with the vault key every
// device of the identity derives alike, so the receiving device reopens it
// exactly as the sender device does — as it is sent, received, or changes
// state; and what was read. When two devices meet, each tells the other the
// messages it holds per conversation (the newest MAX_HAVE), and receives the
// newest INITIAL_HISTORY it lacks, oldest first. Older history comes on
// demand, a page at a time, when the user scrolls to the top of a
// conversation (`mirror-older`); it is stored below the oldest message held
// (sequence numbers under 1), so it shows before it. Storage grows only with
// what the user looks at.
//
// Devices that are never online together meet through the relays instead:
// each device also leaves what it stores first-hand (sent, or received from
// a contact; not what another device mirrored to it) and what was read on
// our own mailbox, as 'history' mail sealed by our identity
// (chat/mailbox.js). Every device reads it with its mail, so a device back
// after days, or a fresh one with no other device online, gets the last
// weeks (as long as the relays keep mail, 14 days by default). The same
// records go both ways, so whichever comes first is kept and the other
// only merges its ticks.
//
// Only our own identity may send these frames: a contact's session sending
// them is ignored. A record must still reopen with our keys as the message it
// claims to be before it is kept.
//
// This module is the part between devices online; the records are read and
// kept by chat/mirror-records.js, the history on the relays is
// chat/mirror-relays.js, and what is decided about records (merging, order,
// what to send, bounds) is chat/mirror-merge.js, without side effects.

import { utf8 } from '../core/encoding.js';
import { isMessageKey, messageKey } from './keys.js';
import { createChatEvents } from './chat-events.js';
import { createMirrorRecords } from './mirror-records.js';
import { createMirrorRelays } from './mirror-relays.js';
import {
  INITIAL_HISTORY,
  MAX_HAVE,
  OLDER_PAGE,
  inventory,
  lackedKeys,
  olderLimit,
  pageKeys,
  parseFrame,
  readFrame,
  stateGoesToRelays,
} from './mirror-merge.js';

export { INITIAL_HISTORY, OLDER_PAGE };

/** The same older page is asked for again only after this long. */
const OLDER_RETRY_MS = 10_000;
/** A 'mirror' frame carries records until about this many bytes (one larger record goes alone). */
const BATCH_BYTES = 768 * 1024;
/** How long records wait to be mirrored together. */
const BATCH_MS = 30;

/**
 * deps: cryptoClient, store, identity, network (net/network.js), own (a
 * session registry of our own devices, net/sessions.js), conversations,
 * history, stateOf(id) → the outbox's state of our message (null once it
 * left the outbox), mailbox (chat/mailbox.js, for the history on the relays;
 * may be null), events (chat/chat-events.js: what is stored first-hand, and
 * our messages once delivered or read, is mirrored and left on the relays).
 * What it stores or merges from our other devices is said on `events` too
 * ('message-copied', 'copy-merged'), which it does not itself hear.
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   identity: import('../core/crypto-client.js').PublicSession,
 *   network: import('./chat.js').Network,
 *   own: import('./chat.js').Sessions,
 *   conversations: import('./conversations.js').Conversations,
 *   history: import('./history.js').ChatHistory,
 *   stateOf: (id: string) => import('./delivery.js').DeliveryState | null,
 *   mailbox?: import('./mailbox.js').Mailbox | null,
 *   events?: import('./chat-events.js').ChatEvents,
 * }} deps
 */
export function createMirror({ cryptoClient, store, identity, network, own, conversations, history, stateOf, mailbox = null, events = createChatEvents() }) {
  /** @type {Set<string>} message keys waiting to be mirrored */
  const dirty = new Set();
  let timer = /** @type {ReturnType<typeof setTimeout> | null} */ (null);
  /** @type {import('./chat.js').Room | null} our devices' room, once joined */
  let room = null;
  /** @type {(() => void) | null} */
  let stopUp = null;
  let closed = false;
  const mine = (/** @type {string} */ fingerprint) => fingerprint === identity.fingerprint;
  /** @type {Map<string, {before: string | null, at: number}>} conversation id -> the older page last asked for */
  const askedOlder = new Map();
  const records = createMirrorRecords({ cryptoClient, store, identity, conversations, history, stateOf, events });
  const relays = createMirrorRelays({ mailbox, conversations, records });

  /** Mirrors message `key` to our devices online, and leaves it on the relays when `forRelaysToo`. */
  function noteMessage(/** @type {string} */ key, /** @type {boolean} */ forRelaysToo) {
    schedule(key);
    if (forRelaysToo) relays.noteRecord(key);
  }
  // What is stored here first-hand is mirrored and left on the relays; a
  // change of state is mirrored, and left on the relays too once a message
  // of ours is delivered or read. (What this module stores from our other
  // devices is neither event: they have it.)
  const unsubscribe = [
    events.on('message-stored', ({ message, added }) => noteMessage(messageKey(added.sender, message), true)),
    events.on('state-changed', ({ message, sender, state }) => noteMessage(messageKey(sender, message), stateGoesToRelays(mine(sender), state))),
  ];

  /** Sends these records to every device of ours online (or to `links`), in frames of about BATCH_BYTES. */
  async function push(/** @type {string[]} */ keys, links = own.linksTo(identity.fingerprint), { older = false } = {}) {
    if (!links.length || !keys.length) return;
    const flush = async (/** @type {object[]} */ batch) => {
      if (!batch.length) return;
      const frame = utf8(JSON.stringify(older ? { records: batch, older } : { records: batch }));
      await Promise.all(links.map((link) => link.send('mirror', frame).catch(() => {})));
    };
    await flush(await records.inBatches(keys, BATCH_BYTES, flush));
  }

  function schedule(/** @type {string} */ key) {
    if (closed || !own.isOnline(identity.fingerprint)) return;
    dirty.add(key);
    timer ??= setTimeout(() => {
      timer = null;
      const keys = [...dirty];
      dirty.clear();
      push(keys).catch(() => {});
    }, BATCH_MS);
  }

  /** Tells a device that just came online which messages we hold, per conversation. */
  async function sendInventory(/** @type {import('./chat.js').Link} */ link) {
    for (const conv of conversations.list()) {
      const newest = await history.newest(conv.tag, MAX_HAVE);
      await link.send('mirror-have', utf8(JSON.stringify(inventory(conv.id, newest)))).catch(() => {});
    }
  }

  const frames = {
    /** 'mirror': records another device of ours stored (or whose state changed). */
    mirror(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const body = parseFrame(data);
      if (!Array.isArray(body?.records)) return;
      return records.inTurn(() => records.keepAll(body.records, { older: body.older === true }));
    },

    /** 'mirror-have': what another device of ours holds of a conversation; it gets what it lacks, oldest first. */
    async 'mirror-have'(/** @type {string} */ fingerprint, /** @type {import('./chat.js').Link} */ link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const message = parseFrame(data);
      const conv = conversations.get(message?.conv);
      if (!conv || !Array.isArray(message.keys)) return;
      await push(lackedKeys(await history.newest(conv.tag, MAX_HAVE), message.keys), [link]);
    },

    /** 'mirror-older': another device of ours scrolled to the top of a conversation; it gets the page before its oldest message. */
    async 'mirror-older'(/** @type {string} */ fingerprint, /** @type {import('./chat.js').Link} */ link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const message = parseFrame(data);
      const conv = conversations.get(message?.conv);
      if (!conv) return;
      let beforeSeq = Infinity;
      if (message.before !== null) {
        if (!isMessageKey(message.before)) return;
        const place = await store.messages.locate(message.before);
        if (!place || place[0] !== conv.tag) return; // a message we do not hold: nothing to page from
        beforeSeq = place[1];
      }
      const page = await store.messages.page(conv.tag, { beforeSeq, limit: olderLimit(message.limit) });
      await push(pageKeys(page), [link], { older: true });
    },

    /** 'mirror-read': another device of ours showed these messages (the conversation is read there). */
    async 'mirror-read'(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const message = parseFrame(data);
      const conv = conversations.get(message?.conv);
      if (!conv || !Array.isArray(message.keys)) return;
      await records.applyRead(conv, message, true);
    },
  };

  return {
    frames,

    /** Joins our devices' room; each device that comes online gets our inventory. */
    async start() {
      stopUp = own.onUp((_fingerprint, link) => {
        sendInventory(link).catch(() => {});
      });
      // Sockets of its own: a relay or tracker must not link it with our contacts' rooms.
      room = network.join({
        room: await cryptoClient.devicesRoom(),
        allowed: () => [identity.fingerprint],
        registry: own,
        onFailedAttempt: () => {},
        separate: true,
      });
    },

    /** The user read a conversation here: the other devices clear it too (online now, or later from the relays). */
    noteRead(/** @type {string} */ conversationId, /** @type {string[]} */ keys) {
      const at = Date.now();
      const frame = utf8(JSON.stringify(readFrame(conversationId, keys, at)));
      for (const link of own.linksTo(identity.fingerprint)) link.send('mirror-read', frame).catch(() => {});
      relays.noteRead(conversationId, keys, at);
    },

    /** Our own history from the relays (chat/mailbox.js hands it over, a catch-up at a time). */
    receiveHistory: (/** @type {Uint8Array[]} */ payloads) => relays.receive(payloads),

    /** A conversation became known here: what the relays brought for it before is kept now. */
    conversationKnown: (/** @type {string} */ conversationId) => relays.conversationKnown(conversationId),

    /** Records and reads not yet handed to the relays (waiting, or being sealed and published). */
    historyPending: () => relays.pending(),

    /**
     * The user scrolled to the top of a conversation and nothing older is
     * stored here: asks a device of ours online for the page before our
     * oldest message. Resolves to whether one was asked.
     */
    async requestOlder(/** @type {string} */ conversationId) {
      const conv = conversations.get(conversationId);
      const link = own.linksTo(identity.fingerprint).at(-1);
      if (!conv || !link) return false;
      const oldest = await store.messages.oldest(conv.tag);
      const before = oldest ? messageKey(oldest.sender, oldest.id) : null;
      // The same page is not asked for twice in a row while the answer may be on its way.
      const last = askedOlder.get(conv.id);
      if (last && last.before === before && Date.now() - last.at < OLDER_RETRY_MS) return false;
      askedOlder.set(conv.id, { before, at: Date.now() });
      await link.send('mirror-older', utf8(JSON.stringify({ conv: conv.id, before, limit: OLDER_PAGE })));
      return true;
    },

    /** Devices of ours online now (other than this one). */
    online: () => own.linksTo(identity.fingerprint).length,

    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      relays.close();
      stopUp?.();
      for (const off of unsubscribe) off();
      if (room) network.leave(room);
    },
  };
}
