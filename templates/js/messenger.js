// Conversations and delivery: nothing lost, nothing twice (DESIGN.md §6).
//
// Sending: the envelope is sealed to every member (and to ourselves), written
// durably with its receipt and an outbox entry, and only then shown as
// "queued". Whenever a member's authenticated session is up, its pending
// envelopes go out in order; unacknowledged ones are sent again with backoff
// and on every reconnect.
// Receiving: an envelope is verified and opened, written durably, and only
// then acknowledged; a message id already stored is acknowledged again but
// not stored twice. Group members also exchange which recent message ids they
// hold, so anyone online passes on what a member missed (envelopes are sealed
// per member: a forwarder learns nothing).

import { fromUtf8, toHex, utf8 } from './encoding.js';
import { request } from './store.js';
import { checkContent } from './content.js';

export const PAGE_SIZE = 50;
const RESEND_BASE_MS = 4_000;
const RESEND_MAX_MS = 60_000;
const RESEND_TICK_MS = 2_000;
const SYNC_WINDOW = 500;
const TYPING_SHOW_MS = 6_000;
const TYPING_SEND_EVERY_MS = 3_000;
/** Largest message content (JSON) a peer may send us. */
export const MAX_CONTENT = 256 * 1024;

/** Largest Lamport counter an envelope may carry (worker/src/envelope/codec.rs). */
export const MAX_LAMPORT = 2 ** 53 - 1;
/** A received counter further ahead of ours than this is not adopted: no
 *  honest conversation moves that far, and adopting it would let one
 *  envelope push everyone's counters to the limit. */
export const MAX_LAMPORT_STEP = 2 ** 32;

const CONTROL_TYPES = new Set(['ack', 'read', 'typing', 'sync']);
const CONVERSATIONS_KEY = 'conversations';
const OUTBOX_KEY = 'outbox';
/** The `ids` store is keyed by messageKey() since this format. */
const IDS_FORMAT_KEY = 'ids-format';
const IDS_FORMAT = 2;

/**
 * What a message is deduplicated and looked up by: its sender and its id.
 * Message ids are chosen by senders, so an id alone proves nothing: someone
 * who learns another member's id must not be able to shadow that message.
 */
export const messageKey = (sender, id) => `${sender}:${id}`;
const keySender = (key) => key.slice(0, key.indexOf(':'));
const keyId = (key) => key.slice(key.indexOf(':') + 1);
const KEY_PATTERN = /^[0-9a-f]{64}:[0-9a-f]{32}$/;

function messageError(message, code) {
  return Object.assign(new Error(`messenger: ${message}`), { code });
}

/** A queue that runs one task at a time and batches what piles up meanwhile. */
function batcher(run) {
  let queue = [];
  let running = null;
  async function drain() {
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        const results = await run(batch.map((item) => item.value));
        batch.forEach((item, i) => item.resolve(results?.[i]));
      } catch (error) {
        batch.forEach((item) => item.reject(error));
      }
    }
    running = null;
  }
  return (value) => new Promise((resolve, reject) => {
    queue.push({ value, resolve, reject });
    running ??= drain();
  });
}

export function createMessenger({ cryptoClient, store, identity, preferences, displayName, onChange, onIncoming, onAttach }) {
  const conversations = new Map(); // id -> conversation
  const outbox = new Map(); // message id -> {id, conv, seq, pending:Set, lastSent:Map, attempts:Map}
  const envelopes = new Map(); // message id -> envelope bytes (outbox only)
  const links = new Map(); // fingerprint -> ready link
  const handlers = new Map(); // content type -> handler(conversation, message)
  const deliveryWaiters = new Map(); // message id -> [resolve]
  let saveTimer = null;

  const changed = (what) => onChange?.(what);
  const metaContext = (id) => `meta/${id}`;

  // ---- persistence of conversations and outbox ----

  function snapshot(conv) {
    const { id, tag, kind, ref, title, lamport, nextSeq, unread, lastActivity, lastPreview, recent, names } = conv;
    return { id, tag, kind, ref, title, lamport, nextSeq, unread, lastActivity, lastPreview, names, recent: recent.slice(-SYNC_WINDOW) };
  }
  function saveSoon() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, 300);
  }
  async function saveNow() {
    clearTimeout(saveTimer);
    await store.put(CONVERSATIONS_KEY, [...conversations.values()].map(snapshot));
  }
  const outboxSnapshot = () => [...outbox.values()].map((o) => ({ id: o.id, conv: o.conv, seq: o.seq, pending: [...o.pending] }));

  /** The newest stored records of a conversation (seq and id only). */
  function newestRecords(tag, limit) {
    return new Promise((resolve, reject) => {
      const found = [];
      const range = IDBKeyRange.bound([tag, 0], [tag, Infinity]);
      const cursor = store.db.transaction('messages').objectStore('messages').openCursor(range, 'prev');
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c || found.length >= limit) return resolve(found.reverse());
        found.push({ seq: c.key[1], id: c.value.id, sender: c.value.sender });
        c.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    });
  }

  /**
   * Databases written before messages were keyed by (sender, id) hold a
   * bare id in `ids` and no sender in `messages`: re-key them once, reading
   * each sender from its envelope's header.
   */
  async function upgradeIds() {
    if ((await store.get(IDS_FORMAT_KEY)) === IDS_FORMAT) return;
    const records = await store.read(['messages'], ({ messages }) => new Promise((resolve, reject) => {
      const found = [];
      const cursor = messages.openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return resolve(found);
        found.push({ key: c.key, value: c.value });
        c.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    }));
    for (const record of records) {
      if (!record.value.sender) record.value.sender = (await cryptoClient.peekEnvelope(record.value.env)).sender;
    }
    await store.write(['messages', 'ids'], ({ messages, ids }) => {
      ids.clear();
      for (const { key, value } of records) {
        messages.put(value, key);
        ids.put(key, messageKey(value.sender, value.id));
      }
    });
    await store.put(IDS_FORMAT_KEY, IDS_FORMAT);
  }

  /** Loads conversations and the outbox saved by earlier sessions. */
  async function restore() {
    await upgradeIds();
    for (const saved of (await store.get(CONVERSATIONS_KEY)) ?? []) {
      // The message store is the authority on sequence numbers and recent
      // ids: the conversation list is saved lazily and may be a bit behind.
      const newest = await newestRecords(saved.tag, SYNC_WINDOW);
      const nextSeq = Math.max(saved.nextSeq ?? 1, (newest.at(-1)?.seq ?? 0) + 1);
      conversations.set(saved.id, {
        ...saved, nextSeq, members: [], typing: new Map(), names: saved.names ?? {}, recent: newest.map((r) => messageKey(r.sender, r.id)),
      });
    }
    for (const entry of (await store.get(OUTBOX_KEY)) ?? []) {
      const conv = conversations.get(entry.conv);
      if (!conv) continue;
      const record = await request(store.db.transaction('messages').objectStore('messages').get([conv.tag, entry.seq]));
      if (!record) continue;
      envelopes.set(entry.id, record.env);
      outbox.set(entry.id, { ...entry, pending: new Set(entry.pending), lastSent: new Map(), attempts: new Map() });
    }
  }

  // ---- conversations ----

  /**
   * Registers a conversation (pair with a contact, or a group); members:
   * [{fingerprint, spki}]. A new conversation is saved before this resolves:
   * its storage tag must never be lost once messages use it.
   */
  async function ensureConversation({ id, kind, ref, title, members }) {
    let conv = conversations.get(id);
    const created = !conv;
    if (created) {
      conv = {
        id, kind, ref, title,
        tag: toHex(crypto.getRandomValues(new Uint8Array(8))),
        lamport: 0, nextSeq: 1, unread: 0, lastActivity: 0, lastPreview: '', recent: [], names: {},
        typing: new Map(),
      };
      conversations.set(id, conv);
    }
    conv.kind = kind;
    conv.ref = ref;
    conv.title = title;
    conv.members = members.filter((m) => m.fingerprint !== identity.fingerprint);
    if (created) await saveNow();
    return conv;
  }

  function removeConversation(id) {
    conversations.delete(id);
    for (const [messageId, entry] of outbox) if (entry.conv === id) outbox.delete(messageId);
    saveSoon();
  }

  // ---- sending ----

  async function sendTo(fingerprint, entry) {
    const link = links.get(fingerprint);
    const bytes = envelopes.get(entry.id);
    if (!link || !bytes || link.state !== 'ready') return;
    entry.lastSent.set(fingerprint, Date.now());
    entry.attempts.set(fingerprint, (entry.attempts.get(fingerprint) ?? 0) + 1);
    try {
      await link.send('env', bytes);
      if (!entry.sentOnce) {
        entry.sentOnce = true;
        changed({ conversation: entry.conv, message: entry.id });
      }
    } catch {
      // the session dropped: the envelope stays pending
    }
  }

  const persistSent = batcher(async (items) => {
    await store.write(['messages', 'ids'], ({ messages, ids }) => {
      for (const item of items) {
        messages.put({ id: item.id, sender: identity.fingerprint, env: item.envelope, rcpt: item.receipt, meta: item.meta }, [item.tag, item.seq]);
        ids.put([item.tag, item.seq], messageKey(identity.fingerprint, item.id));
      }
    });
    await store.put(OUTBOX_KEY, outboxSnapshot());
    return items.map(() => true);
  });

  /** Seals `content` (an object) to the conversation's members and queues it. */
  async function send(conversationId, content) {
    const conv = conversations.get(conversationId);
    if (!conv) throw messageError('unknown conversation', 'unknown-conversation');
    const name = displayName?.();
    if (name && content.n === undefined) content = { ...content, n: name };
    if (!checkContent(content)) throw messageError('this message is not well formed', 'malformed');
    const bytes = utf8(JSON.stringify(content));
    if (bytes.length > MAX_CONTENT) throw messageError('message too large', 'too-large');
    // Saturates instead of failing: ordering ties are broken by arrival.
    conv.lamport = Math.min(conv.lamport + 1, MAX_LAMPORT);
    const lamport = conv.lamport;
    const timestampMs = Date.now();
    const { envelope, messageId } = await cryptoClient.sealEnvelope({
      recipients: conv.members.map((m) => m.spki),
      conversationId: fromHexBytes(conv.id),
      timestampMs,
      lamport,
      content: bytes,
    });
    // Our own copy: opening it once gives the receipt that reopens it later.
    const own = await cryptoClient.openEnvelope(envelope, identity.spki);
    const seq = conv.nextSeq++;
    const meta = { mine: true, delivered: {}, read: {} };
    const entry = { id: messageId, conv: conv.id, seq, pending: new Set(conv.members.map((m) => m.fingerprint)), lastSent: new Map(), attempts: new Map() };
    outbox.set(messageId, entry);
    envelopes.set(messageId, envelope);
    await persistSent({ id: messageId, envelope, receipt: own.receipt, meta: await store.seal(metaContext(messageId), meta), tag: conv.tag, seq });
    noteActivity(conv, messageKey(identity.fingerprint, messageId), content, timestampMs, false);
    const message = { id: messageId, seq, sender: identity.fingerprint, mine: true, timestampMs, lamport, content, state: 'queued', delivered: {}, read: {} };
    changed({ conversation: conv.id, message: messageId, added: message });
    for (const fingerprint of entry.pending) sendTo(fingerprint, entry);
    return message;
  }

  function noteActivity(conv, key, content, timestampMs, incoming) {
    conv.lastActivity = Math.max(conv.lastActivity, Math.min(timestampMs, Date.now()));
    conv.lastPreview = preview(content);
    conv.recent.push(key);
    if (conv.recent.length > SYNC_WINDOW * 2) conv.recent = conv.recent.slice(-SYNC_WINDOW);
    if (incoming && !conv.visible) conv.unread += 1;
    saveSoon();
  }

  // ---- receiving ----

  const receiveBatch = batcher(async (items) => {
    const accepted = [];
    const seen = new Set();
    for (const item of items) {
      try {
        const result = await openIncoming(item, seen);
        if (result) accepted.push(result);
      } catch {
        // forged, not for us, malformed or from a stranger: dropped, never acknowledged
      }
    }
    if (accepted.length) {
      await store.write(['messages', 'ids'], ({ messages, ids }) => {
        for (const m of accepted) {
          messages.put({ id: m.id, sender: m.sender, env: m.envelope, rcpt: m.receipt, meta: m.meta }, [m.conv.tag, m.seq]);
          ids.put([m.conv.tag, m.seq], messageKey(m.sender, m.id));
        }
      });
    }
    // Durable now: acknowledge, then show.
    for (const m of accepted) {
      ackLater(m.from, messageKey(m.sender, m.id));
      // Each member states its own display name; the newest one counts.
      if (m.content.n !== undefined) m.conv.names[m.sender] = m.content.n;
      noteActivity(m.conv, messageKey(m.sender, m.id), m.content, m.timestampMs, true);
      const message = { id: m.id, seq: m.seq, sender: m.sender, mine: false, timestampMs: m.timestampMs, lamport: m.lamport, content: m.content, state: 'received' };
      changed({ conversation: m.conv.id, message: m.id, added: message });
      handlers.get(m.content.t)?.(m.conv, message, m.from);
      onIncoming?.(m.conv, message);
    }
    return items.map(() => null);
  });

  const storedKey = (key) => request(store.db.transaction('ids').objectStore('ids').get(key));

  /**
   * Checks one received envelope, in an order that trusts nothing the peer
   * chose: its conversation must be ours, its sender a member (and, in a
   * pair, the peer itself); only then is it verified. A (sender, id) we
   * already hold is acknowledged again once its signature verifies; a new
   * one is opened and its content checked before it is accepted.
   */
  async function openIncoming({ bytes, from }, seen) {
    const header = await cryptoClient.peekEnvelope(bytes);
    const conv = conversations.get(header.conversationId);
    if (!conv) return null;
    const sender = conv.members.find((m) => m.fingerprint === header.sender);
    if (!sender) return null;
    if (conv.kind === 'pair' && from !== header.sender) return null; // nobody forwards in a pair
    const key = messageKey(header.sender, header.messageId);
    if (seen.has(key) || (await storedKey(key)) !== undefined) {
      await cryptoClient.verifyEnvelope(bytes, sender.spki);
      ackLater(from, key);
      return null;
    }
    const opened = await cryptoClient.openEnvelope(bytes, sender.spki);
    if (opened.conversationId !== conv.id || opened.sender !== header.sender) return null;
    if (opened.content.length > MAX_CONTENT) return null;
    let content;
    try {
      content = checkContent(JSON.parse(fromUtf8(opened.content)));
    } catch {
      return null;
    }
    if (!content) return null;
    seen.add(key);
    if (opened.lamport > conv.lamport && opened.lamport - conv.lamport <= MAX_LAMPORT_STEP) conv.lamport = opened.lamport;
    const seq = conv.nextSeq++;
    return {
      id: header.messageId, conv, seq, from, content,
      sender: header.sender,
      timestampMs: opened.timestampMs,
      lamport: opened.lamport,
      envelope: bytes,
      receipt: opened.receipt,
      meta: await store.seal(metaContext(header.messageId), { mine: false, readAt: null }),
    };
  }

  const pendingAcks = new Map(); // fingerprint -> Set(message keys)
  function ackLater(fingerprint, key) {
    if (!pendingAcks.has(fingerprint)) pendingAcks.set(fingerprint, new Set());
    pendingAcks.get(fingerprint).add(key);
  }
  function flushAcks() {
    for (const [fingerprint, keys] of pendingAcks) {
      const link = links.get(fingerprint);
      if (!link || !keys.size) continue;
      link.send('ack', utf8(JSON.stringify({ keys: [...keys] }))).catch(() => {});
      pendingAcks.delete(fingerprint);
    }
  }

  /** Changes the sealed delivery state of the message stored under `messageKey`. */
  async function updateMeta(mkey, update) {
    const key = await storedKey(mkey);
    if (!key) return null;
    const record = await request(store.db.transaction('messages').objectStore('messages').get(key));
    if (!record) return null;
    const meta = await store.open(metaContext(record.id), record.meta);
    update(meta);
    record.meta = await store.seal(metaContext(record.id), meta);
    await store.write(['messages'], ({ messages }) => messages.put(record, key));
    return meta;
  }

  /** `keys` were stored by `fingerprint`; only keys of our own messages matter here. */
  async function onAck(fingerprint, keys) {
    const now = Date.now();
    let outboxChanged = false;
    for (const key of keys) {
      if (typeof key !== 'string' || !KEY_PATTERN.test(key) || keySender(key) !== identity.fingerprint) continue;
      const id = keyId(key);
      const entry = outbox.get(id);
      if (!entry?.pending.has(fingerprint)) continue;
      entry.pending.delete(fingerprint);
      if (!entry.pending.size) {
        outbox.delete(id);
        envelopes.delete(id);
        for (const resolve of deliveryWaiters.get(id) ?? []) resolve();
        deliveryWaiters.delete(id);
      }
      outboxChanged = true;
      await updateMeta(key, (meta) => {
        meta.delivered[fingerprint] = now;
      });
      changed({ conversation: entry.conv, message: id });
    }
    if (outboxChanged) await store.put(OUTBOX_KEY, outboxSnapshot());
  }

  /** `ids` of our messages were read by `fingerprint`. */
  async function onRead(fingerprint, ids) {
    for (const id of ids) {
      if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) continue;
      const key = messageKey(identity.fingerprint, id);
      const conv = [...conversations.values()].find((c) => c.recent.includes(key));
      // Only a member of the message's conversation can have read it.
      if (!conv?.members.some((m) => m.fingerprint === fingerprint)) continue;
      const meta = await updateMeta(key, (m) => {
        if (m.mine) m.read[fingerprint] = m.read[fingerprint] ?? Date.now();
      });
      if (meta?.mine) changed({ conversation: conv.id, message: id });
    }
  }

  function onTyping(fingerprint, conversationId) {
    const conv = conversations.get(conversationId);
    if (!conv || !conv.members.some((m) => m.fingerprint === fingerprint)) return;
    conv.typing.set(fingerprint, Date.now() + TYPING_SHOW_MS);
    changed({ conversation: conv.id, typing: true });
    setTimeout(() => changed({ conversation: conv.id, typing: true }), TYPING_SHOW_MS + 50);
  }

  /** Group backlog: send what the peer lacks of our recent envelopes addressed to it. */
  async function onSync(fingerprint, { conv: conversationId, have }) {
    const conv = conversations.get(conversationId);
    if (!conv || conv.kind !== 'group' || !conv.members.some((m) => m.fingerprint === fingerprint)) return;
    const theirs = new Set(Array.isArray(have) ? have.slice(0, SYNC_WINDOW).filter((k) => typeof k === 'string' && KEY_PATTERN.test(k)) : []);
    const link = links.get(fingerprint);
    // What they hold of ours counts as delivered to them.
    const delivered = conv.recent.filter((key) => theirs.has(key) && keySender(key) === identity.fingerprint && outbox.get(keyId(key))?.pending.has(fingerprint));
    if (delivered.length) await onAck(fingerprint, delivered);
    // Our own pending messages go through the outbox; the rest is forwarded.
    const missing = conv.recent.slice(-SYNC_WINDOW)
      .filter((key) => !theirs.has(key) && keySender(key) !== fingerprint && !(keySender(key) === identity.fingerprint && outbox.has(keyId(key))));
    for (const key of missing) {
      const where = await storedKey(key);
      const record = where && (await request(store.db.transaction('messages').objectStore('messages').get(where)));
      if (!record || !link || link.state !== 'ready') continue;
      const header = await cryptoClient.peekEnvelope(record.env);
      if (header.recipients.includes(fingerprint)) await link.send('env', record.env).catch(() => {});
    }
  }

  // ---- sessions ----

  /** A member's authenticated session is up (from any room). */
  function attachLink(fingerprint, link) {
    links.set(fingerprint, link);
    for (const entry of outbox.values()) {
      if (entry.pending.has(fingerprint)) {
        entry.lastSent.delete(fingerprint);
        entry.attempts.delete(fingerprint);
        sendTo(fingerprint, entry);
      }
    }
    for (const conv of conversations.values()) {
      if (conv.kind === 'group' && conv.members.some((m) => m.fingerprint === fingerprint)) {
        link.send('sync', utf8(JSON.stringify({ conv: conv.id, have: conv.recent.slice(-SYNC_WINDOW) }))).catch(() => {});
      }
    }
    flushAcks();
    onAttach?.(fingerprint);
  }

  function detachLink(fingerprint, link) {
    if (links.get(fingerprint) === link) links.delete(fingerprint);
  }

  /** Frames of the messaging protocol; returns false for types it does not handle. */
  function handleFrame(fingerprint, link, type, data) {
    if (links.get(fingerprint) !== link && link.state === 'ready') links.set(fingerprint, link);
    if (type === 'env') {
      const ackTo = new Set();
      receiveBatch({ bytes: data, from: fingerprint, ackTo }).then(flushAcks, flushAcks);
      return true;
    }
    if (!CONTROL_TYPES.has(type)) return false;
    let body;
    try {
      body = JSON.parse(fromUtf8(data));
    } catch {
      return true; // malformed control message: ignored
    }
    if (type === 'ack' && Array.isArray(body.keys)) onAck(fingerprint, body.keys.slice(0, 1000));
    else if (type === 'read' && Array.isArray(body.ids)) onRead(fingerprint, body.ids.slice(0, 1000));
    else if (type === 'typing') onTyping(fingerprint, body.conv);
    else if (type === 'sync') onSync(fingerprint, body);
    else return false;
    return true;
  }

  // Resend what stays unacknowledged, with backoff per recipient.
  const resendTimer = setInterval(() => {
    const now = Date.now();
    for (const entry of outbox.values()) {
      for (const fingerprint of entry.pending) {
        if (!links.has(fingerprint)) continue;
        const last = entry.lastSent.get(fingerprint) ?? 0;
        const attempts = entry.attempts.get(fingerprint) ?? 0;
        const wait = Math.min(RESEND_MAX_MS, RESEND_BASE_MS * 2 ** Math.max(0, attempts - 1));
        if (now - last >= wait) sendTo(fingerprint, entry);
      }
    }
  }, RESEND_TICK_MS);

  // ---- reading ----

  function stateOf(meta, id, conv) {
    if (!meta.mine) return 'received';
    const entry = outbox.get(id);
    const members = conv.members.map((m) => m.fingerprint);
    if (members.length && members.every((fp) => meta.read?.[fp])) return 'read';
    if (!entry || (members.length && members.every((fp) => meta.delivered?.[fp]))) return 'delivered';
    return entry.sentOnce ? 'sent' : 'queued';
  }

  /** Up to `limit` messages before `beforeSeq` (newest last), opened with their receipts. */
  async function history(conversationId, { beforeSeq = Infinity, limit = PAGE_SIZE } = {}) {
    const conv = conversations.get(conversationId);
    if (!conv) return [];
    const upper = Number.isFinite(beforeSeq) ? [conv.tag, beforeSeq] : [conv.tag, Infinity];
    const range = IDBKeyRange.bound([conv.tag, 0], upper, false, true);
    const records = await new Promise((resolve, reject) => {
      const found = [];
      const cursor = store.db.transaction('messages').objectStore('messages').openCursor(range, 'prev');
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c || found.length >= limit) return resolve(found);
        found.push({ seq: c.key[1], ...c.value });
        c.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    });
    const messages = await Promise.all(records.map(async (record) => {
      try {
        const [opened, meta] = await Promise.all([
          cryptoClient.openStored(record.env, record.rcpt),
          store.open(metaContext(record.id), record.meta),
        ]);
        // The store is ours, but a record must still open as what it claims to be.
        if (opened.conversationId !== conv.id || opened.messageId !== record.id) throw new Error('misplaced record');
        const content = checkContent(JSON.parse(fromUtf8(opened.content)));
        if (!content) throw new Error('malformed content');
        return {
          id: record.id,
          seq: record.seq,
          sender: opened.sender,
          mine: meta.mine,
          timestampMs: opened.timestampMs,
          lamport: opened.lamport,
          content,
          state: stateOf(meta, record.id, conv),
          delivered: meta.delivered ?? {},
          read: meta.read ?? {},
          readAt: meta.readAt ?? null,
        };
      } catch {
        return { id: record.id, seq: record.seq, broken: true, content: { t: 'text', body: '' } };
      }
    }));
    return messages.reverse();
  }

  /** The conversation is on screen: clear unread, send read receipts. */
  async function markRead(conversationId, messages) {
    const conv = conversations.get(conversationId);
    if (!conv) return;
    if (conv.unread) {
      conv.unread = 0;
      saveSoon();
      changed({ conversation: conv.id, unread: true });
    }
    const unread = messages.filter((m) => !m.mine && !m.readAt && !m.broken);
    if (!unread.length) return;
    const now = Date.now();
    for (const m of unread) {
      m.readAt = now;
      await updateMeta(messageKey(m.sender, m.id), (meta) => {
        meta.readAt = now;
      });
    }
    if (!preferences().readReceipts) return;
    const bySender = new Map();
    for (const m of unread) bySender.set(m.sender, [...(bySender.get(m.sender) ?? []), m.id]);
    for (const [fingerprint, ids] of bySender) {
      links.get(fingerprint)?.send('read', utf8(JSON.stringify({ ids }))).catch(() => {});
    }
  }

  let lastTypingSent = 0;
  function typing(conversationId) {
    const conv = conversations.get(conversationId);
    if (!conv || !preferences().typingIndicators || Date.now() - lastTypingSent < TYPING_SEND_EVERY_MS) return;
    lastTypingSent = Date.now();
    for (const member of conv.members) {
      links.get(member.fingerprint)?.send('typing', utf8(JSON.stringify({ conv: conv.id }))).catch(() => {});
    }
  }

  return {
    restore,
    ensureConversation,
    removeConversation,
    conversation: (id) => conversations.get(id),
    /** The display name `fingerprint` gave itself in a conversation ('' if none). */
    memberName: (conversationId, fingerprint) => conversations.get(conversationId)?.names?.[fingerprint] ?? '',
    conversations: () => [...conversations.values()],
    send,
    history,
    markRead,
    typing,
    typingIn: (id) => {
      const conv = conversations.get(id);
      if (!conv) return [];
      const now = Date.now();
      return [...conv.typing].filter(([, until]) => until > now).map(([fp]) => fp);
    },
    attachLink,
    detachLink,
    handleFrame,
    /** Registers what to do with received content of type `t` (files, groups). */
    on: (t, handler) => handlers.set(t, handler),
    /** Resolves once every recipient acknowledged message `id`. */
    whenDelivered(id) {
      if (!outbox.has(id)) return Promise.resolve();
      return new Promise((resolve) => deliveryWaiters.set(id, [...(deliveryWaiters.get(id) ?? []), resolve]));
    },
    pendingFor: (fingerprint) => [...outbox.values()].filter((e) => e.pending.has(fingerprint)).length,
    hasPending: () => outbox.size > 0,
    totalUnread: () => [...conversations.values()].reduce((sum, c) => sum + c.unread, 0),
    async close() {
      clearInterval(resendTimer);
      await saveNow();
    },
  };
}

function fromHexBytes(hex) {
  return Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
}

/** A one-line summary of message content for lists and notifications. */
export function preview(content) {
  switch (content?.t) {
    case 'text': return String(content.body ?? '').slice(0, 120);
    case 'file': return content.mime?.startsWith('image/') ? '📷 Photo' : `📎 ${String(content.name ?? 'File').slice(0, 80)}`;
    case 'group-invite': return 'Group invitation';
    case 'group-update': return 'Group updated';
    case 'group-leave': return 'Left the group';
    case 'call': return `📞 ${callSummary(content)}`;
    default: return '';
  }
}

/**
 * "Outgoing video call · 1:23", "Missed voice call", ... from the caller's
 * (`mine` true) or callee's (false) side; neutral when `mine` is undefined.
 */
export function callSummary(content, mine) {
  const kind = content.video ? 'video call' : 'voice call';
  const capital = kind[0].toUpperCase() + kind.slice(1);
  const seconds = Math.round((Number(content.durationMs) || 0) / 1000);
  const duration = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  if (mine === undefined) return content.outcome === 'ended' ? `${capital} · ${duration}` : `${capital} (${content.outcome === 'declined' ? 'declined' : 'not answered'})`;
  switch (content.outcome) {
    case 'ended': return `${mine ? 'Outgoing' : 'Incoming'} ${kind} · ${duration}`;
    case 'declined': return mine ? `${capital} declined` : `You declined a ${kind}`;
    case 'cancelled': return mine ? `${capital} cancelled` : `Missed ${kind}`;
    default: return mine ? `${capital}, no answer` : `Missed ${kind}`;
  }
}
