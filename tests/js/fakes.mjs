// Stand-ins for what the page wires its modules to, shared by the node
// tests so that each behaves one way in every test: the store
// (core/store.js, in memory), the worker behind the crypto client
// (core/crypto-client.js, with nothing secret: what it "seals" can be read)
// and the session registry (net/sessions.js, the real one, over links that
// record what is sent on them). A test that needs a worker call not here
// spreads the stand-in and adds it: `{ ...fakeCrypto(), profileOpen }`.
// What the worker really does is tested in worker/tests; here only what the
// page does with it matters.

import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { createSessions } from '../../templates/js/net/sessions.js';

const text = new TextEncoder();
const untext = new TextDecoder();
const hex = (/** @type {Uint8Array} */ bytes) => Buffer.from(bytes).toString('hex');

// ---- the store ----

/**
 * An in-memory store with the API of core/store.js's openStore, and its
 * semantics where a module could tell them apart: a record is sealed as JSON
 * (what JSON cannot carry does not come back), opening a value under another
 * context than it was sealed for fails an assertion (the worker's AES-GCM
 * would fail too),
 * messages and chunks are kept as IndexedDB keeps them (structured clones,
 * under [tag, seq] and [fileKey, index]), and a page of messages is the
 * newest first. `contents` lets a test look inside; no module uses it.
 */
export function memoryStore() {
  /** @type {Map<string, string>} key -> sealed JSON */
  const records = new Map();
  /** @type {Map<string, object>} JSON of [tag, seq] -> message record */
  const messages = new Map();
  /** @type {Map<string, [string, number]>} `${sender}:${id}` -> [tag, seq] */
  const ids = new Map();
  /** @type {Map<string, Uint8Array>} JSON of [fileKey, index] -> chunk */
  const chunks = new Map();
  const placeOf = (/** @type {string} */ key) => /** @type {[string, number]} */ (JSON.parse(key));
  const seal = async (/** @type {string} */ where, /** @type {unknown} */ value) => ({ where, json: JSON.stringify(value) });
  const open = async (/** @type {string} */ where, /** @type {{where: string, json: string}} */ sealed) => {
    // The worker's AES-GCM would fail too: the context is bound to what it sealed.
    assert.equal(sealed?.where, where, 'opened under the context it was sealed for');
    return JSON.parse(sealed.json);
  };
  const recordContext = (/** @type {string} */ key) => `records/${key}`;
  /** The messages of `tag` with seq in [lower, upper), in order of seq. */
  const messagesOf = (/** @type {string} */ tag, lower = -Infinity, upper = Infinity) =>
    [...messages]
      .map(([key, record]) => ({ place: placeOf(key), record }))
      .filter(({ place }) => place[0] === tag && place[1] >= lower && place[1] < upper)
      .sort((a, b) => a.place[1] - b.place[1])
      .map(({ place, record }) => ({ seq: place[1], ...structuredClone(record) }));
  const chunksOf = (/** @type {string} */ fileKey) => [...chunks.keys()].map(placeOf).filter(([key]) => key === fileKey);
  return {
    contents: { records, messages, ids, chunks },
    seal,
    open,
    get: async (/** @type {string} */ key) => (records.has(key) ? open(recordContext(key), { where: recordContext(key), json: records.get(key) }) : undefined),
    put: async (/** @type {string} */ key, /** @type {unknown} */ value) => void records.set(key, (await seal(recordContext(key), value)).json),
    delete: async (/** @type {string} */ key) => void records.delete(key),
    messages: {
      add: async (/** @type {Array<{place: [string, number], key: string, record: object}>} */ items) => {
        for (const { place, key, record } of items) {
          messages.set(JSON.stringify(place), structuredClone(record));
          ids.set(key, structuredClone(place));
        }
      },
      locate: async (/** @type {string} */ key) => structuredClone(ids.get(key)),
      get: async (/** @type {[string, number]} */ place) => structuredClone(messages.get(JSON.stringify(place))),
      replace: async (/** @type {[string, number]} */ place, /** @type {object} */ record) => void messages.set(JSON.stringify(place), structuredClone(record)),
      page: async (/** @type {string} */ tag, { beforeSeq = Infinity, limit = 50 } = {}) => messagesOf(tag, -Infinity, beforeSeq).reverse().slice(0, limit),
      oldest: async (/** @type {string} */ tag) => messagesOf(tag)[0] ?? null,
      all: async () =>
        [...messages]
          .map(([key, record]) => ({ place: placeOf(key), record: structuredClone(record) }))
          .sort((a, b) => (a.place[0] === b.place[0] ? a.place[1] - b.place[1] : a.place[0] < b.place[0] ? -1 : 1)),
      reindex: async (/** @type {Array<{place: [string, number], record: object, key: string}>} */ entries) => {
        ids.clear();
        for (const { place, record, key } of entries) {
          messages.set(JSON.stringify(place), structuredClone(record));
          ids.set(key, structuredClone(place));
        }
      },
    },
    chunks: {
      put: async (/** @type {string} */ fileKey, /** @type {number} */ index, /** @type {Uint8Array} */ bytes) =>
        void chunks.set(JSON.stringify([fileKey, index]), structuredClone(bytes)),
      putGrouped: async (/** @type {string} */ fileKey, /** @type {number} */ index, /** @type {Uint8Array} */ bytes) =>
        void chunks.set(JSON.stringify([fileKey, index]), structuredClone(bytes)),
      get: async (/** @type {string} */ fileKey, /** @type {number} */ index) => structuredClone(chunks.get(JSON.stringify([fileKey, index]))),
      indexes: async (/** @type {string} */ fileKey) => new Set(chunksOf(fileKey).map(([, index]) => index)),
      drop: async (/** @type {string} */ fileKey) => chunksOf(fileKey).forEach((place) => chunks.delete(JSON.stringify(place))),
      move: async (/** @type {string} */ from, /** @type {string} */ to) => {
        for (const [, index] of chunksOf(from)) {
          chunks.set(JSON.stringify([to, index]), /** @type {Uint8Array} */ (chunks.get(JSON.stringify([from, index]))));
          chunks.delete(JSON.stringify([from, index]));
        }
      },
    },
  };
}

// ---- the worker ----

/** The fingerprint of a public key, as the worker derives it: SHA-256 of the SPKI, in hex. */
export const fingerprintOf = (/** @type {Uint8Array} */ spki) => createHash('sha256').update(spki).digest('hex');

/**
 * An envelope as the stand-in worker makes it: its header and content as
 * JSON in the clear. A test makes what others sent us with it; `forged`
 * marks one whose signature does not verify.
 * @param {{conversationId: string, sender: string, messageId: string, content: unknown,
 *   keyId?: string | null, recipients?: string[], timestampMs?: number, lamport?: number, forged?: boolean}} fields
 *   `content` is JSON (a message's content, as the inbox parses it) or its bytes
 */
export function readableEnvelope({ content, keyId = null, recipients = [], timestampMs = 1, lamport = 1, forged = false, ...header }) {
  const bytes = content instanceof Uint8Array ? content : text.encode(JSON.stringify(content));
  return text.encode(
    JSON.stringify({ header: { version: 1, keyId, recipients, timestampMs, lamport, ...header }, forged, content: Buffer.from(bytes).toString('base64') }),
  );
}

/** What a readable envelope says: `{header, forged, content}` (content as bytes). */
export function readEnvelope(/** @type {Uint8Array} */ envelope) {
  const { header, forged, content } = JSON.parse(untext.decode(envelope));
  return { header, forged, content: new Uint8Array(Buffer.from(content, 'base64')) };
}

/** A handshake message between the stand-in workers of two peers: its type byte, then JSON. */
export const HANDSHAKE = { HELLO: 1, FINISH: 2 };
export const handshakeMessage = (/** @type {number} */ type, /** @type {unknown} */ body) => Uint8Array.of(type, ...text.encode(JSON.stringify(body)));
export const readHandshake = (/** @type {Uint8Array} */ bytes) => JSON.parse(untext.decode(bytes.subarray(1)));

/** A meta sealed in passing by a one-trip call, in memoryStore's sealed form. */
const sealedMeta = (/** @type {string} */ where, /** @type {Uint8Array} */ meta) =>
  /** @type {Uint8Array} */ (/** @type {unknown} */ ({ where, json: untext.decode(meta) }));

/**
 * The stand-in worker, speaking as `self` (our fingerprint, the sender of
 * what we seal). Envelopes are readable (readableEnvelope): opening one
 * "verifies" it unless it was forged, and gives a receipt. Rooms seal
 * nothing; a handshake's hello carries {instance} (hex, as the page gave
 * it), a peer's hello {fingerprint, instance} is refused unless `allowed`
 * lists it, and channels seal nothing. Random bytes are random.
 *
 * What it was asked is recorded: `log` (every envelope call, with its
 * message id), `started` (the instance of every handshake our side began)
 * and `frames` (every channel frame it sealed), in order.
 */
export function fakeCrypto({ self = null } = {}) {
  /** @type {Array<{method: string, messageId: string}>} */
  const log = [];
  /** @type {string[]} */
  const started = [];
  /** @type {Uint8Array[]} */
  const frames = [];
  /** @type {Map<number, {peer?: {fingerprint: string, instance: string}}>} */
  const handshakes = new Map();
  let nextHandshake = 1;
  let nextMessage = 0;
  const opened = (/** @type {string} */ method, /** @type {Uint8Array} */ envelope) => {
    const { header, forged, content } = readEnvelope(envelope);
    log.push({ method, messageId: header.messageId });
    if (forged) throw Object.assign(new Error('signature does not verify'), { code: 'bad-signature' });
    return { header, content };
  };
  const sealed = (
    /** @type {string} */ method,
    /** @type {{conversationId: Uint8Array, timestampMs: number, lamport: number, content: Uint8Array, messageId?: Uint8Array}} */ args,
    extra,
  ) => {
    const messageId = args.messageId ? hex(args.messageId) : (++nextMessage).toString(16).padStart(32, '0');
    log.push({ method, messageId });
    const { conversationId, timestampMs, lamport, content } = args;
    return { envelope: readableEnvelope({ conversationId: hex(conversationId), sender: self, messageId, timestampMs, lamport, content, ...extra }), messageId };
  };
  return {
    log,
    started,
    frames,
    randomBytes: async (/** @type {number} */ length) => webcrypto.getRandomValues(new Uint8Array(length)),
    release: async () => {},
    digest: async () => new Uint8Array(32),

    // ---- envelopes ----
    peekEnvelope: async (/** @type {Uint8Array} */ envelope) => readEnvelope(envelope).header,
    verifyEnvelope: async (/** @type {Uint8Array} */ envelope) => opened('verifyEnvelope', envelope).header,
    // The one-trip calls seal the meta as memoryStore seals a value ({where, json}).
    sealOwnEnvelope: async (
      /** @type {{recipients?: Uint8Array[], groupKey?: {keyId: Uint8Array} | null, metaPrefix: string, meta: Uint8Array} & Parameters<typeof sealed>[1]} */ {
        recipients,
        groupKey,
        metaPrefix,
        meta,
        ...args
      },
    ) => {
      const { envelope, messageId } = groupKey
        ? sealed('sealGroupEnvelope', args, { keyId: hex(groupKey.keyId) })
        : sealed('sealEnvelope', args, { recipients: (recipients ?? []).map(fingerprintOf) });
      return { envelope, messageId, receipt: Uint8Array.of(1), meta: sealedMeta(`${metaPrefix}${messageId}`, meta) };
    },
    openEnvelopeWithMeta: async (
      /** @type {Uint8Array} */ envelope,
      /** @type {Uint8Array} */ _senderSpki,
      /** @type {object | null} */ groupKey,
      /** @type {{metaContext: string, meta: Uint8Array}} */ { metaContext, meta },
    ) => {
      const { header, content } = opened(groupKey ? 'openGroupEnvelope' : 'openEnvelope', envelope);
      return { ...header, content, receipt: Uint8Array.of(1), meta: sealedMeta(metaContext, meta) };
    },

    // ---- rooms, handshakes and channels ----
    roomSeal: async (/** @type {number} */ _roomId, /** @type {Uint8Array} */ plaintext) => plaintext,
    roomOpen: async (/** @type {number} */ _roomId, /** @type {Uint8Array} */ blob) => blob,
    async startHandshake(/** @type {{instance: Uint8Array}} */ { instance }) {
      const handshakeId = nextHandshake++;
      const ours = hex(instance);
      started.push(ours);
      handshakes.set(handshakeId, {});
      return { handshakeId, hello: handshakeMessage(HANDSHAKE.HELLO, { instance: ours }) };
    },
    async handshakeHello(/** @type {number} */ handshakeId, /** @type {Uint8Array} */ hello, /** @type {string[]} */ allowed) {
      const peer = readHandshake(hello);
      if (!allowed.includes(peer.fingerprint)) {
        throw Object.assign(new Error(`handshake: ${peer.fingerprint} may not join this room`), { code: 'unexpected-peer', fingerprint: peer.fingerprint });
      }
      /** @type {{peer?: object}} */ (handshakes.get(handshakeId)).peer = peer;
      return { fingerprint: peer.fingerprint, finish: handshakeMessage(HANDSHAKE.FINISH, {}) };
    },
    async handshakeFinish(/** @type {number} */ handshakeId) {
      const { peer } = /** @type {{peer: {fingerprint: string, instance: string}}} */ (handshakes.get(handshakeId));
      handshakes.delete(handshakeId);
      return {
        channelId: handshakeId,
        peer: { fingerprint: peer.fingerprint, spki: new Uint8Array(1), instance: peer.instance, sessionId: String(handshakeId) },
      };
    },
    channelSeal: async (/** @type {number} */ _channelId, /** @type {Uint8Array} */ plaintext) => (frames.push(plaintext), plaintext),
    channelOpen: async (/** @type {number} */ _channelId, /** @type {Uint8Array} */ frame) => frame,
  };
}

// ---- the session registry ----

/**
 * The page's session registry (net/sessions.js) in which each fingerprint of
 * `online` has one ready session, over a link that records what is sent on
 * it in `sent`: `{to, type, data}`, and whatever `describe(type, data)` adds
 * (a test's reading of the bytes). `connect(fingerprint)` brings one more
 * online (its `up` fires, as when a room authenticates it) and returns its
 * link; `disconnect(fingerprint)` ends its session.
 * @param {Iterable<string>} online
 * @param {{describe?: (type: string, data: Uint8Array) => object}} options
 */
export function fakeSessions(online = [], { describe = () => ({}) } = {}) {
  const sessions = createSessions();
  /** @type {Array<{to: string, type: string, data: Uint8Array} & Record<string, unknown>>} */
  const sent = [];
  /** @type {Map<string, {state: string, closeReason: string | null, send: (type: string, data: Uint8Array) => Promise<void>}>} */
  const links = new Map();
  const connect = (/** @type {string} */ fingerprint) => {
    const link = {
      state: 'ready',
      closeReason: null,
      send: async (/** @type {string} */ type, /** @type {Uint8Array} */ data) => void sent.push({ to: fingerprint, type, data, ...describe(type, data) }),
    };
    links.set(fingerprint, link);
    sessions.add(fingerprint, link);
    return link;
  };
  const disconnect = (/** @type {string} */ fingerprint) => {
    const link = links.get(fingerprint);
    if (!link) return;
    links.delete(fingerprint);
    Object.assign(link, { state: 'closed', closeReason: 'closed' });
    sessions.remove(fingerprint, link);
  };
  for (const fingerprint of online) connect(fingerprint);
  return { ...sessions, sent, connect, disconnect };
}
