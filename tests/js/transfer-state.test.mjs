// A file transfer's lifecycle (chat/transfer-state.js), the file protocol's
// frames (chat/transfer-frames.js) and the decisions of fetching and serving
// (chat/transfer-plan.js), without a browser; then the lifecycle as
// chat/transfers.js drives it, including two copies of a chunk at once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { STATES, TRANSITIONS, resumable, transition } from '../../templates/js/chat/transfer-state.js';
import { CHUNK_HEADER, decodeChunkFrame, decodeFileRequest, encodeChunkFrame, encodeFileRequest } from '../../templates/js/chat/transfer-frames.js';
import {
  AUTO_DOWNLOAD,
  CHUNK_SIZE,
  MAILBOX_FILE_LIMIT,
  MAX_EARLY_FILES,
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
} from '../../templates/js/chat/transfer-plan.js';
import { createTransfers } from '../../templates/js/chat/transfers.js';
import { toBase64, utf8 } from '../../templates/js/core/encoding.js';
import { fakeSessions, memoryStore } from './fakes.mjs';
import { until } from './wait.mjs';

const SELF = 'a'.repeat(64);
const OWNER = 'b'.repeat(64);
const MEMBER = 'c'.repeat(64);
const OTHER = 'd'.repeat(64);
const FILE_ID = 'f'.repeat(32);
const EVENTS = ['ask', 'unreachable', 'chunk', 'verified', 'mismatch', 'exhausted'];

const info = (size = 100, chunks = 1) => ({
  fileId: FILE_ID,
  name: 'a.txt',
  size,
  mime: 'text/plain',
  chunkSize: CHUNK_SIZE,
  chunks,
  key: toBase64(new Uint8Array(32)),
  root: '0'.repeat(64),
});
/** A file announced by OWNER, as transfers.js keeps it. */
const received = (fields = {}) => ({ info: info(), owner: OWNER, have: new Set(), state: 'waiting', conversation: 'conv', from: OWNER, ...fields });

// ---- the transition table ----

test('a file’s lifecycle: asked for, fetched, checked; a bad copy is fetched again or fails', () => {
  let state = 'waiting';
  for (const [event, next] of [
    ['unreachable', 'waiting'],
    ['ask', 'downloading'],
    ['chunk', 'downloading'],
    ['mismatch', 'waiting'],
    ['ask', 'downloading'],
    ['exhausted', 'failed'],
    ['ask', 'downloading'],
    ['unreachable', 'waiting'],
    ['chunk', 'downloading'],
    ['verified', 'complete'],
  ]) {
    const after = transition(state, event);
    assert.equal(after, next, `${state} --${event}-->`);
    state = after;
  }
  // Chunks that came before the announcement are checked straight from 'waiting'.
  assert.equal(transition('waiting', 'verified'), 'complete');
  // A failed file the user asks for again, with nobody to ask, waits.
  assert.equal(transition('failed', 'unreachable'), 'waiting');
  assert.equal(transition('failed', 'chunk'), 'downloading');
});

test('a complete file never moves again: every transition out of it is refused', () => {
  for (const event of EVENTS) assert.throws(() => transition('complete', event), /transfers: no transition from complete on /, event);
  for (const state of STATES.filter((s) => s !== 'complete'))
    for (const event of EVENTS) assert.ok(STATES.includes(transition(state, event)), `${state} --${event}-->`);
  assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...STATES].sort());
  assert.ok(Object.isFrozen(TRANSITIONS) && STATES.every((s) => Object.isFrozen(TRANSITIONS[s])), 'the table cannot be changed at run time');
});

test('states and events outside the table are refused, including names every object has', () => {
  for (const [state, event] of [
    ['waiting', 'toString'],
    ['waiting', 'constructor'],
    ['waiting', '__proto__'],
    ['waiting', 'hasOwnProperty'],
    ['toString', 'ask'],
    ['__proto__', 'ask'],
    ['constructor', 'ask'],
    ['paused', 'ask'],
    ['waiting', 'resume'],
    [undefined, 'ask'],
    ['waiting', undefined],
    [null, null],
    [0, 'ask'],
    ['Waiting', 'ask'],
  ]) {
    assert.throws(() => transition(state, event), /transfers: no transition/, `${String(state)} / ${String(event)}`);
  }
});

test('only waiting and downloading files resume when a peer comes online', () => {
  assert.deepEqual(
    STATES.filter((s) => resumable(s)),
    ['waiting', 'downloading'],
  );
  assert.equal(resumable('toString'), false);
});

// ---- frames ----

test('chunk frames round-trip, and anything else decodes to null', () => {
  const sealed = new Uint8Array([1, 2, 3]);
  const frame = encodeChunkFrame(OWNER, FILE_ID, 0xfffffffe, sealed);
  assert.equal(frame.length, CHUNK_HEADER + 3);
  assert.deepEqual(decodeChunkFrame(frame), { owner: OWNER, fileId: FILE_ID, index: 0xfffffffe, sealed });
  // A frame inside a larger buffer (as framing hands them over) decodes from its own offset.
  const padded = new Uint8Array(frame.length + 7);
  padded.set(frame, 5);
  assert.deepEqual(decodeChunkFrame(padded.subarray(5, 5 + frame.length)), { owner: OWNER, fileId: FILE_ID, index: 0xfffffffe, sealed });
  for (const junk of [null, undefined, 'frame', [1, 2, 3], new ArrayBuffer(80), new Uint16Array(80), new Uint8Array(CHUNK_HEADER), new Uint8Array(0)]) {
    assert.equal(decodeChunkFrame(junk), null, Object.prototype.toString.call(junk));
  }
  assert.throws(() => encodeChunkFrame('not hex', FILE_ID, 0, sealed), /hex/, 'we never send a frame for a file that is not ours to name');
});

test('a file request names an owner, a file id and where to start; anything else is refused without throwing', () => {
  const request = { owner: OWNER, fileId: FILE_ID, from: 3 };
  assert.deepEqual(decodeFileRequest(encodeFileRequest(request)), request);
  assert.deepEqual(decodeFileRequest(utf8(JSON.stringify({ ...request, extra: 'x', from: 0 }))), { ...request, from: 0 }, 'only what is needed is kept');
  for (const junk of [
    new Uint8Array([0xff, 0xfe, 0x00]), // not UTF-8
    utf8(''),
    utf8('{'),
    utf8('null'),
    utf8('5'),
    utf8('"file"'),
    utf8('[]'),
    utf8(JSON.stringify({ owner: OWNER, fileId: FILE_ID })),
    utf8(JSON.stringify({ ...request, from: -1 })),
    utf8(JSON.stringify({ ...request, from: 1.5 })),
    utf8(JSON.stringify({ ...request, from: '3' })),
    utf8(JSON.stringify({ ...request, from: 2 ** 53 })),
    utf8(JSON.stringify({ ...request, owner: 7 })),
    utf8(JSON.stringify({ ...request, fileId: null })),
    utf8('{"__proto__": {"owner": "x", "fileId": "y", "from": 0}}'),
  ]) {
    assert.equal(decodeFileRequest(junk), null, new TextDecoder().decode(junk));
  }
});

// ---- decisions ----

test('the first chunk asked for is the first one missing', () => {
  assert.equal(firstMissing(new Set(), 3), 0);
  assert.equal(firstMissing(new Set([0, 2]), 3), 1);
  assert.equal(firstMissing(new Set([0, 1, 2]), 3), 3, 'all here');
  assert.equal(firstMissing(new Set([5, 6]), 0), 0);
});

test('sources: whoever announced the file, who passed it on, then the members; suspects and unreachable ones are skipped', () => {
  const file = received({ relay: SELF });
  assert.deepEqual(sourcesFor(file, [MEMBER, OWNER, OTHER]), [OWNER, SELF, MEMBER, OTHER]);
  assert.deepEqual(sourcesFor(received({ from: null }), ['', MEMBER]), [MEMBER], 'no empty names');
  const reachable = new Set([MEMBER, OTHER]);
  const linkTo = (fp) => (reachable.has(fp) ? { fp } : null);
  assert.deepEqual(pickSource([OWNER, MEMBER, OTHER], undefined, linkTo), { fingerprint: MEMBER, link: { fp: MEMBER } });
  assert.deepEqual(pickSource([OWNER, MEMBER, OTHER], new Set([MEMBER]), linkTo), { fingerprint: OTHER, link: { fp: OTHER } });
  assert.equal(pickSource([OWNER, MEMBER, OTHER], new Set([MEMBER, OTHER]), linkTo), null);
  assert.equal(pickSource([], undefined, linkTo), null);
});

test('chunks are taken from the member we asked or the owner, never from a suspect', () => {
  assert.equal(takesChunkFrom(received({ source: MEMBER }), MEMBER), true);
  assert.equal(takesChunkFrom(received({ source: MEMBER }), OWNER), true, 'the owner pushes small files unasked');
  assert.equal(takesChunkFrom(received({ source: MEMBER }), OTHER), false);
  assert.equal(takesChunkFrom(received({ source: null }), OTHER), false);
  assert.equal(takesChunkFrom(received({ source: MEMBER, suspects: new Set([MEMBER]) }), MEMBER), false);
  assert.equal(takesChunkFrom(received({ suspects: new Set([OWNER]) }), OWNER), false);
});

test('early chunks: only the first, from its owner, of a sealed chunk’s size, for a bounded number of files', () => {
  const chunk = (fields = {}) => ({ owner: OWNER, fileId: FILE_ID, index: 0, sealed: new Uint8Array(10), ...fields });
  const none = new Set();
  assert.equal(keepsEarly(chunk(), OWNER, none), true);
  assert.equal(keepsEarly(chunk(), MEMBER, none), false, 'from someone else than its owner');
  assert.equal(keepsEarly(chunk({ index: 1 }), OWNER, none), false);
  assert.equal(keepsEarly(chunk({ sealed: new Uint8Array(CHUNK_SIZE + 16) }), OWNER, none), true);
  assert.equal(keepsEarly(chunk({ sealed: new Uint8Array(CHUNK_SIZE + 17) }), OWNER, none), false);
  const full = new Set(Array.from({ length: MAX_EARLY_FILES }, (_, i) => fileKey(OWNER, String(i).padStart(32, '0'))));
  assert.equal(keepsEarly(chunk(), OWNER, full), false, 'no room for another file');
  full.add(fileKey(OWNER, FILE_ID));
  assert.equal(keepsEarly(chunk(), OWNER, full), true, 'a file already kept may be kept again');
});

test('only the conversation’s members and our own devices may fetch a file', () => {
  assert.equal(mayFetch(MEMBER, SELF, [OWNER, MEMBER]), true);
  assert.equal(mayFetch(SELF, SELF, [OWNER]), true, 'our other device');
  assert.equal(mayFetch(OTHER, SELF, [OWNER, MEMBER]), false);
  assert.equal(mayFetch('', SELF, []), false);
});

test('a copy that did not match: its givers become suspects, and the file fails only when nobody else is left', () => {
  const file = received({ have: new Set([0]), digests: new Map([[0, new Uint8Array(32)]]), fetchedFrom: new Set([MEMBER]), source: MEMBER });
  assert.equal(suspectCopy(file, [OWNER, MEMBER]), 'mismatch');
  assert.deepEqual([...file.suspects], [MEMBER]);
  assert.equal(file.have.size, 0);
  assert.equal(file.digests, null);
  assert.equal(file.fetchedFrom, null);
  assert.equal(file.source, null);
  file.fetchedFrom = new Set([OWNER]);
  file.source = OWNER;
  assert.equal(suspectCopy(file, [OWNER, MEMBER]), 'exhausted');
  assert.deepEqual([...file.suspects].sort(), [OWNER, MEMBER].sort());
  assert.equal(suspectCopy(received(), []), 'exhausted', 'nobody to ask at all');
  assert.match(MISMATCH_ERRORS.mismatch, /another member/);
  assert.match(MISMATCH_ERRORS.exhausted, /discarded/);
});

test('what is kept across reloads and what the views are told', () => {
  const file = received({ requested: undefined, source: MEMBER, suspects: new Set([OTHER]), digests: new Map(), verifying: true, error: 'x' });
  assert.deepEqual(savedFile(file), {
    info: file.info,
    owner: OWNER,
    state: 'waiting',
    conversation: 'conv',
    from: OWNER,
    mine: undefined,
    requested: false,
    messageId: null,
  });
  assert.deepEqual(statusOf(file), { state: 'waiting', received: 0, chunks: 1, error: 'x', mine: false, needsRequest: false, directOnly: false });
  const big = received({ info: info(AUTO_DOWNLOAD + 1, Math.ceil((AUTO_DOWNLOAD + 1) / CHUNK_SIZE)) });
  assert.equal(wanted(big), false);
  assert.equal(statusOf(big).needsRequest, true);
  assert.equal(statusOf(big).directOnly, true);
  assert.equal(wanted({ ...big, requested: true }), true);
  assert.equal(statusOf(received({ info: info(MAILBOX_FILE_LIMIT) })).directOnly, false);
  const mine = ownFile(info(CHUNK_SIZE * 2, 2), SELF, 'conv');
  assert.deepEqual(mine, {
    info: info(CHUNK_SIZE * 2, 2),
    owner: SELF,
    have: new Set([0, 1]),
    state: 'complete',
    conversation: 'conv',
    from: null,
    mine: true,
    messageId: null,
  });
  assert.equal(statusOf({ ...mine, info: { ...mine.info, size: AUTO_DOWNLOAD + 1 } }).needsRequest, false, 'a complete file needs nothing');
  assert.deepEqual(chunkSpec(received({ info: info(CHUNK_SIZE * 2, 2) }), 1), {
    key: new Uint8Array(32),
    fileId: new Uint8Array(16).fill(0xff),
    index: 1,
    last: true,
  });
  assert.equal(chunkSpec(received({ info: info(CHUNK_SIZE * 2, 2) }), 0).last, false);
});

// ---- the lifecycle as transfers.js drives it ----

const SEALED = new Uint8Array(40).fill(7);
const digestOf = (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest());
const rootOf = (chunks) =>
  createHash('sha256')
    .update(Buffer.concat(chunks.map((c) => Buffer.from(digestOf(c)))))
    .digest('hex');

/** A one-chunk file announced by OWNER; `gate()` holds back the next chunk's check until it is released. */
function transfersFor({ members = [OWNER, MEMBER], online = [OWNER, MEMBER], root = rootOf([SEALED]) } = {}) {
  const store = memoryStore();
  /** The index of every chunk written, in order. */
  const writes = [];
  for (const name of ['put', 'putGrouped']) {
    const write = store.chunks[name];
    store.chunks[name] = async (key, index, bytes) => (writes.push(index), write(key, index, bytes));
  }
  const gates = [];
  const cryptoClient = {
    chunkDigest: async ({ ciphertext }) => {
      const gate = gates.shift();
      if (gate) await gate;
      return digestOf(ciphertext);
    },
    fileRoot: async (digests) => createHash('sha256').update(digests).digest('hex'),
  };
  const sessions = fakeSessions(online);
  const handlers = new Map();
  const transfers = createTransfers({
    cryptoClient,
    store,
    chat: { on: (t, handler) => handlers.set(t, handler), addRelayCompanions: () => {} },
    sessions,
    identity: { fingerprint: SELF },
    membersOf: () => members,
  });
  const states = [];
  transfers.events.on('progress', () => states.push(transfers.status(OWNER, FILE_ID).state));
  const announce = () => handlers.get('file')({ id: 'conv' }, { sender: OWNER, content: { t: 'file', ...info(SEALED.length, 1), root } }, OWNER);
  const chunkFrom = (fingerprint, sealed = SEALED) =>
    transfers.frames['file-chunk'](fingerprint, sessions.linkTo(fingerprint), encodeChunkFrame(OWNER, FILE_ID, 0, sealed));
  const gate = () => {
    let release;
    gates.push(new Promise((resolve) => (release = resolve)));
    return release;
  };
  const status = () => transfers.status(OWNER, FILE_ID);
  return {
    transfers,
    announce,
    chunkFrom,
    gate,
    status,
    states,
    writes,
    /** Whom a chunk was asked of, in order. */
    get asked() {
      return sessions.sent.filter((s) => s.type === 'file-get').map((s) => s.to);
    },
    online: sessions.connect,
  };
}

test('a chunk checked twice at once (the owner’s mailbox copy and the one we asked for) is written once, and a complete file stays complete', async () => {
  const t = transfersFor();
  await t.announce();
  assert.equal(t.status().state, 'downloading');
  const releaseFirst = t.gate();
  const releaseSecond = t.gate();
  const first = t.chunkFrom(OWNER);
  const second = t.chunkFrom(OWNER);
  releaseFirst();
  await first;
  await until(() => t.status().state === 'complete', 'the file complete');
  // The second copy's check ends after the file completed: it must neither
  // be written over the checked copy nor move the file out of 'complete'.
  releaseSecond();
  await second;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(t.status().state, 'complete');
  assert.deepEqual(t.writes, [0], 'written once');
  assert.deepEqual(t.states.slice(t.states.indexOf('complete')), ['complete'], `never left 'complete': ${t.states.join(' → ')}`);
});

test('a file whose only source gave a bad copy fails, and asking for it again waits for someone else', async () => {
  const t = transfersFor({ members: [OWNER], online: [OWNER], root: rootOf([new Uint8Array(40).fill(1)]) });
  await t.announce();
  await t.chunkFrom(OWNER);
  await until(() => t.status().state === 'failed', 'the root check');
  assert.match(t.status().error, /discarded/);
  assert.equal(t.status().received, 0);
  t.transfers.resume();
  assert.deepEqual(t.asked, [OWNER], 'a failed file is not resumed');
  // The owner is a suspect now; nobody else is there to ask.
  assert.equal(t.transfers.request(OWNER, FILE_ID), false);
  assert.equal(t.status().state, 'waiting');
  assert.deepEqual(t.asked, [OWNER]);
  assert.deepEqual(t.states, ['downloading', 'downloading', 'failed', 'waiting']);
});
