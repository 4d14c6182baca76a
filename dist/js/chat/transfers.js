// @ts-check
// Files and images: encrypted in chunks with a random per-file key
// (worker/src/files.rs), kept encrypted in IndexedDB, announced by an
// envelope carrying the key and the root hash, and fetched by the recipient
// chunk by chunk from whoever has them — resuming where it stopped after a
// reconnect, and checked against the signed root hash at the end.
//
// A file is known by its *owner* (the fingerprint that announced it) and its
// id: ids are chosen by senders, so another member who reuses someone's file
// id gets a separate file, never a place in theirs. Whatever is shown or
// saved is checked against the key and root hash of the very message it
// belongs to.
//
// Every member knows a file's key (it is in the announcement), so any member
// can seal chunks that authenticate. Chunks are therefore taken only from
// the peer we asked or the file's owner (a small file's chunks follow its
// message through the mailbox unasked); a file that does not match its signed root hash is dropped and
// fetched again from someone who did not give us that copy, and fails only
// when nobody else is left to ask.

import { fromHex, toBase64, toHex } from '../core/encoding.js';
import { MAX_FILE_SIZE } from './content.js';
import { debouncedSave } from './batcher.js';
import { createEvents } from '../core/events.js';
import { transition, resumable } from './transfer-state.js';
import { decodeChunkFrame, decodeFileRequest, encodeChunkFrame, encodeFileRequest } from './transfer-frames.js';
import {
  AUTO_DOWNLOAD,
  CHUNK_SIZE,
  MAILBOX_FILE_LIMIT,
  MISMATCH_ERRORS,
  chunkSpec,
  fileKey,
  firstMissing,
  keepsEarly,
  mayFetch,
  ownFile,
  pickSource,
  savedFile,
  sourcesFor,
  statusOf,
  suspectCopy,
  takesChunkFrom,
  wanted,
} from './transfer-plan.js';

export { AUTO_DOWNLOAD, CHUNK_SIZE, decodeChunkFrame, encodeChunkFrame };

const FILES_KEY = 'files';
/** Chunks being sent at once to one peer (framing interleaves them). */
const SERVE_WINDOW = 3;
/** Chunks being read, hashed and sealed at once while a file is attached. */
const PREPARE_AHEAD = 4;
/** Chunks being read from IndexedDB ahead of sending: a read takes about
 *  as long as sending a chunk, so with one read ahead the channel waited on
 *  the store (tests/bench/transfer.mjs). */
const READ_AHEAD = 6;
const THUMBNAIL_PX = 320;

/** @typedef {import('./transfer-plan.js').TransferFile} TransferFile */

function transferError(/** @type {string} */ message, /** @type {string} */ code) {
  return Object.assign(new Error(message), { code });
}

/** A small JPEG preview of an image file, as a data: URL (null if not an image). @param {File} file */
async function thumbnail(file) {
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return null;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, THUMBNAIL_PX / Math.max(bitmap.width, bitmap.height));
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
    // No 2D context throws here, and there is no thumbnail.
    /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext('2d')).drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.7 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    return { data: `data:image/jpeg;base64,${toBase64(bytes)}`, width: canvas.width, height: canvas.height };
  } catch {
    return null;
  }
}

/**
 * Reads, seals and stores the `chunks` chunks of `file` under (owner,
 * fileId) and resolves to their digests: a few chunks at once (reading the
 * file, hashing and sealing in the worker, writing in grouped transactions
 * overlap), in bounded memory. If one fails, none is left in the store.
 * @param {{ cryptoClient: import('../core/crypto-client.js').CryptoClient, store: import('../core/store.js').Store }} deps
 * @param {Blob} file @param {{ owner: string, fileId: string, key: Uint8Array, chunks: number }} where
 * @param {((fraction: number) => void) | undefined} onProgress  the share of chunks done so far
 */
async function sealChunks({ cryptoClient, store }, file, { owner, fileId, key, chunks }, onProgress) {
  const digests = new Uint8Array(chunks * 32);
  let prepared = 0;
  const prepare = async (/** @type {number} */ index) => {
    const plaintext = new Uint8Array(await file.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE).arrayBuffer());
    const { digest, sealed } = await cryptoClient.sealChunkDigest({ key, fileId: fromHex(fileId), index, last: index === chunks - 1, plaintext });
    digests.set(digest, index * 32);
    await store.chunks.putGrouped(fileKey(owner, fileId), index, sealed);
    prepared += 1;
    onProgress?.(prepared / chunks);
  };
  /** @type {Promise<void>[]} */
  const preparing = [];
  try {
    for (let index = 0; index < chunks; index++) {
      preparing.push(prepare(index));
      if (preparing.length >= PREPARE_AHEAD) await preparing.shift();
    }
    await Promise.all(preparing);
  } catch (error) {
    await Promise.allSettled(preparing);
    await store.chunks.drop(fileKey(owner, fileId)).catch(() => {});
    throw error;
  }
  return digests;
}

/**
 * 'progress': a file's transfer moved on (bytes came or went, it completed,
 * failed or waits): the views redraw that file's message.
 * @typedef {{ progress: { file: string, owner: string, conversation: string } }} TransferEventMap
 */

/**
 * identity: ours; chat: sends announcements and hands us received ones;
 * sessions: who is reachable; mailbox (chat/mailbox.js, or null): small
 * files' chunks follow their message there; membersOf(conversationId) →
 * fingerprints that may fetch a conversation's files. Its `events`
 * (TransferEventMap) say when a file's transfer moved on.
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   chat: import('./chat.js').Chat,
 *   sessions: import('./chat.js').Sessions,
 *   own?: import('./chat.js').Sessions | null,
 *   mailbox?: import('./mailbox.js').Mailbox | null,
 *   identity: { fingerprint: string },
 *   membersOf: (conversationId: string) => string[],
 * }} deps
 */
export function createTransfers({ cryptoClient, store, chat, sessions, own = null, mailbox = null, identity, membersOf }) {
  /** @type {import('../core/events.js').Events<TransferEventMap>} */
  const events = createEvents();
  /** @type {Map<string, TransferFile>} fileKey -> file; its state moves only by transition() (chat/transfer-state.js) */
  const files = new Map();
  /** @type {Map<string, object>} `${fp} ${fileKey}` -> the token of the serving under way (gone: stop) */
  const serving = new Map();
  /** @type {Set<string>} file keys of chunks that came through the mailbox before their announcement */
  const early = new Set();

  const keyOf = (/** @type {TransferFile} */ file) => fileKey(file.owner, file.info.fileId);
  const saving = debouncedSave(() => store.put(FILES_KEY, [...files.values()].map(savedFile)), 200);
  const { now: saveNow, soon: save } = saving;
  const changed = (/** @type {TransferFile} */ file) => events.emit('progress', { file: file.info.fileId, owner: file.owner, conversation: file.conversation });
  const chunkKeys = (/** @type {string} */ key) => store.chunks.indexes(key);
  const sources = (/** @type {TransferFile} */ file) => sourcesFor(file, membersOf(file.conversation));
  /** A session to `fingerprint`: our own other devices are in their own registry (chat/mirror.js). @param {string} fingerprint */
  const linkTo = (fingerprint) => (fingerprint === identity.fingerprint ? (own?.linkTo(fingerprint) ?? null) : sessions.linkTo(fingerprint));

  /**
   * Encrypts and stores a file, then sends the envelope announcing it.
   * @param {string} conversationId @param {File} file @param {{ onProgress?: (fraction: number) => void }} [options]
   */
  async function attach(conversationId, file, { onProgress } = {}) {
    if (!file.size) throw transferError('That file is empty.', 'empty');
    if (file.size > MAX_FILE_SIZE) throw transferError(`Files can be at most ${MAX_FILE_SIZE / 1024 ** 3} GB.`, 'too-large');
    const fileId = toHex(await cryptoClient.randomBytes(16));
    const owner = identity.fingerprint;
    const key = await cryptoClient.randomBytes(32);
    const chunks = Math.ceil(file.size / CHUNK_SIZE);
    // The file's entry is written durably once it is announced (below).
    const digests = await sealChunks({ cryptoClient, store }, file, { owner, fileId, key, chunks }, onProgress);
    const info = {
      fileId,
      name: file.name.slice(0, 200) || 'file',
      size: file.size,
      mime: (file.type || 'application/octet-stream').slice(0, 100),
      chunkSize: CHUNK_SIZE,
      chunks,
      key: toBase64(key),
      root: await cryptoClient.fileRoot(digests),
    };
    const thumb = await thumbnail(file);
    const entry = ownFile(info, owner, conversationId);
    files.set(fileKey(owner, fileId), entry);
    const message = await chat.send(conversationId, { t: 'file', ...info, thumb: thumb?.data ?? null, width: thumb?.width, height: thumb?.height });
    entry.messageId = message.id;
    // Written at once, not batched: a reload right after sending must not
    // forget that we hold this file, or nobody could fetch it from us again.
    await saveNow();
    return message;
  }

  /**
   * Our message `messageId` goes to `fingerprint` through the mailbox: if it
   * announced a small file, its chunks follow the same way (the recipient
   * may never be online with us to fetch them). Resolves to their wraps,
   * which the outbox deletes with the message's once delivered.
   * @param {string} fingerprint @param {string} messageId
   */
  async function pushByMailbox(fingerprint, messageId) {
    const file = [...files.values()].find((f) => f.mine && f.messageId === messageId);
    /** @type {import('./mailbox.js').Wrap[]} */
    const wraps = [];
    if (!file || !mailbox || file.info.size > MAILBOX_FILE_LIMIT) return wraps;
    for (let index = 0; index < file.info.chunks; index++) {
      const sealed = await store.chunks.get(keyOf(file), index);
      if (!sealed) break;
      try {
        wraps.push(...(await mailbox.post(fingerprint, 'file-chunk', encodeChunkFrame(file.owner, file.info.fileId, index, sealed))).wraps);
      } catch {
        // no relay took it: the recipient fetches the file directly when both are online
      }
    }
    return wraps;
  }

  // A message of ours relayed to a member's mailbox takes its small file along.
  chat.addRelayCompanions(pushByMailbox);

  // A file announced in a conversation (its content was checked by the inbox).
  chat.on('file', async (conv, message, from) => {
    const { t, thumb, width, height, n, ...info } = message.content;
    const key = fileKey(message.sender, info.fileId);
    if (files.has(key)) return;
    early.delete(key);
    files.set(key, { info, owner: message.sender, have: await chunkKeys(key), state: 'waiting', conversation: conv.id, from: message.sender, relay: from });
    await saveNow();
    const file = /** @type {TransferFile} */ (files.get(key));
    if (wanted(file)) download(key);
    else changed(file);
  });

  /** Asks a source for every chunk we lack, from the first missing one. */
  function download(/** @type {string} */ key) {
    const file = files.get(key);
    if (!file || file.state === 'complete' || file.mine) return false;
    const first = firstMissing(file.have, file.info.chunks);
    if (first === file.info.chunks) {
      finish(file);
      return true;
    }
    const picked = pickSource(sources(file), file.suspects, linkTo);
    file.state = transition(file.state, picked ? 'ask' : 'unreachable');
    if (picked) {
      file.source = picked.fingerprint;
      picked.link.send('file-get', encodeFileRequest({ owner: file.owner, fileId: file.info.fileId, from: first })).catch(() => {});
    }
    changed(file);
    return !!picked;
  }

  /**
   * Sends `fingerprint` the chunks it asked for, over `link`.
   * @param {string} fingerprint @param {import('./chat.js').Link} link @param {import('./transfer-frames.js').FileRequest} request
   */
  async function serve(fingerprint, link, { owner, fileId, from }) {
    const key = fileKey(owner, fileId);
    const file = files.get(key);
    if (!file || file.state !== 'complete' || !mayFetch(fingerprint, identity.fingerprint, membersOf(file.conversation))) return;
    const token = {};
    const servingKey = `${fingerprint} ${key}`;
    serving.set(servingKey, token);
    /** @type {Promise<Uint8Array | undefined>[]} */
    const reads = [];
    let nextRead = from;
    const readAhead = () => {
      while (reads.length < READ_AHEAD && nextRead < file.info.chunks) reads.push(store.chunks.get(key, nextRead++));
    };
    // Reads and sends both run ahead, so the channel never waits between chunks.
    /** @type {Promise<void>[]} */
    const inFlight = [];
    for (let index = from; index < file.info.chunks && serving.get(servingKey) === token; index++) {
      readAhead();
      const sealed = await reads.shift();
      if (!sealed || link.state !== 'ready') break;
      inFlight.push(link.send('file-chunk', encodeChunkFrame(owner, fileId, index, sealed)));
      if (inFlight.length >= SERVE_WINDOW) {
        try {
          await inFlight.shift();
        } catch {
          break;
        }
      }
    }
    await Promise.allSettled([...inFlight, ...reads]); // reads left over when it stopped early
    if (serving.get(servingKey) === token) serving.delete(servingKey);
  }

  /**
   * A 'file-chunk' frame from `fingerprint`, over a session or (`link.via` 'relays') the mailbox.
   * @param {string} fingerprint @param {{ via?: string } | null} link @param {Uint8Array} bytes
   */
  async function receiveChunk(fingerprint, link, bytes) {
    const chunk = decodeChunkFrame(bytes);
    if (!chunk) return;
    const key = fileKey(chunk.owner, chunk.fileId);
    const file = files.get(key);
    const { index } = chunk;
    if (!file && link?.via === 'relays') return keepEarly(fingerprint, key, chunk);
    if (!file || file.state === 'complete' || index >= file.info.chunks || file.have.has(index)) return;
    if (!takesChunkFrom(file, fingerprint)) return;
    // Authenticated with the file key (a chunk altered or moved fails here)
    // and hashed for the root check in one step in the worker: the plaintext
    // never comes back. Chunks arrive back to back, so one chunk's check
    // overlaps the previous one's write.
    let digest;
    try {
      digest = await cryptoClient.chunkDigest({ ...chunkSpec(file, index), ciphertext: chunk.sealed });
    } catch {
      file.error = 'a chunk did not authenticate; asking again';
      return;
    }
    // Two copies of a chunk can be checked at once (the owner's, through the
    // mailbox, and the one we asked for): only one is written, and none
    // over a file that completed meanwhile.
    file.writing ??= new Set();
    if (/** @type {import('./transfer-state.js').TransferState} */ (file.state) === 'complete' || file.have.has(index) || file.writing.has(index)) return;
    file.writing.add(index);
    file.digests ??= new Map();
    file.digests.set(index, digest);
    try {
      await store.chunks.putGrouped(key, index, chunk.sealed);
    } finally {
      file.writing.delete(index);
    }
    file.have.add(index);
    file.fetchedFrom ??= new Set();
    file.fetchedFrom.add(fingerprint);
    file.state = transition(file.state, 'chunk');
    changed(file);
    if (file.have.size === file.info.chunks) finish(file);
  }

  /**
   * A chunk the owner sent through the mailbox before we saw its
   * announcement (relays return wraps in any order): kept encrypted under
   * its file key; the announcement that follows checks it against the key
   * and root hash its owner signed, as every chunk is.
   * @param {string} fingerprint @param {string} key @param {import('./transfer-frames.js').ChunkFrame} chunk
   */
  async function keepEarly(fingerprint, key, chunk) {
    if (!keepsEarly(chunk, fingerprint, early)) return;
    early.add(key);
    await store.chunks.put(key, chunk.index, chunk.sealed);
  }

  /** All chunks here: check the root hash the sender signed. */
  async function finish(/** @type {TransferFile} */ file) {
    if (file.state === 'complete' || file.verifying) return;
    file.verifying = true;
    let again = false;
    try {
      const digests = new Uint8Array(file.info.chunks * 32);
      for (let index = 0; index < file.info.chunks; index++) {
        let digest = file.digests?.get(index);
        if (!digest) {
          // Fetched before a reload: authenticate and hash it again.
          digest = await cryptoClient.chunkDigest({ ...chunkSpec(file, index), ciphertext: await storedChunk(file, index) });
        }
        digests.set(digest, index * 32);
      }
      if ((await cryptoClient.fileRoot(digests)) !== file.info.root) {
        await store.chunks.drop(keyOf(file));
        const event = suspectCopy(file, sources(file));
        again = event === 'mismatch';
        file.state = transition(file.state, event);
        file.error = MISMATCH_ERRORS[event];
      } else {
        file.state = transition(file.state, 'verified');
        file.error = null;
        file.digests = null;
      }
    } finally {
      file.verifying = false;
      save();
      changed(file);
    }
    if (again) download(keyOf(file));
  }

  /** The sealed chunk `index` of `file` as stored here. @param {TransferFile} file @param {number} index */
  async function storedChunk(file, index) {
    const sealed = await store.chunks.get(keyOf(file), index);
    if (!sealed) throw transferError('a chunk is missing', 'missing-chunk');
    return sealed;
  }

  /** The plaintext of chunk `index` of `file`. @param {TransferFile} file @param {number} index */
  async function openChunk(file, index) {
    return cryptoClient.openChunk({ ...chunkSpec(file, index), ciphertext: await storedChunk(file, index) });
  }

  /**
   * Files saved before they were keyed by owner kept their chunks under the
   * bare file id: move them under (owner, id).
   * @param {any} saved  as an older version saved it
   */
  async function upgrade(saved) {
    const owner = saved.mine ? identity.fingerprint : saved.from;
    if (!owner) return null;
    await store.chunks.move(saved.info.fileId, fileKey(owner, saved.info.fileId));
    return { ...saved, owner };
  }

  return {
    async load() {
      let upgraded = false;
      for (let saved of (await store.get(FILES_KEY)) ?? []) {
        if (!saved.owner) {
          saved = await upgrade(saved);
          if (!saved) continue;
          upgraded = true;
        }
        const key = fileKey(saved.owner, saved.info.fileId);
        files.set(key, { ...saved, have: await chunkKeys(key) });
      }
      if (upgraded) save();
    },
    attach,
    events,
    /** The user asked for this file (larger ones wait for that). */
    request(/** @type {string} */ owner, /** @type {string} */ fileId) {
      const file = files.get(fileKey(owner, fileId));
      if (!file) return false;
      file.requested = true;
      save();
      return download(fileKey(owner, fileId));
    },
    /** The file protocol's frames, for the dispatcher (net/protocol.js). */
    frames: {
      /** @param {string} fingerprint @param {import('./chat.js').Link} link @param {Uint8Array} data */
      'file-get': (fingerprint, link, data) => {
        const request = decodeFileRequest(data); // a malformed request is ignored
        if (request) serve(fingerprint, link, request);
      },
      /** @param {string} fingerprint @param {import('./chat.js').Link & { via?: string }} link @param {Uint8Array} data */
      'file-chunk': (fingerprint, link, data) => receiveChunk(fingerprint, link, data),
    },
    /** A peer came online: resume whatever we were fetching (and were asked to). */
    resume() {
      for (const [key, file] of files) {
        if (resumable(file.state) && wanted(file)) download(key);
      }
    },
    status(/** @type {string} */ owner, /** @type {string} */ fileId) {
      const file = files.get(fileKey(owner, fileId));
      return file ? statusOf(file) : null;
    },
    /**
     * The decrypted file of a message as a Blob (complete files only). The
     * stored file must have the key and root hash `content` announces: the
     * bytes shown or saved are those this very message's sender signed.
     * @param {string} owner @param {Record<string, any>} content  the message's (content.js checked it)
     */
    async blob(owner, content) {
      const file = files.get(fileKey(owner, content?.fileId));
      if (!file || file.state !== 'complete') throw transferError('file not complete', 'incomplete');
      if (file.info.key !== content.key || file.info.root !== content.root) {
        throw transferError('this file does not match its message', 'mismatch');
      }
      /** @type {Uint8Array[]} */
      const parts = [];
      for (let index = 0; index < file.info.chunks; index++) parts.push(await openChunk(file, index));
      // The worker's bytes are never shared memory.
      return new Blob(/** @type {BlobPart[]} */ (parts), { type: content.mime });
    },
    /** Stops serving; saves the file list unless `save` is false (a restored backup replaces it). */
    async close({ save: keep = true } = {}) {
      serving.clear();
      events.clear();
      if (keep) await saveNow();
      else saving.discard();
    },
  };
}
