// Fetching files (chat/transfers.js) from hostile or misbehaving members:
// chunks nobody asked for, a copy that does not match the signed root hash,
// and the auto-download limit when fetching resumes. The worker is a
// stand-in (a chunk's digest is the SHA-256 of its sealed bytes, the root
// the SHA-256 of the digests), the store is in memory, and links record what
// is asked of them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AUTO_DOWNLOAD, CHUNK_SIZE, createTransfers, encodeChunkFrame } from '../../templates/js/chat/transfers.js';
import { toBase64, fromUtf8 } from '../../templates/js/core/encoding.js';
import { fakeSessions, memoryStore } from './fakes.mjs';
import { until } from './wait.mjs';

const SELF = 'a'.repeat(64);
const OWNER = 'b'.repeat(64);
const MEMBER = 'c'.repeat(64);
const OTHER = 'd'.repeat(64);
const FILE_ID = 'f'.repeat(32);
const digestOf = (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest());

/** Two sealed chunks of a genuine file, and the root hash its owner signs. */
const GOOD = [new Uint8Array(100).fill(1), new Uint8Array(60).fill(2)];
const ROOT = createHash('sha256')
  .update(Buffer.concat(GOOD.map((c) => Buffer.from(digestOf(c)))))
  .digest('hex');

function setup({ online = [OWNER, MEMBER, OTHER], size = CHUNK_SIZE + 10, chunks = 2 } = {}) {
  const store = memoryStore();
  const cryptoClient = {
    // Authenticates (a stand-in: any bytes do) and hashes a sealed chunk.
    chunkDigest: async ({ ciphertext }) => digestOf(ciphertext),
    fileRoot: async (digests) => createHash('sha256').update(digests).digest('hex'),
  };
  const sessions = fakeSessions(online);
  /** What each member was asked for: [fingerprint, request], in order. */
  const asked = () => sessions.sent.filter((s) => s.type === 'file-get').map((s) => [s.to, JSON.parse(fromUtf8(s.data))]);
  const handlers = new Map();
  const transfers = createTransfers({
    cryptoClient,
    store,
    chat: { on: (t, handler) => handlers.set(t, handler), addRelayCompanions: () => {} },
    sessions,
    identity: { fingerprint: SELF },
    membersOf: () => [OWNER, MEMBER, OTHER],
  });
  const info = {
    fileId: FILE_ID,
    name: 'topo.pdf',
    size,
    mime: 'application/pdf',
    chunkSize: CHUNK_SIZE,
    chunks,
    key: toBase64(new Uint8Array(32)),
    root: ROOT,
  };
  /** The owner's announcement, as the inbox hands it over (passed on by `from`). */
  const announce = (from = OWNER) => handlers.get('file')({ id: 'conv' }, { sender: OWNER, content: { t: 'file', ...info } }, from);
  /** A chunk frame from `fingerprint` over its direct session. */
  const chunkFrom = (fingerprint, index, sealed) =>
    transfers.frames['file-chunk'](fingerprint, sessions.linkTo(fingerprint) ?? { state: 'ready' }, encodeChunkFrame(OWNER, FILE_ID, index, sealed));
  const status = () => transfers.status(OWNER, FILE_ID);
  return { transfers, announce, chunkFrom, status, asked, online: sessions.connect };
}

test('chunks from a member we did not ask are ignored: they cannot spoil the file', async () => {
  const { announce, chunkFrom, status, asked } = setup();
  await announce();
  assert.deepEqual(
    asked().map(([fp]) => fp),
    [OWNER],
    'the owner is asked',
  );
  // Another member seals garbage under the file key (every member knows it) and sends it first.
  await chunkFrom(MEMBER, 0, new Uint8Array(100).fill(9));
  await chunkFrom(MEMBER, 1, new Uint8Array(60).fill(9));
  assert.notEqual(status().state, 'failed');
  assert.equal(status().received, 0, 'nothing of theirs kept');
  await chunkFrom(OWNER, 0, GOOD[0]);
  await chunkFrom(OWNER, 1, GOOD[1]);
  await until(() => status().state === 'complete', 'the file complete');
});

test('a copy that does not match the signed root is fetched again from someone else, not failed for good', async () => {
  const { announce, chunkFrom, status, asked } = setup({ online: [MEMBER, OTHER] });
  // The owner is away; the member who passed the announcement on is asked first.
  await announce(MEMBER);
  assert.equal(asked().at(-1)[0], MEMBER);
  await chunkFrom(MEMBER, 0, new Uint8Array(100).fill(9));
  await chunkFrom(MEMBER, 1, GOOD[1]);
  await until(() => asked().length === 2, 'a second source asked');
  assert.equal(asked()[1][0], OTHER, 'someone who did not give us the bad copy');
  assert.equal(asked()[1][1].from, 0, 'from the first chunk');
  assert.notEqual(status().state, 'failed');
  assert.match(status().error, /another member/);
  // The member who gave the bad copy cannot slip chunks in now.
  await chunkFrom(MEMBER, 0, new Uint8Array(100).fill(9));
  assert.equal(status().received, 0);
  await chunkFrom(OTHER, 0, GOOD[0]);
  await chunkFrom(OTHER, 1, GOOD[1]);
  await until(() => status().state === 'complete', 'the file complete');

  // With nobody else online, it waits for another source rather than failing for good.
  const alone = setup({ online: [MEMBER] });
  await alone.announce(MEMBER);
  await alone.chunkFrom(MEMBER, 0, new Uint8Array(100).fill(9));
  await alone.chunkFrom(MEMBER, 1, GOOD[1]);
  await until(() => alone.status().state !== 'downloading', 'the root check');
  assert.equal(alone.status().state, 'waiting', 'the owner or another member may come online later');
  alone.online(OWNER);
  alone.transfers.resume();
  assert.equal(alone.asked().at(-1)[0], OWNER);
});

test('resume() fetches what is under the auto-download limit, and a larger file only once the user asked', async () => {
  const big = setup({ online: [], size: AUTO_DOWNLOAD + 1, chunks: Math.ceil((AUTO_DOWNLOAD + 1) / CHUNK_SIZE) });
  await big.announce();
  assert.equal(big.status().needsRequest, true);
  big.online(OWNER);
  big.transfers.resume();
  assert.deepEqual(big.asked(), [], 'a file over the limit is not fetched on resume');
  big.transfers.request(OWNER, FILE_ID);
  assert.deepEqual(
    big.asked().map(([fp]) => fp),
    [OWNER],
    'asked for once the user wants it',
  );
  // Once asked for, it resumes like any other.
  big.transfers.resume();
  assert.equal(big.asked().length, 2);

  const small = setup({ online: [] });
  await small.announce();
  assert.equal(small.status().state, 'waiting');
  small.online(OWNER);
  small.transfers.resume();
  assert.deepEqual(
    small.asked().map(([fp]) => fp),
    [OWNER],
    'a file under the limit resumes by itself',
  );
});
