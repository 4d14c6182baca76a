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

import { fromBase64, fromUtf8, toBase64, utf8 } from '../core/encoding.js';
import { checkContent, isHiddenContent, preview } from './content.js';
import { isMessageKey, keySender, messageKey } from './keys.js';
import { isShownState, laterShownState } from './delivery.js';
import { createChatEvents } from './chat-events.js';
import { metaContext } from '../core/store.js';

/** Most message keys one inventory names (the newest of a conversation). */
export const MAX_HAVE = 5000;
/** Messages per conversation a device that meets another is sent at once, at most (the newest it lacks). */
export const INITIAL_HISTORY = 1000;
/** Messages one `mirror-older` page carries, at most. */
export const OLDER_PAGE = 200;
/** Mirrored records opened at once (in parallel). */
const OPEN_AT_ONCE = 64;
/** The same older page is asked for again only after this long. */
const OLDER_RETRY_MS = 10_000;
/** A 'mirror' frame carries records until about this many bytes (one larger record goes alone). */
const BATCH_BYTES = 768 * 1024;
/** How long records wait to be mirrored together. */
const BATCH_MS = 30;
/** History left on the relays goes in seals of about this many bytes (one large mailbox fragment)... */
const HISTORY_BYTES = 24 * 1024;
/** ... gathered for this long (each seal costs an RSA signature). */
const HISTORY_MS = 500;
/** Message keys one read entry left on the relays names, at most. */
const MAX_READ_KEYS = 500;
/** Records and reads from the relays waiting for their conversation to become known, at most. */
const MAX_WAITING = 20_000;
/** Reads held for records not stored yet (bounded like the waiting records). */
const MAX_READ_BEFORE_KEPT = 20_000;
/** Two copies of one message's sealed state, merged: every delivery and read either knows. */
const mergeMeta = (/** @type {any} */ a, /** @type {any} */ b) => ({
  ...a,
  delivered: { ...b.delivered, ...a.delivered },
  read: { ...b.read, ...a.read },
  readAt: a.readAt ?? b.readAt ?? null,
});

const parse = (/** @type {Uint8Array} */ data) => {
  try {
    return JSON.parse(fromUtf8(data));
  } catch {
    return null;
  }
};
const recordBytes = (/** @type {{env: string, rcpt: string, meta: string}} */ r) => r.env.length + r.rcpt.length + r.meta.length + 400;

/**
 * deps: cryptoClient, store, identity, network (net/network.js), own (a
 * session registry of our own devices, net/sessions.js), conversations,
 * history, stateOf(id) → the outbox's state of our message (null once it
 * left the outbox), mailbox (chat/mailbox.js, for the history on the relays;
 * may be null), events (chat/chat-events.js: what is stored first-hand, and
 * our messages once delivered or read, is mirrored and left on the relays).
 * What it stores or merges from our other devices is said on `events` too
 * ('message-copied', 'copy-merged'), which it does not itself hear.
 */
export function createMirror({
  cryptoClient,
  store,
  identity,
  network,
  own,
  conversations,
  history,
  stateOf,
  mailbox = /** @type {import('./mailbox.js').Mailbox | null} */ (null),
  events = createChatEvents(),
}) {
  /** @type {Set<string>} message keys waiting to be mirrored */
  const dirty = new Set();
  let timer = /** @type {ReturnType<typeof setTimeout> | null} */ (null);
  /** @type {any} */
  let room = null;
  /** @type {(() => void) | null} */
  let stopUp = null;
  let closed = false;
  const mine = (/** @type {string} */ fingerprint) => fingerprint === identity.fingerprint;
  /** @type {Set<string>} message keys waiting to be left on the relays */
  const forRelays = new Set();
  /** @type {Array<{conv: string, keys: string[], at: number}>} reads waiting to be left on the relays */
  const readsForRelays = [];
  let relayTimer = /** @type {ReturnType<typeof setTimeout> | null} */ (null);
  let publishing = 0;
  /** @type {Map<string, {before: string | null, at: number}>} conversation id -> the older page last asked for */
  const askedOlder = new Map();
  /** @type {Map<string, {records: any[], reads: any[]}>} conversation id -> what came from the relays before it was known */
  const waiting = new Map();
  let waitingCount = 0;
  /**
   * Message key -> when another device read it, for reads that came before
   * the record they name (relays return wraps in any order): applied when
   * the record is stored.
   * @type {Map<string, number>}
   */
  const readBeforeKept = new Map();

  /** Mirrors message `key` to our devices online, and leaves it on the relays when `forRelaysToo`. */
  function noteMessage(/** @type {string} */ key, /** @type {boolean} */ forRelaysToo) {
    schedule(key);
    if (!forRelaysToo) return;
    forRelays.add(key);
    scheduleRelays();
  }
  // What is stored here first-hand is mirrored and left on the relays; a
  // change of state is mirrored, and left on the relays too once a message
  // of ours is delivered or read. (What this module stores from our other
  // devices is neither event: they have it.)
  const unsubscribe = [
    events.on('message-stored', ({ message, added }) => noteMessage(messageKey(added.sender, message), true)),
    events.on('state-changed', ({ message, sender, state }) =>
      noteMessage(messageKey(sender, message), mine(sender) && (state === 'delivered' || state === 'read')),
    ),
  ];

  /** The stored record under `key`, as a 'mirror' frame carries it, or null. */
  async function recordFor(/** @type {string} */ key) {
    const place = await store.messages.locate(key);
    if (!place) return null;
    const record = await store.messages.get(place);
    const conv = conversations.list().find((/** @type {any} */ c) => c.tag === place[0]);
    if (!record || !conv) return null;
    return {
      conv: conv.id,
      id: record.id,
      sender: record.sender,
      env: toBase64(record.env),
      rcpt: toBase64(record.rcpt),
      meta: toBase64(record.meta),
      // Out of the outbox means delivered (or read: the meta's read map says so).
      state: mine(record.sender) ? (stateOf(record.id) ?? 'delivered') : null,
    };
  }

  /** Sends these records to every device of ours online (or to `links`), in frames of about BATCH_BYTES. */
  async function push(/** @type {string[]} */ keys, links = own.linksTo(identity.fingerprint), { older = false } = {}) {
    if (!links.length || !keys.length) return;
    /** @type {object[]} */
    let batch = [];
    let size = 0;
    const flush = async () => {
      if (!batch.length) return;
      const frame = utf8(JSON.stringify(older ? { records: batch, older } : { records: batch }));
      batch = [];
      size = 0;
      await Promise.all(links.map((/** @type {any} */ link) => link.send('mirror', frame).catch(() => {})));
    };
    for (const key of keys) {
      const record = await recordFor(key).catch(() => null);
      if (!record) continue;
      const bytes = recordBytes(record);
      if (size + bytes > BATCH_BYTES) await flush();
      batch.push(record);
      size += bytes;
    }
    await flush();
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

  function scheduleRelays() {
    if (closed || !mailbox) return;
    relayTimer ??= setTimeout(() => {
      relayTimer = null;
      publishHistory().catch(() => {});
    }, HISTORY_MS);
  }

  /**
   * Leaves what waits on the relays, in seals of about HISTORY_BYTES. A relay
   * that is down gets it when it is back (net/mailbox-relays.js queues it);
   * what no relay takes is only missing from the relays' copy, never from
   * this device.
   */
  async function publishHistory() {
    publishing += 1;
    try {
      await publishPending();
    } finally {
      publishing -= 1;
    }
  }

  async function publishPending() {
    const keys = [...forRelays];
    forRelays.clear();
    const reads = readsForRelays.splice(0);
    const post = (/** @type {object} */ body) => mailbox?.postHistory(utf8(JSON.stringify(body))).catch(() => false);
    /** @type {object[]} */
    let records = [];
    let size = 0;
    for (const key of keys) {
      const record = await recordFor(key).catch(() => null);
      if (!record) continue;
      const bytes = recordBytes(record);
      if (records.length && size + bytes > HISTORY_BYTES) {
        await post({ records });
        records = [];
        size = 0;
      }
      records.push(record);
      size += bytes;
    }
    if (records.length || reads.length) await post({ records, reads });
  }

  /** Tells a device that just came online which messages we hold, per conversation. */
  async function sendInventory(/** @type {any} */ link) {
    for (const conv of conversations.list()) {
      const newest = await history.newest(conv.tag, MAX_HAVE);
      await link.send('mirror-have', utf8(JSON.stringify({ conv: conv.id, keys: newest.map((/** @type {{key: string}} */ n) => n.key) }))).catch(() => {});
    }
  }

  /**
   * Checks and opens one mirrored record: null if it is not ours, altered
   * or malformed; 'unknown' if its conversation is not known here (yet).
   */
  async function prepare(/** @type {any} */ item) {
    if (!item || typeof item !== 'object') return null;
    if (typeof item.id !== 'string' || !/^[0-9a-f]{32}$/.test(item.id)) return null;
    const conv = conversations.get(item.conv);
    if (!conv) return 'unknown';
    const env = fromBase64(item.env);
    const rcpt = fromBase64(item.rcpt);
    const metaBytes = fromBase64(item.meta);
    // Reopened with our own keys: only our identity can have sealed it.
    const opened = await cryptoClient.openStored(env, rcpt);
    if (opened.conversationId !== conv.id || opened.messageId !== item.id) return null;
    const sender = opened.sender;
    if (!mine(sender) && !conv.members.some((/** @type {{fingerprint: string}} */ m) => m.fingerprint === sender)) return null;
    const content = checkContent(JSON.parse(fromUtf8(opened.content)));
    if (!content) return null;
    const theirs = await store.open(metaContext(item.id), metaBytes);
    if (!theirs || typeof theirs !== 'object' || theirs.mine !== mine(sender)) return null;
    const shown = isShownState(item.state) ? item.state : null;
    return { conv, item, key: messageKey(sender, item.id), sender, env, rcpt, opened, content, theirs, shown };
  }

  /**
   * Keeps mirrored records, oldest first (relays return them in any order),
   * each reported to the views; records of conversations not known yet wait
   * for them when `waitIfUnknown` (they came from the relays, before the
   * roaming profile named their conversation).
   */
  async function keepAll(/** @type {unknown[]} */ items, waitIfUnknown = false, older = false) {
    /** @type {any[]} */
    const ready = [];
    // Opened a slice at a time, in parallel (the worker pipelines them).
    for (let i = 0; i < items.length; i += OPEN_AT_ONCE) {
      const slice = items.slice(i, i + OPEN_AT_ONCE);
      const opened = await Promise.all(slice.map((item) => prepare(item).catch(() => null)));
      opened.forEach((prepared, j) => {
        if (prepared === 'unknown') {
          if (waitIfUnknown) wait(/** @type {any} */ (slice[j]).conv, { records: [slice[j]], reads: [] });
        } else if (prepared) ready.push(prepared);
        // null: not ours, altered or malformed: that record is dropped
      });
    }
    // One message may come twice in a batch (left on the relays when stored, and again once delivered).
    /** @type {Map<string, any>} */
    const byKey = new Map();
    for (const prepared of ready) {
      const same = byKey.get(prepared.key);
      if (!same) byKey.set(prepared.key, prepared);
      else Object.assign(same, { theirs: mergeMeta(same.theirs, prepared.theirs), shown: laterShownState(same.shown, prepared.shown) });
    }
    const unique = [...byKey.values()];
    unique.sort((a, b) => a.opened.timestampMs - b.opened.timestampMs || a.opened.lamport - b.opened.lamport);
    // Older history goes below what is held, newest first: each takes the seq under the oldest.
    if (older) unique.reverse();
    // The inbox may be storing one of these very messages (it reached us directly too).
    const mineNow = unique.filter((prepared) => history.claim(prepared.key));
    try {
      const places = await Promise.all(mineNow.map((prepared) => store.messages.locate(prepared.key)));
      const fresh = mineNow.filter((_, i) => !places[i]);
      for (const [i, prepared] of mineNow.entries()) {
        if (!places[i]) continue;
        const event = await mergeRecord(prepared).catch(() => null);
        if (event) events.emit('copy-merged', event);
      }
      for (const event of await addRecords(fresh, older).catch(() => [])) events.emit('message-copied', event);
    } finally {
      history.release(mineNow.map((prepared) => prepared.key));
    }
  }

  /** Something from the relays for a conversation not known here yet: it waits (bounded). */
  function wait(/** @type {unknown} */ convId, /** @type {{records: any[], reads: any[]}} */ what) {
    if (typeof convId !== 'string' || convId.length > 200 || waitingCount >= MAX_WAITING) return;
    const entry = waiting.get(convId) ?? { records: [], reads: [] };
    entry.records.push(...what.records);
    entry.reads.push(...what.reads);
    waitingCount += what.records.length + what.reads.length;
    waiting.set(convId, entry);
  }

  /** Marks these messages read (another device showed them); `clearAll` when the whole conversation was read there. */
  async function applyRead(/** @type {any} */ conv, /** @type {any} */ message, clearAll) {
    const at = Number.isSafeInteger(message.at) ? Math.min(message.at, Date.now()) : Date.now();
    let newlyRead = 0;
    for (const key of message.keys.slice(0, 1000).filter(isMessageKey)) {
      if (mine(keySender(key))) continue;
      const meta = await history.updateMeta(key, (/** @type {any} */ m) => {
        if (!m.readAt) newlyRead += 1;
        m.readAt = m.readAt ?? at;
      });
      if (!meta && readBeforeKept.size < MAX_READ_BEFORE_KEPT) readBeforeKept.set(key, at);
    }
    if (clearAll) conversations.clearUnread(conv);
    else if (newlyRead) conversations.lessUnread(conv, newlyRead);
  }

  /** History payloads from our own mailbox (chat/mailbox.js): records first, then reads. */
  async function receiveHistory(/** @type {Uint8Array[]} */ payloads) {
    const records = [];
    const reads = [];
    for (const payload of payloads) {
      const body = parse(payload);
      if (Array.isArray(body?.records)) records.push(...body.records.slice(0, 1000));
      if (Array.isArray(body?.reads)) reads.push(...body.reads.slice(0, 100));
    }
    await absorb(records, reads);
  }

  /** Records and reads from the relays: the records first (a read may name them). */
  async function absorb(/** @type {unknown[]} */ records, /** @type {any[]} */ reads) {
    await keepAll(records, true);
    for (const read of reads) {
      if (!read || typeof read !== 'object' || !Array.isArray(read.keys)) continue;
      const conv = conversations.get(read.conv);
      if (!conv) wait(read.conv, { records: [], reads: [read] });
      else await applyRead(conv, read, false).catch(() => {});
    }
  }

  /** Merges a mirrored record into the one we hold: its ticks and reads. */
  async function mergeRecord(/** @type {any} */ { conv, item, key, sender, theirs, shown }) {
    let changed = false;
    const meta = await history.updateMeta(key, (/** @type {any} */ m) => {
      const before = JSON.stringify(m);
      Object.assign(m, mergeMeta(m, theirs));
      if (m.mine && shown && stateOf(item.id) === null) m.shown = laterShownState(m.shown, shown);
      changed = JSON.stringify(m) !== before;
    });
    if (!changed || !meta) return null;
    if (meta.mine) return { conversation: conv.id, message: item.id, sender, state: history.stateFor(meta, item.id, conv) };
    return { conversation: conv.id, message: item.id, sender, readElsewhere: Boolean(meta.readAt) };
  }

  /**
   * Stores records new here in one write, in the order given: after what is
   * held, or (`older`) each below the oldest held. Resolves to the events
   * the views need.
   */
  async function addRecords(/** @type {any[]} */ fresh, older = false) {
    if (!fresh.length) return [];
    /** @type {Map<string, number>} conversation tag -> the oldest seq held, for older history */
    const lowest = new Map();
    const entries = [];
    for (const prepared of fresh) {
      const { conv, item, theirs, shown } = prepared;
      const meta = { ...theirs, ...(theirs.mine && shown ? { shown } : {}) };
      const readAt = readBeforeKept.get(prepared.key);
      if (readAt !== undefined) {
        readBeforeKept.delete(prepared.key);
        if (!meta.mine) meta.readAt = meta.readAt ?? readAt;
      }
      let seq;
      if (older) {
        if (!lowest.has(conv.tag)) lowest.set(conv.tag, (await store.messages.oldest(conv.tag))?.seq ?? 1);
        seq = /** @type {number} */ (lowest.get(conv.tag)) - 1;
        lowest.set(conv.tag, seq);
      } else {
        seq = conversations.nextSeq(conv);
      }
      entries.push({ prepared, meta, seq, sealed: history.sealMeta(item.id, meta) });
    }
    await store.messages.add(
      await Promise.all(
        entries.map(async ({ prepared, seq, sealed }) => ({
          place: [prepared.conv.tag, seq],
          key: prepared.key,
          record: { id: prepared.item.id, sender: prepared.sender, env: prepared.env, rcpt: prepared.rcpt, meta: await sealed },
        })),
      ),
    );
    return entries.map(({ prepared, meta, seq }) => {
      const { conv, item, key, sender, opened, content } = prepared;
      conversations.observe(conv, opened.lamport);
      if (!meta.mine && content.n !== undefined) conversations.noteName(conv, sender, content.n);
      // Older history is not news: it neither moves the conversation up nor counts as unread.
      if (!older) conversations.noteActivity(conv, key, preview(content), opened.timestampMs, !meta.mine && !meta.readAt, { quiet: isHiddenContent(content) });
      const message = {
        id: item.id,
        seq,
        sender,
        mine: meta.mine,
        timestampMs: opened.timestampMs,
        lamport: opened.lamport,
        content,
        state: history.stateFor(meta, item.id, conv),
        delivered: meta.delivered ?? {},
        read: meta.read ?? {},
        readAt: meta.readAt ?? null,
      };
      return { conversation: conv.id, message: item.id, added: message };
    });
  }

  /** Mirrored records are kept one frame after the other (each takes the next seq). */
  let keeping = Promise.resolve();

  const frames = {
    /** 'mirror': records another device of ours stored (or whose state changed). */
    mirror(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const body = parse(data);
      if (!Array.isArray(body?.records)) return;
      keeping = keeping.then(() => keepAll(body.records, false, body.older === true));
      return keeping;
    },

    /** 'mirror-have': what another device of ours holds of a conversation; it gets what it lacks, oldest first. */
    async 'mirror-have'(/** @type {string} */ fingerprint, /** @type {any} */ link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const message = parse(data);
      const conv = conversations.get(message?.conv);
      if (!conv || !Array.isArray(message.keys)) return;
      const theirs = new Set(message.keys.slice(0, MAX_HAVE).filter(isMessageKey));
      const ours = await history.newest(conv.tag, MAX_HAVE);
      const missing = ours
        .filter((/** @type {{key: string}} */ n) => !theirs.has(n.key))
        .slice(0, INITIAL_HISTORY)
        .reverse()
        .map((/** @type {{key: string}} */ n) => n.key);
      await push(missing, [link]);
    },

    /** 'mirror-older': another device of ours scrolled to the top of a conversation; it gets the page before its oldest message. */
    async 'mirror-older'(/** @type {string} */ fingerprint, /** @type {any} */ link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const message = parse(data);
      const conv = conversations.get(message?.conv);
      if (!conv) return;
      let beforeSeq = Infinity;
      if (message.before !== null) {
        if (!isMessageKey(message.before)) return;
        const place = await store.messages.locate(message.before);
        if (!place || place[0] !== conv.tag) return; // a message we do not hold: nothing to page from
        beforeSeq = place[1];
      }
      const limit = Number.isSafeInteger(message.limit) ? Math.min(Math.max(message.limit, 1), OLDER_PAGE) : OLDER_PAGE;
      const page = await store.messages.page(conv.tag, { beforeSeq, limit });
      await push(page.map((/** @type {any} */ r) => messageKey(r.sender, r.id)).reverse(), [link], { older: true });
    },

    /** 'mirror-read': another device of ours showed these messages (the conversation is read there). */
    async 'mirror-read'(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      if (!mine(fingerprint)) return;
      const message = parse(data);
      const conv = conversations.get(message?.conv);
      if (!conv || !Array.isArray(message.keys)) return;
      await applyRead(conv, message, true);
    },
  };

  return {
    frames,

    /** Joins our devices' room; each device that comes online gets our inventory. */
    async start() {
      stopUp = own.onUp((/** @type {string} */ _fingerprint, /** @type {any} */ link) => {
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
      const frame = utf8(JSON.stringify({ conv: conversationId, keys: keys.slice(0, 1000), at }));
      for (const link of own.linksTo(identity.fingerprint)) link.send('mirror-read', frame).catch(() => {});
      for (let i = 0; i < keys.length && i < 1000; i += MAX_READ_KEYS)
        readsForRelays.push({ conv: conversationId, keys: keys.slice(i, i + MAX_READ_KEYS), at });
      if (keys.length) scheduleRelays();
    },

    /** Our own history from the relays (chat/mailbox.js hands it over, a catch-up at a time). */
    receiveHistory(/** @type {Uint8Array[]} */ payloads) {
      keeping = keeping.then(() => receiveHistory(payloads)).catch(() => {});
      return keeping;
    },

    /** A conversation became known here: what the relays brought for it before is kept now. */
    conversationKnown(/** @type {string} */ conversationId) {
      const entry = waiting.get(conversationId);
      if (!entry) return keeping;
      waiting.delete(conversationId);
      waitingCount -= entry.records.length + entry.reads.length;
      keeping = keeping.then(() => absorb(entry.records, entry.reads)).catch(() => {});
      return keeping;
    },

    /** Records and reads not yet handed to the relays (waiting, or being sealed and published). */
    historyPending: () => forRelays.size + readsForRelays.length + publishing,

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
      if (relayTimer) clearTimeout(relayTimer);
      stopUp?.();
      for (const off of unsubscribe) off();
      if (room) network.leave(room);
    },
  };
}
