// Files and images: encrypted in chunks with a random per-file key
// (worker/src/files.rs), kept encrypted in IndexedDB, announced by an
// envelope carrying the key and the root hash, and fetched by the recipient
// chunk by chunk from whoever has them — resuming where it stopped after a
// reconnect, and checked against the signed root hash at the end.

import { fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from './encoding.js';
import { request } from './store.js';

/** Bytes per chunk: large enough to be efficient, small enough to resume. */
export const CHUNK_SIZE = 256 * 1024;
/** Files up to this size download without asking. */
export const AUTO_DOWNLOAD = 64 * 1024 * 1024;
const FILES_KEY = 'files';
/** Chunks being sent at once to one peer (framing interleaves them). */
const SERVE_WINDOW = 3;
const THUMBNAIL_PX = 320;

function transferError(message, code) {
  return Object.assign(new Error(message), { code });
}

/** A small JPEG preview of an image file, as a data: URL (null if not an image). */
async function thumbnail(file) {
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return null;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, THUMBNAIL_PX / Math.max(bitmap.width, bitmap.height));
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.7 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    return { data: `data:image/jpeg;base64,${toBase64(bytes)}`, width: canvas.width, height: canvas.height };
  } catch {
    return null;
  }
}

export function createTransfers({ cryptoClient, store, messenger, linkTo, sourcesFor, onChange }) {
  const files = new Map(); // file id hex -> {info, have:Set, state, progress, from, conversation}
  const serving = new Map(); // `${fp} ${fileId}` -> cancel flag
  let saveTimer = null;

  const call = (type, args, options) => cryptoClient.call(type, args, options);
  const save = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => store.put(FILES_KEY, [...files.values()].map(({ info, state, conversation, from, mine }) => ({ info, state, conversation, from, mine }))), 200);
  };
  const changed = (file) => onChange?.({ file: file.info.fileId, conversation: file.conversation });

  async function chunkKeys(fileId) {
    const range = IDBKeyRange.bound([fileId, 0], [fileId, Infinity]);
    return new Set((await request(store.db.transaction('chunks').objectStore('chunks').getAllKeys(range))).map((k) => k[1]));
  }

  /** Encrypts and stores a file, then sends the envelope announcing it. */
  async function attach(conversationId, file, { onProgress } = {}) {
    if (!file.size) throw transferError('That file is empty.', 'empty');
    const fileId = toHex(await call('random.bytes', { length: 16 }));
    const key = await call('random.bytes', { length: 32 });
    const chunks = Math.ceil(file.size / CHUNK_SIZE);
    const digests = new Uint8Array(chunks * 32);
    for (let index = 0; index < chunks; index++) {
      const plaintext = new Uint8Array(await file.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE).arrayBuffer());
      digests.set(await call('hash.digest', { bytes: plaintext.slice() }), index * 32);
      const sealed = await call('file.sealChunk', { key, fileId: fromHex(fileId), index, last: index === chunks - 1, plaintext }, { transfer: [plaintext.buffer] });
      await store.write(['chunks'], ({ chunks: s }) => s.put(sealed, [fileId, index]));
      onProgress?.((index + 1) / chunks);
    }
    const info = {
      fileId, name: file.name.slice(0, 200) || 'file', size: file.size, mime: (file.type || 'application/octet-stream').slice(0, 100),
      chunkSize: CHUNK_SIZE, chunks, key: toBase64(key), root: await call('file.root', { digests }),
    };
    const thumb = await thumbnail(file);
    files.set(fileId, { info, have: new Set(Array.from({ length: chunks }, (_, i) => i)), state: 'complete', conversation: conversationId, from: null, mine: true });
    save();
    return messenger.send(conversationId, { t: 'file', ...info, thumb: thumb?.data ?? null, width: thumb?.width, height: thumb?.height });
  }

  function validInfo(content) {
    return /^[0-9a-f]{32}$/.test(content.fileId ?? '') && Number.isSafeInteger(content.size) && content.size > 0
      && content.chunkSize > 0 && content.chunkSize <= 4 * 1024 * 1024
      && content.chunks === Math.ceil(content.size / content.chunkSize) && typeof content.key === 'string'
      && /^[0-9a-f]{64}$/.test(content.root ?? '');
  }

  // A file announced in a conversation.
  messenger.on('file', async (conv, message, from) => {
    const content = message.content;
    if (!validInfo(content) || files.has(content.fileId)) return;
    const { t, thumb, width, height, ...info } = content;
    files.set(info.fileId, { info, have: await chunkKeys(info.fileId), state: 'waiting', conversation: conv.id, from: message.sender, relay: from });
    save();
    if (info.size <= AUTO_DOWNLOAD) download(info.fileId);
  });

  /** Asks a source for every chunk we lack, from the first missing one. */
  function download(fileId) {
    const file = files.get(fileId);
    if (!file || file.state === 'complete' || file.mine) return false;
    const first = Array.from({ length: file.info.chunks }, (_, i) => i).find((i) => !file.have.has(i));
    if (first === undefined) {
      finish(file);
      return true;
    }
    for (const fingerprint of sourcesFor(file)) {
      const link = linkTo(fingerprint);
      if (!link) continue;
      file.state = 'downloading';
      file.source = fingerprint;
      link.send('file-get', utf8(JSON.stringify({ fileId, from: first }))).catch(() => {});
      changed(file);
      return true;
    }
    file.state = 'waiting';
    changed(file);
    return false;
  }

  async function serve(fingerprint, link, { fileId, from }) {
    const file = files.get(fileId);
    if (!file || file.state !== 'complete' || !Number.isSafeInteger(from)) return;
    const key = `${fingerprint} ${fileId}`;
    const token = {};
    serving.set(key, token);
    const read = (index) => request(store.db.transaction('chunks').objectStore('chunks').get([fileId, index]));
    let next = read(Math.max(0, from));
    // A few chunks in flight, so the channel never waits between chunks.
    const inFlight = [];
    for (let index = Math.max(0, from); index < file.info.chunks && serving.get(key) === token; index++) {
      const sealed = await next;
      if (index + 1 < file.info.chunks) next = read(index + 1); // read ahead while this one is sent
      if (!sealed || link.state !== 'ready') break;
      const frame = new Uint8Array(20 + sealed.length);
      frame.set(fromHex(fileId));
      new DataView(frame.buffer).setUint32(16, index);
      frame.set(sealed, 20);
      inFlight.push(link.send('file-chunk', frame));
      if (inFlight.length >= SERVE_WINDOW) {
        try {
          await inFlight.shift();
        } catch {
          break;
        }
      }
    }
    await Promise.allSettled(inFlight);
    if (serving.get(key) === token) serving.delete(key);
  }

  async function receiveChunk(fingerprint, bytes) {
    if (bytes.length < 20) return;
    const fileId = toHex(bytes.subarray(0, 16));
    const index = new DataView(bytes.buffer, bytes.byteOffset + 16, 4).getUint32(0);
    const file = files.get(fileId);
    if (!file || file.state === 'complete' || index >= file.info.chunks || file.have.has(index)) return;
    const sealed = bytes.slice(20);
    let plaintext;
    try {
      // Authenticated with the file key: a chunk altered or moved fails here.
      plaintext = await call('file.openChunk', {
        key: fromBase64(file.info.key), fileId: fromHex(fileId), index, last: index === file.info.chunks - 1, ciphertext: sealed.slice(),
      });
    } catch {
      file.error = 'a chunk did not authenticate; asking again';
      return;
    }
    file.digests ??= new Map();
    file.digests.set(index, await call('hash.digest', { bytes: plaintext }, { transfer: [plaintext.buffer] }));
    // Relaxed durability: a chunk lost in a crash is simply fetched again.
    await store.write(['chunks'], ({ chunks }) => chunks.put(sealed, [fileId, index]), { durability: 'relaxed' });
    file.have.add(index);
    file.state = 'downloading';
    changed(file);
    if (file.have.size === file.info.chunks) finish(file);
  }

  /** All chunks here: check the root hash the sender signed. */
  async function finish(file) {
    if (file.state === 'complete' || file.verifying) return;
    file.verifying = true;
    try {
      const digests = new Uint8Array(file.info.chunks * 32);
      for (let index = 0; index < file.info.chunks; index++) {
        let digest = file.digests?.get(index);
        if (!digest) {
          // Fetched before a reload: decrypt again to hash it.
          const plaintext = await openChunk(file, index);
          digest = await call('hash.digest', { bytes: plaintext }, { transfer: [plaintext.buffer] });
        }
        digests.set(digest, index * 32);
      }
      if ((await call('file.root', { digests })) !== file.info.root) {
        await store.write(['chunks'], ({ chunks }) => chunks.delete(IDBKeyRange.bound([file.info.fileId, 0], [file.info.fileId, Infinity])));
        file.have.clear();
        file.state = 'failed';
        file.error = 'the file did not match the hash its sender signed, and was discarded';
      } else {
        file.state = 'complete';
        file.error = null;
        file.digests = null;
      }
    } finally {
      file.verifying = false;
      save();
      changed(file);
    }
  }

  async function openChunk(file, index) {
    const sealed = await request(store.db.transaction('chunks').objectStore('chunks').get([file.info.fileId, index]));
    if (!sealed) throw transferError('a chunk is missing', 'missing-chunk');
    return call('file.openChunk', {
      key: fromBase64(file.info.key), fileId: fromHex(file.info.fileId), index, last: index === file.info.chunks - 1, ciphertext: sealed,
    });
  }

  return {
    async load() {
      for (const saved of (await store.get(FILES_KEY)) ?? []) {
        files.set(saved.info.fileId, { ...saved, have: await chunkKeys(saved.info.fileId) });
      }
    },
    attach,
    download,
    /** Frames of the file protocol; false for other types. */
    handleFrame(fingerprint, link, type, data) {
      if (type === 'file-get') {
        try {
          serve(fingerprint, link, JSON.parse(fromUtf8(data)));
        } catch {
          // malformed request: ignored
        }
        return true;
      }
      if (type === 'file-chunk') {
        receiveChunk(fingerprint, data);
        return true;
      }
      return false;
    },
    /** A peer came online: resume whatever we were fetching. */
    resume() {
      for (const file of files.values()) {
        if (file.state === 'waiting' || file.state === 'downloading') download(file.info.fileId);
      }
    },
    status(fileId) {
      const file = files.get(fileId);
      if (!file) return null;
      return { state: file.state, received: file.have.size, chunks: file.info.chunks, error: file.error ?? null, mine: !!file.mine };
    },
    /** The decrypted file as a Blob (complete files only). */
    async blob(fileId) {
      const file = files.get(fileId);
      if (!file || file.state !== 'complete') throw transferError('file not complete', 'incomplete');
      const parts = [];
      for (let index = 0; index < file.info.chunks; index++) parts.push(await openChunk(file, index));
      return new Blob(parts, { type: file.info.mime });
    },
    close() {
      serving.clear();
      clearTimeout(saveTimer);
    },
  };
}
