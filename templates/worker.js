// Trustero crypto worker. Everything secret lives here: the page talks to it
// only through the messages below and never sees a private key.
//
// This is a classic (not module) worker, started by the page from a blob: URL
// holding this script's integrity-checked bytes; classic blob workers are the
// only kind Chromium also runs from file://, which the single-file build needs.
'use strict';

// ---- wasm-bindgen glue (generated; defines `wasm_bindgen`) ----
{{ glue }}
// ---- end of glue ----

const WASM_PATH = {{ wasm_path }};
const WASM_INTEGRITY = {{ wasm_integrity }};

const DERIVE_WORKER = 'trustero-derive';
let ready = null; // Promise of the instantiated module
let session = null; // the logged-in wasm_bindgen.Session, if any
const nostrSigners = new Map(); // signer name -> throw-away Nostr key of this page load
const MAX_NOSTR_SIGNERS = 1024;

// Rooms, handshakes and secure channels stay in here; the page holds ids.
const handles = new Map();
let nextHandle = 1;

function keep(object) {
  const id = nextHandle++;
  handles.set(id, object);
  return id;
}

function held(id, Type) {
  const object = handles.get(id);
  if (!(object instanceof Type)) throw fail('unknown-handle', `no ${Type.name} with id ${id}`);
  return object;
}

function release(id) {
  handles.get(id)?.free?.();
  handles.delete(id);
}

function releaseAll() {
  for (const id of [...handles.keys()]) release(id);
}

function fail(code, message) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/**
 * Instantiates the WASM the page fetched (with `integrity`) or carried
 * inside standalone.htm, after checking it here too against the hash this
 * script pins: no bytes but the built ones ever run.
 */
async function instantiate(bytes) {
  if (!(bytes instanceof ArrayBuffer)) throw fail('wasm-load', `${WASM_PATH} did not reach the worker`);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-384', bytes));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  if (`sha384-${btoa(binary)}` !== WASM_INTEGRITY) {
    throw fail(
      'altered',
      `${WASM_PATH} does not match its pinned hash: this copy of Trustero was altered or damaged. Check its folder with sha256sum -c MANIFEST, or take a fresh copy.`,
    );
  }
  await wasm_bindgen({ module_or_path: bytes });
}

function requireSession() {
  if (!session) throw fail('not-logged-in', 'no identity loaded: log in first');
  return session;
}

/** The WASM's bytes, kept for the derivation helper. */
let wasmBytes = null;

/**
 * Derives an identity in a short-lived nested worker: Argon2id needs 64 MiB,
 * and WASM memory never shrinks, so that memory goes away with the helper.
 * Only non-extractable CryptoKeys come back (structured clones).
 */
function deriveElsewhere({ username, password, bits }, progress) {
  return new Promise((resolve, reject) => {
    let helper;
    try {
      helper = new Worker(self.location.href, { name: DERIVE_WORKER });
    } catch {
      // No nested workers here: derive in this worker instead.
      resolve(wasm_bindgen.Session.derive(username, password, bits, progress));
      return;
    }
    helper.onmessage = ({ data }) => {
      if ('progress' in data) return progress(data.progress);
      helper.terminate();
      if (!data.ok) return reject(fail(data.error.code, data.error.message));
      resolve(wasm_bindgen.Session.fromKeys(data.spki, data.keys, data.storeName));
    };
    helper.onerror = (event) => {
      helper.terminate();
      reject(fail('derive-failed', event.message || 'the derivation helper stopped'));
    };
    helper.postMessage({ username, password, bits, wasm: wasmBytes });
  });
}

// Message handlers by namespaced type. Each returns the result (or a promise).
const handlers = {
  'identity.derive': async (args, progress) => {
    const next = await deriveElsewhere(args, progress);
    releaseAll();
    session?.free();
    session = next;
    return { spki: next.spki, fingerprint: next.fingerprint, bits: next.bits, storeName: next.storeName, mailboxKey: next.mailboxKey, profileAuthor: next.profileAuthor };
  },
  'identity.logout': () => {
    releaseAll();
    session?.free();
    session = null;
    return true;
  },
  'identity.safetyNumber': ({ spki }) => requireSession().safetyNumber(spki),
  'key.inspect': ({ spki }) => wasm_bindgen.inspectPublicKey(spki),
  'envelope.seal': ({ recipients, conversationId, timestampMs, lamport, content, messageId }) =>
    requireSession().sealEnvelope(recipients, conversationId, timestampMs, lamport, content, messageId),
  'envelope.open': ({ envelope, senderSpki }) => requireSession().openEnvelope(envelope, senderSpki),
  'envelope.sealGroup': ({ keyId, key, conversationId, timestampMs, lamport, content, messageId }) =>
    requireSession().sealGroupEnvelope(keyId, key, conversationId, timestampMs, lamport, content, messageId),
  // Sending in one trip (chat/outbox.js): the envelope, the receipt of our
  // own copy (it reopens the message from the history) and its sealed meta.
  'envelope.sealOwn': async ({ recipients, keyId, key, conversationId, timestampMs, lamport, content, messageId, metaPrefix, meta }) => {
    const own = requireSession();
    const sealed = keyId
      ? await own.sealGroupEnvelope(keyId, key, conversationId, timestampMs, lamport, content, messageId)
      : await own.sealEnvelope(recipients, conversationId, timestampMs, lamport, content, messageId);
    const opened = keyId
      ? await own.openGroupEnvelope(sealed.envelope, own.spki, keyId, key)
      : await own.openEnvelope(sealed.envelope, own.spki);
    const sealedMeta = await own.vaultSeal(`${metaPrefix}${sealed.messageId}`, meta);
    return { envelope: sealed.envelope, messageId: sealed.messageId, receipt: opened.receipt, meta: sealedMeta };
  },
  // Receiving in one trip (chat/inbox.js): the opened envelope and its sealed meta.
  'envelope.openWithMeta': async ({ envelope, senderSpki, keyId, key, metaContext, meta }) => {
    const own = requireSession();
    const opened = keyId ? await own.openGroupEnvelope(envelope, senderSpki, keyId, key) : await own.openEnvelope(envelope, senderSpki);
    return { ...opened, meta: await own.vaultSeal(metaContext, meta) };
  },
  'envelope.openStored': ({ envelope, receipt }) => requireSession().openStored(envelope, receipt),
  'envelope.verify': ({ envelope, senderSpki }) => requireSession().verifyEnvelope(envelope, senderSpki),
  'envelope.peek': ({ envelope }) => wasm_bindgen.peekEnvelope(envelope),
  'ack.sign': ({ keys }) => requireSession().signAcks(keys),
  'ack.verify': ({ holderSpki, keys, signature }) => requireSession().verifyAcks(holderSpki, keys, signature),
  'vault.seal': ({ context, plaintext }) => requireSession().vaultSeal(context, plaintext),
  'vault.open': ({ context, record }) => requireSession().vaultOpen(context, record),
  'hash.sha256': ({ bytes }) => wasm_bindgen.sha256Hex(bytes),

  'room.pair': ({ spki, password }) => roomResult(requireSession().pairRoom(spki, password ?? '')),
  'room.group': ({ groupId, secret }) => roomResult(wasm_bindgen.Room.group(groupId, secret)),
  'room.devices': () => roomResult(requireSession().devicesRoom()),
  'room.seal': ({ roomId, plaintext }) => held(roomId, wasm_bindgen.Room).seal(plaintext),
  'room.open': ({ roomId, blob }) => held(roomId, wasm_bindgen.Room).open(blob),
  'handle.release': ({ id }) => release(id),

  'handshake.start': async ({ roomId, role, instance, dtlsLocal, dtlsRemote }) => {
    const room = held(roomId, wasm_bindgen.Room);
    const handshake = await requireSession().startHandshake(room, role, instance, dtlsLocal, dtlsRemote);
    return { handshakeId: keep(handshake), hello: handshake.hello };
  },
  'handshake.hello': ({ handshakeId, hello, allowed }) =>
    held(handshakeId, wasm_bindgen.PeerHandshake).receiveHello(hello, allowed),
  'handshake.finish': async ({ handshakeId, finish }) => {
    const channel = await held(handshakeId, wasm_bindgen.PeerHandshake).receiveFinish(finish);
    release(handshakeId);
    return { channelId: keep(channel), peer: channel.peer };
  },
  'channel.seal': ({ channelId, plaintext }) => held(channelId, wasm_bindgen.SecureChannel).seal(plaintext),
  'channel.open': ({ channelId, frame }) => held(channelId, wasm_bindgen.SecureChannel).open(frame),

  'conversation.pair': ({ spki }) => requireSession().pairConversationId(spki),
  'conversation.group': ({ groupId }) => wasm_bindgen.groupConversationId(groupId),
  'group.id': ({ creator, nonce }) => wasm_bindgen.groupId(creator, nonce),
  'random.bytes': ({ length }) => wasm_bindgen.randomBytes(length),
  // Sending: the chunk's digest (for the root hash) and its sealed form, in one call.
  'file.sealChunkDigest': async ({ key, fileId, index, last, plaintext }) => {
    const digest = await wasm_bindgen.digest(plaintext);
    return { digest, sealed: await wasm_bindgen.sealFileChunk(key, fileId, index, last, plaintext) };
  },
  'file.openChunk': ({ key, fileId, index, last, ciphertext }) =>
    wasm_bindgen.openFileChunk(key, fileId, index, last, ciphertext),
  // A received chunk only needs authenticating and hashing: its plaintext
  // never leaves the worker (the page keeps the sealed chunk).
  'file.chunkDigest': async ({ key, fileId, index, last, ciphertext }) =>
    wasm_bindgen.digest(await wasm_bindgen.openFileChunk(key, fileId, index, last, ciphertext)),
  'file.root': ({ digests }) => wasm_bindgen.fileRoot(digests),
  'hash.digest': ({ bytes }) => wasm_bindgen.digest(bytes),

  'mailbox.wrap': ({ recipient, type, payload, now, retentionDays }) =>
    requireSession().mailboxWrap(recipient, type, payload, now, retentionDays),
  'mailbox.unwrap': ({ event }) => requireSession().mailboxUnwrap(event),
  'mailbox.sealSender': ({ seal }) => requireSession().mailboxSealSender(seal),
  'mailbox.openSeal': ({ seal, senderSpki }) => requireSession().mailboxOpenSeal(seal, senderSpki),
  'mailbox.deletion': ({ nonce, wrapId, now }) => requireSession().mailboxDeletion(nonce, wrapId, now),
  'mailbox.auth': ({ relay, challenge, now }) => requireSession().mailboxAuth(relay, challenge, now),
  'profile.seal': ({ recordId, record, now }) => requireSession().profileSeal(recordId, record, now),
  'profile.open': ({ event }) => requireSession().profileOpen(event),

  // A throw-away key per signer name (each room signs with its own, so a
  // relay cannot link a page's rooms by key); 'once' makes a key for this
  // one event (a courier connection's NIP-42 answer).
  'nostr.sign': ({ createdAt, kind, tags, content, signer = 'page' }) => {
    if (signer === 'once') {
      const key = new wasm_bindgen.NostrSigner();
      try {
        return key.sign(createdAt, kind, tags, content);
      } finally {
        key.free();
      }
    }
    let key = nostrSigners.get(signer);
    if (key) nostrSigners.delete(signer);
    else key = new wasm_bindgen.NostrSigner();
    nostrSigners.set(signer, key); // most recently used last
    while (nostrSigners.size > MAX_NOSTR_SIGNERS) {
      const [oldest, old] = nostrSigners.entries().next().value;
      nostrSigners.delete(oldest);
      old.free();
    }
    return key.sign(createdAt, kind, tags, content);
  },
  'nostr.forget': ({ signer }) => {
    nostrSigners.get(signer)?.free();
    nostrSigners.delete(signer);
  },
};

function roomResult(room) {
  return { roomId: keep(room), announceId: room.announceId };
}

/** Buffers of a result that can move to the page instead of being copied:
 *  every Uint8Array the worker made owns its whole buffer. */
function transferables(result) {
  const values = result instanceof Uint8Array ? [result] : Object.values(result ?? {});
  return values
    .filter((v) => v instanceof Uint8Array && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength)
    .map((v) => v.buffer);
}

async function deriveHere({ username, password, bits, wasm }) {
  try {
    await instantiate(wasm);
    const derived = await wasm_bindgen.Session.derive(username, password, bits, (stage) => self.postMessage({ progress: stage }));
    self.postMessage({ ok: true, spki: derived.spki, keys: derived.keys, storeName: derived.storeName });
  } catch (error) {
    self.postMessage({ ok: false, error: { code: error?.code ?? 'internal', message: String(error?.message ?? error) } });
  }
}

self.onmessage = async (event) => {
  if (self.name === DERIVE_WORKER) {
    deriveHere(event.data);
    return;
  }
  const { id, type, args } = event.data ?? {};
  if (type === 'worker.init') {
    wasmBytes = args.wasm ?? null;
    ready = instantiate(wasmBytes);
    ready.then(
      () => self.postMessage({ id, ok: true, result: true }),
      (error) => self.postMessage({ id, ok: false, error: { code: error.code ?? 'wasm-load', message: String(error.message ?? error) } }),
    );
    return;
  }
  const progress = (stage) => self.postMessage({ id, progress: stage });
  try {
    if (!ready) throw fail('not-ready', 'worker.init must come first');
    await ready;
    const handler = handlers[type];
    if (!handler) throw fail('unknown-request', `unknown request type ${type}`);
    const result = await handler(args ?? {}, progress);
    self.postMessage({ id, ok: true, result }, transferables(result));
  } catch (error) {
    self.postMessage({
      id,
      ok: false,
      error: { code: error?.code ?? 'internal', message: String(error?.message ?? error), fingerprint: error?.fingerprint },
    });
  }
};
