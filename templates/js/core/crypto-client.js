// @ts-check
// The page's only door to cryptography: a promise-based RPC client for the
// crypto worker (templates/worker.js), with one typed method per operation.
// Requests carry an id and a namespaced type; replies settle the matching
// promise; failures reject with an Error whose `code` is stable (see
// worker/src/error.rs) — branch on it, not on text.

import { fromBase64, toBase64 } from './encoding.js';

const WORKER_PATH = 'worker.js';
const WASM_PATH = 'worker.wasm';

/**
 * @typedef {{ roomId: number, announceId: string }} RoomHandle  a signalling room held in the worker
 * @typedef {{ version: number, messageId: string, conversationId: string, sender: string, timestampMs: number, lamport: number, recipients: string[], keyId: string | null }} EnvelopeHeader
 * @typedef {EnvelopeHeader & { content: Uint8Array, receipt: Uint8Array }} OpenedEnvelope
 * @typedef {{ spki: Uint8Array, fingerprint: string, bits: number, storeName: string, mailboxKey: string, profileAuthor: string }} PublicSession
 * @typedef {{ id: string, pubkey: string, created_at: number, kind: number, tags: string[][], content: string, sig: string }} NostrEvent
 * @typedef {{ fingerprint: string, spki: Uint8Array, instance: string, sessionId: string }} AuthenticatedPeer  (instance: 32 hex digits)
 * @typedef {ReturnType<typeof createCryptoClient>} CryptoClient
 */

/** @param {string} code @param {string} message @param {{fingerprint?: string}} [detail] */
function rpcError(code, message, detail = {}) {
  const error = /** @type {Error & {code: string, fingerprint?: string}} */ (new Error(`crypto: ${message}`));
  error.code = code;
  // A refused peer's identity (worker/src/web/bindings.rs) travels as data.
  if (typeof detail.fingerprint === 'string') error.fingerprint = detail.fingerprint;
  return error;
}

/**
 * The worker's script and WASM, as bytes checked against the integrity the
 * page pins. The one place where the two ways of loading differ: a served
 * page fetches both (through the service worker once installed, which is
 * what lets the app start offline); standalone.htm, which file:// pages use
 * because they can fetch nothing, carries both inside the page. Either way
 * the worker checks the WASM again against the hash worker.js pins.
 * @param {{worker: string, wasm: string}} integrity  `sha384-…` of worker.js and worker.wasm
 * @param {{worker: string, wasm: string} | null} embedded  base64 texts from standalone.htm
 * @returns {Promise<{script: ArrayBuffer, wasm: ArrayBuffer}>}
 */
async function workerSources(integrity, embedded) {
  if (embedded) {
    const altered = () =>
      rpcError(
        'altered',
        `${WORKER_PATH} inside this page does not match its pinned hash: this copy of Trustero was altered or damaged. Check its folder with sha256sum -c MANIFEST, or take a fresh copy.`,
      );
    let script, wasm;
    try {
      script = fromBase64(embedded.worker.trim());
      wasm = fromBase64(embedded.wasm.trim());
    } catch {
      throw altered();
    }
    const digest = `sha384-${toBase64(new Uint8Array(await crypto.subtle.digest('SHA-384', script)))}`;
    if (digest !== integrity.worker) throw altered();
    return { script: script.buffer, wasm: wasm.buffer };
  }
  // The login form paints first: the worker's ~250 KB load while the user
  // types. (A hidden tab paints no frames: it loads at once.)
  if (!document.hidden) await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const load = async (/** @type {string} */ path, /** @type {string} */ pinned, /** @type {string} */ code) => {
    let response;
    try {
      // `integrity` makes fetch reject any bytes but the built ones.
      response = await fetch(path, { integrity: pinned, credentials: 'omit' });
    } catch (error) {
      throw rpcError(code, `${path} could not be loaded or failed its integrity check (${/** @type {Error} */ (error).message})`);
    }
    if (!response.ok) throw rpcError(code, `loading ${path} failed: HTTP ${response.status}`);
    return response.arrayBuffer();
  };
  const [script, wasm] = await Promise.all([load(WORKER_PATH, integrity.worker, 'worker-load'), load(WASM_PATH, integrity.wasm, 'wasm-load')]);
  return { script, wasm };
}

/** Starts the worker from exactly the checked bytes. @param {ArrayBuffer} script */
function startWorker(script) {
  // Kept alive: the worker starts a short-lived helper from the same bytes
  // for each login (see templates/worker.js).
  const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
  return new Worker(url, { name: 'trustero-crypto' });
}

/**
 * @param {{worker: string, wasm: string}} integrity  the pinned integrity of worker.js and worker.wasm
 * @param {{worker: string, wasm: string} | null} [embedded]  the worker's bytes inside standalone.htm
 */
export function createCryptoClient(integrity, embedded = null) {
  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void, onProgress?: (stage: string) => void}>} */
  const pending = new Map();
  let nextId = 1;
  /** @type {Error | null} */
  let failure = null;

  // worker.init goes first, posted as the worker starts: every other call
  // is posted after it (the worker refuses calls before it).
  const initId = nextId++;
  /** Resolves once the WASM is verified and instantiated. */
  const ready = new Promise((resolve, reject) => pending.set(initId, { resolve, reject }));
  const workerPromise = workerSources(integrity, embedded)
    .then(({ script, wasm }) => {
      const worker = startWorker(script);
      worker.postMessage({ id: initId, type: 'worker.init', args: { wasm } }, [wasm]);
      return worker;
    })
    .then((worker) => {
      worker.onmessage = ({ data }) => {
        const entry = pending.get(data.id);
        if (!entry) return;
        if ('progress' in data) {
          entry.onProgress?.(data.progress);
          return;
        }
        pending.delete(data.id);
        if (data.ok) entry.resolve(data.result);
        else entry.reject(rpcError(data.error.code, data.error.message, data.error));
      };
      worker.onerror = (event) => {
        failure = rpcError('worker-crashed', event.message || 'the crypto worker stopped');
        for (const entry of pending.values()) entry.reject(failure);
        pending.clear();
      };
      return worker;
    });

  /**
   * @param {string} type
   * @param {object} [args]
   * @param {{onProgress?: (stage: string) => void, transfer?: Transferable[]}} [options]
   * @returns {Promise<any>}
   */
  function call(type, args = {}, { onProgress, transfer = [] } = {}) {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, onProgress });
      workerPromise.then(
        (worker) => worker.postMessage({ id, type, args }, transfer),
        (error) => {
          pending.delete(id);
          reject(error);
        },
      );
    });
  }

  /** Moves `bytes`' buffer to the worker when asked (the caller's array is emptied). @param {Uint8Array} bytes @param {boolean} move */
  const moved = (bytes, move) => (move ? [bytes.buffer] : []);

  workerPromise.catch((/** @type {Error} */ error) => {
    pending.get(initId)?.reject(error);
    pending.delete(initId);
  });

  return {
    /** Resolves once the WASM is verified and instantiated. */
    ready,

    // ---- identity ----
    /** @returns {Promise<PublicSession>} */
    derive: (/** @type {string} */ username, /** @type {string} */ password, /** @type {number} */ bits, /** @type {(stage: string) => void} */ onProgress) =>
      call('identity.derive', { username, password, bits }, { onProgress }),
    /** @returns {Promise<boolean>} */
    logout: () => call('identity.logout'),
    /** @returns {Promise<string>} */
    safetyNumber: (/** @type {Uint8Array} */ spki) => call('identity.safetyNumber', { spki }),
    /** @returns {Promise<{fingerprint: string, bits: number}>} */
    inspectKey: (/** @type {Uint8Array} */ spki) => call('key.inspect', { spki }),

    // ---- envelopes ----
    /** @returns {Promise<{envelope: Uint8Array, messageId: string}>} */
    sealEnvelope: (
      /** @type {{recipients: Uint8Array[], conversationId: Uint8Array, timestampMs: number, lamport: number, content: Uint8Array, messageId?: Uint8Array}} */ args,
    ) => call('envelope.seal', args),
    /** @returns {Promise<OpenedEnvelope>} */
    openEnvelope: (/** @type {Uint8Array} */ envelope, /** @type {Uint8Array} */ senderSpki) => call('envelope.open', { envelope, senderSpki }),
    /** A group message under our sender key (chat/sender-keys.js). @returns {Promise<{envelope: Uint8Array, messageId: string}>} */
    sealGroupEnvelope: (
      /** @type {{keyId: Uint8Array, key: Uint8Array, conversationId: Uint8Array, timestampMs: number, lamport: number, content: Uint8Array, messageId?: Uint8Array}} */ args,
    ) => call('envelope.sealGroup', args),
    /**
     * Sending in one trip: seals to `recipients` (or, given `groupKey`, under
     * our sender key), opens our own copy for the receipt that reopens it
     * from the history, and seals `meta` (core/store.js sealedForm) for
     * `metaPrefix` + the new message id.
     * @returns {Promise<{envelope: Uint8Array, messageId: string, receipt: Uint8Array, meta: Uint8Array}>}
     */
    sealOwnEnvelope: (
      /** @type {{recipients?: Uint8Array[], groupKey?: {keyId: Uint8Array, key: Uint8Array} | null, conversationId: Uint8Array, timestampMs: number, lamport: number, content: Uint8Array, messageId?: Uint8Array, metaPrefix: string, meta: Uint8Array}} */ {
        groupKey,
        ...args
      },
    ) => call('envelope.sealOwn', { ...args, keyId: groupKey?.keyId, key: groupKey?.key }),
    /**
     * Receiving in one trip: opens `envelope` from `senderSpki` (under
     * `groupKey`, a group's message) and seals `meta` for `metaContext`.
     * @returns {Promise<OpenedEnvelope & {meta: Uint8Array}>}
     */
    openEnvelopeWithMeta: (
      /** @type {Uint8Array} */ envelope,
      /** @type {Uint8Array} */ senderSpki,
      /** @type {{keyId: Uint8Array, key: Uint8Array} | null} */ groupKey,
      /** @type {{metaContext: string, meta: Uint8Array}} */ { metaContext, meta },
    ) => call('envelope.openWithMeta', { envelope, senderSpki, keyId: groupKey?.keyId, key: groupKey?.key, metaContext, meta }),
    /** @returns {Promise<EnvelopeHeader & {content: Uint8Array}>} */
    openStored: (/** @type {Uint8Array} */ envelope, /** @type {Uint8Array} */ receipt) => call('envelope.openStored', { envelope, receipt }),
    /** The unverified header. @returns {Promise<EnvelopeHeader>} */
    peekEnvelope: (/** @type {Uint8Array} */ envelope) => call('envelope.peek', { envelope }),
    /** The header, once the signature verified. @returns {Promise<EnvelopeHeader>} */
    verifyEnvelope: (/** @type {Uint8Array} */ envelope, /** @type {Uint8Array} */ senderSpki) => call('envelope.verify', { envelope, senderSpki }),

    // ---- signed acknowledgements (worker/src/ack.rs) ----
    /** Signs that we stored the messages `keys` (48-byte records: sender ‖ message id). @returns {Promise<Uint8Array>} */
    signAcks: (/** @type {Uint8Array} */ keys) => call('ack.sign', { keys }),
    /** Resolves if the holder of `holderSpki` signed that it stored `keys`; rejects otherwise. @returns {Promise<void>} */
    verifyAcks: (/** @type {Uint8Array} */ holderSpki, /** @type {Uint8Array} */ keys, /** @type {Uint8Array} */ signature) =>
      call('ack.verify', { holderSpki, keys, signature }),

    // ---- the vault (records at rest) ----
    /** With {transfer: true} the buffer moves to the worker instead of being copied. @returns {Promise<Uint8Array>} */
    vaultSeal: (/** @type {string} */ context, /** @type {Uint8Array} */ plaintext, { transfer = false } = {}) =>
      call('vault.seal', { context, plaintext }, { transfer: moved(plaintext, transfer) }),
    /** @returns {Promise<Uint8Array>} */
    vaultOpen: (/** @type {string} */ context, /** @type {Uint8Array} */ record, { transfer = false } = {}) =>
      call('vault.open', { context, record }, { transfer: moved(record, transfer) }),

    // ---- hashes and randomness ----
    /** Hex SHA-256. @returns {Promise<string>} */
    sha256: (/** @type {Uint8Array} */ bytes) => call('hash.sha256', { bytes }),
    /** Raw SHA-256 (32 bytes). @returns {Promise<Uint8Array>} */
    digest: (/** @type {Uint8Array} */ bytes) => call('hash.digest', { bytes }),
    /** @returns {Promise<Uint8Array>} */
    randomBytes: (/** @type {number} */ length) => call('random.bytes', { length }),

    // ---- ids ----
    /** @returns {Promise<string>} */
    pairConversationId: (/** @type {Uint8Array} */ spki) => call('conversation.pair', { spki }),
    /** @returns {Promise<string>} */
    groupConversationId: (/** @type {Uint8Array} */ groupId) => call('conversation.group', { groupId }),
    /** A group id bound to its creator. @returns {Promise<string>} */
    groupId: (/** @type {string} */ creator, /** @type {Uint8Array} */ nonce) => call('group.id', { creator, nonce }),

    // ---- files ----
    /** SHA-256 of a chunk's plaintext and the chunk sealed, in one call (the plaintext moves to the worker). @returns {Promise<{digest: Uint8Array, sealed: Uint8Array}>} */
    sealChunkDigest: (/** @type {{key: Uint8Array, fileId: Uint8Array, index: number, last: boolean, plaintext: Uint8Array}} */ args) =>
      call('file.sealChunkDigest', args, { transfer: [args.plaintext.buffer] }),
    /** @returns {Promise<Uint8Array>} */
    openChunk: (/** @type {{key: Uint8Array, fileId: Uint8Array, index: number, last: boolean, ciphertext: Uint8Array}} */ args) =>
      call('file.openChunk', args),
    /** SHA-256 of a sealed chunk's plaintext, once it authenticated (rejects
     *  otherwise); the plaintext stays in the worker. @returns {Promise<Uint8Array>} */
    chunkDigest: (/** @type {{key: Uint8Array, fileId: Uint8Array, index: number, last: boolean, ciphertext: Uint8Array}} */ args) =>
      call('file.chunkDigest', args),
    /** Hex root hash of a file's chunk digests. @returns {Promise<string>} */
    fileRoot: (/** @type {Uint8Array} */ digests) => call('file.root', { digests }),

    // ---- signalling rooms ----
    /** @returns {Promise<RoomHandle>} */
    pairRoom: (/** @type {Uint8Array} */ spki, /** @type {string} */ password) => call('room.pair', { spki, password }),
    /** @returns {Promise<RoomHandle>} */
    groupRoom: (/** @type {Uint8Array} */ groupId, /** @type {Uint8Array} */ secret) => call('room.group', { groupId, secret }),
    /** The room of this identity's own devices. @returns {Promise<RoomHandle>} */
    devicesRoom: () => call('room.devices', {}),
    /** @returns {Promise<Uint8Array>} */
    roomSeal: (/** @type {number} */ roomId, /** @type {Uint8Array} */ plaintext) => call('room.seal', { roomId, plaintext }),
    /** @returns {Promise<Uint8Array>} */
    roomOpen: (/** @type {number} */ roomId, /** @type {Uint8Array} */ blob) => call('room.open', { roomId, blob }),
    /** Frees a room, handshake or channel held in the worker. */
    release: (/** @type {number} */ id) => call('handle.release', { id }).catch(() => {}),

    // ---- peer sessions ----
    /** @returns {Promise<{handshakeId: number, hello: Uint8Array}>} */
    startHandshake: (/** @type {{roomId: number, role: string, instance: Uint8Array, dtlsLocal: Uint8Array, dtlsRemote: Uint8Array}} */ args) =>
      call('handshake.start', args),
    /** @returns {Promise<{fingerprint: string, finish: Uint8Array}>} */
    handshakeHello: (/** @type {number} */ handshakeId, /** @type {Uint8Array} */ hello, /** @type {string[]} */ allowed) =>
      call('handshake.hello', { handshakeId, hello, allowed }),
    /** @returns {Promise<{channelId: number, peer: AuthenticatedPeer}>} */
    handshakeFinish: (/** @type {number} */ handshakeId, /** @type {Uint8Array} */ finish) => call('handshake.finish', { handshakeId, finish }),
    /** Seals the next frame (the counter is taken in call order); the buffer moves. @returns {Promise<Uint8Array>} */
    channelSeal: (/** @type {number} */ channelId, /** @type {Uint8Array} */ plaintext) =>
      call('channel.seal', { channelId, plaintext }, { transfer: [plaintext.buffer] }),
    /** Opens the next frame (in arrival order); the buffer moves. @returns {Promise<Uint8Array>} */
    channelOpen: (/** @type {number} */ channelId, /** @type {Uint8Array} */ frame) => call('channel.open', { channelId, frame }, { transfer: [frame.buffer] }),

    // ---- Nostr ----
    /** Signs with the throw-away key named `signer` (one per room; 'once': a key for this event alone). @returns {Promise<{id: string, pubkey: string, sig: string}>} */
    nostrSign: (/** @type {{createdAt: number, kind: number, tags: string[][], content: string, signer?: string}} */ event) => call('nostr.sign', event),
    /** Forgets the throw-away key named `signer`. @returns {Promise<void>} */
    nostrForget: (/** @type {string} */ signer) => call('nostr.forget', { signer }),

    // ---- the mailbox (worker/src/mailbox.rs) ----
    /**
     * Seals and wraps a payload for a mailbox key, sent `now` (Unix seconds) to wait `retentionDays` on relays:
     * one of MAILBOX_RETENTION_DAYS (core/settings.js), anything else is refused (code 'unsupported-retention').
     * Each wrap's expiration is its own randomised created_at plus the retention plus two days.
     * @returns {Promise<Array<{event: NostrEvent, nonce: string}>>}
     */
    mailboxWrap: (/** @type {{recipient: string, type: string, payload: Uint8Array, now: number, retentionDays: number}} */ args) => call('mailbox.wrap', args),
    /** Opens a wrap addressed to us. @returns {Promise<{bundle: string, index: number, count: number, data: Uint8Array}>} */
    mailboxUnwrap: (/** @type {unknown} */ event) => call('mailbox.unwrap', { event }),
    /** The sender a seal claims (unchecked). @returns {Promise<string>} */
    mailboxSealSender: (/** @type {Uint8Array} */ seal) => call('mailbox.sealSender', { seal }),
    /** Checks a seal's signature by `senderSpki`. @returns {Promise<{type: string, payload: Uint8Array}>} */
    mailboxOpenSeal: (/** @type {Uint8Array} */ seal, /** @type {Uint8Array} */ senderSpki) => call('mailbox.openSeal', { seal, senderSpki }),
    /** A deletion request for one of our wraps. @returns {Promise<NostrEvent>} */
    mailboxDeletion: (/** @type {{nonce: string, wrapId: string, now: number}} */ args) => call('mailbox.deletion', args),
    /** A roaming-profile record sealed into a kind-30078 event by our profile's author key. @returns {Promise<NostrEvent>} */
    profileSeal: (/** @type {{recordId: string, record: Uint8Array, now: number}} */ args) => call('profile.seal', args),
    /** Opens one of our profile events from a relay: {recordId, record, legacy} (legacy: sealed before the profile's keys were separated, worth sealing again). */
    profileOpen: (/** @type {{event: NostrEvent}} */ args) =>
      /** @type {Promise<{recordId: string, record: Uint8Array, legacy: boolean}>} */ (call('profile.open', args)),
    /** NIP-42: proves to a relay we read from that we hold our mailbox key. @returns {Promise<NostrEvent>} */
    mailboxAuth: (/** @type {{relay: string, challenge: string, now: number}} */ args) => call('mailbox.auth', args),
  };
}
