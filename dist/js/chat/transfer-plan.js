// @ts-check
// The decisions of fetching and serving files (chat/transfers.js), apart
// from the I/O that carries them out: which chunk to ask for, whom to ask,
// whose chunks to take, who may fetch a file, what is kept of a file across
// reloads and what the views are told of it.

import { fromBase64, fromHex } from '../core/encoding.js';
import { FILE_CHUNK_SIZE } from './content.js';

/** Bytes per chunk: large enough to be efficient, small enough to resume. */
export const CHUNK_SIZE = FILE_CHUNK_SIZE;
/** Files up to this size also travel through the mailbox (one chunk); larger ones wait for a direct session. */
export const MAILBOX_FILE_LIMIT = 256 * 1024;
/** Files up to this size download without asking; larger ones on request. */
export const AUTO_DOWNLOAD = 64 * 1024 * 1024;
/** Files sent through the mailbox whose announcement has not arrived yet, at most. */
export const MAX_EARLY_FILES = 64;
/** A sealed chunk is the chunk and its 16-byte tag. */
const SEALED_CHUNK_MAX = CHUNK_SIZE + 16;

/**
 * A file as its announcement described it (content.js checks it).
 * @typedef {{ fileId: string, name: string, size: number, mime: string, chunkSize: number, chunks: number, key: string, root: string }} FileInfo
 * @typedef {import('./transfer-state.js').TransferState} TransferState
 * A file known here: `owner` announced it, `from` is who sent us its
 * announcement and `relay` who passed it on (our device that mirrored it),
 * `have` the chunks held here; `source` is whom we asked, `fetchedFrom` who
 * gave us chunks of the copy being fetched, `suspects` who gave us a copy
 * that did not match (this session), `writing` the chunks being stored.
 * @typedef {{ info: FileInfo, owner: string, have: Set<number>, state: TransferState, conversation: string, from: string | null,
 *   relay?: string | null, mine?: boolean, requested?: boolean, messageId?: string | null, source?: string | null,
 *   suspects?: Set<string>, fetchedFrom?: Set<string> | null, digests?: Map<number, Uint8Array> | null, error?: string | null,
 *   verifying?: boolean, writing?: Set<number> }} TransferFile
 * @typedef {{ owner: string, fileId: string, index: number, sealed: Uint8Array }} ChunkFrame
 */

/** How files are keyed here and in the `chunks` store. @param {string} owner @param {string} fileId */
export const fileKey = (owner, fileId) => `${owner}:${fileId}`;

/**
 * A file of ours, announced in `conversation`: every chunk is here.
 * @param {FileInfo} info @param {string} owner @param {string} conversation @returns {TransferFile}
 */
export const ownFile = (info, owner, conversation) => ({
  info,
  owner,
  have: new Set(Array.from({ length: info.chunks }, (_, i) => i)),
  state: 'complete',
  conversation,
  from: null,
  mine: true,
  messageId: null,
});

/**
 * What opens chunk `index` of `file`: its key, id, place and whether it is the last.
 * @param {TransferFile} file @param {number} index
 */
export const chunkSpec = (file, index) => ({
  key: fromBase64(file.info.key),
  fileId: fromHex(file.info.fileId),
  index,
  last: index === file.info.chunks - 1,
});

/** Whether `file` is fetched without the user asking. @param {TransferFile} file */
export const wanted = (file) => !!file.requested || file.info.size <= AUTO_DOWNLOAD;

/** The first chunk not held, or `chunks` when all are here. @param {Set<number>} have @param {number} chunks */
export function firstMissing(have, chunks) {
  let first = 0;
  while (first < chunks && have.has(first)) first += 1;
  return first;
}

/**
 * Whom to ask for a file: whoever announced it first (or our device that
 * mirrored it here), then anyone else in its conversation.
 * @param {TransferFile} file @param {string[]} members @returns {string[]}
 */
export const sourcesFor = (file, members) => [...new Set(/** @type {string[]} */ ([file.from, file.relay, ...members].filter(Boolean)))];

/**
 * The first of `sources` we can reach (`linkTo` gives a session or null)
 * that did not give us a copy that failed to match, with its session; null
 * when there is none.
 * @template L
 * @param {string[]} sources @param {Set<string> | undefined} suspects @param {(fingerprint: string) => L | null} linkTo
 * @returns {{ fingerprint: string, link: L } | null}
 */
export function pickSource(sources, suspects, linkTo) {
  for (const fingerprint of sources) {
    if (suspects?.has(fingerprint)) continue;
    const link = linkTo(fingerprint);
    if (link) return { fingerprint, link };
  }
  return null;
}

/**
 * Whether a chunk of `file` from `fingerprint` is taken: only from the peer
 * we asked, or the owner (a small file's chunks follow its message through
 * the mailbox unasked), and never from one who gave us a copy that did not
 * match. Another member's chunks, sealed with the key every member knows,
 * could otherwise spoil the file.
 * @param {TransferFile} file @param {string} fingerprint
 */
export const takesChunkFrom = (file, fingerprint) => (fingerprint === file.source || fingerprint === file.owner) && !file.suspects?.has(fingerprint);

/**
 * Whether a chunk that came through the mailbox before its file's
 * announcement is kept until the announcement checks it: only the first
 * chunk (small files have one), from its owner, no larger than a sealed
 * chunk, and for at most MAX_EARLY_FILES files at once.
 * @param {ChunkFrame} chunk @param {string} fingerprint @param {Set<string>} early file keys kept so far
 */
export function keepsEarly(chunk, fingerprint, early) {
  if (chunk.owner !== fingerprint || chunk.index !== 0 || chunk.sealed.length > SEALED_CHUNK_MAX) return false;
  return early.has(fileKey(chunk.owner, chunk.fileId)) || early.size < MAX_EARLY_FILES;
}

/**
 * Whether `fingerprint` may fetch `file`: members of the conversation it
 * was shared in, and our own devices (`self`).
 * @param {string} fingerprint @param {string} self @param {string[]} members
 */
export const mayFetch = (fingerprint, self, members) => fingerprint === self || members.includes(fingerprint);

/**
 * A copy whose chunks did not match the signed root hash was dropped: whoever
 * gave us chunks of it is not asked again (this session), and the copy's
 * bookkeeping starts over. Returns the transfer event that follows:
 * 'mismatch' when one of `sources` is left to ask, else 'exhausted'.
 * @param {TransferFile} file @param {string[]} sources
 * @returns {'mismatch' | 'exhausted'}
 */
export function suspectCopy(file, sources) {
  file.have.clear();
  file.digests = null;
  const suspects = (file.suspects ??= new Set());
  for (const fingerprint of file.fetchedFrom ?? []) suspects.add(fingerprint);
  file.fetchedFrom = null;
  file.source = null;
  return sources.some((fingerprint) => !suspects.has(fingerprint)) ? 'mismatch' : 'exhausted';
}

/** What the user is told after a copy was dropped. */
export const MISMATCH_ERRORS = Object.freeze({
  mismatch: 'a copy did not match the hash its sender signed and was discarded; fetching it from another member',
  exhausted: 'the file did not match the hash its sender signed, and was discarded',
});

/** What is kept of a file across reloads (its chunks are in the `chunks` store). @param {TransferFile} file */
export const savedFile = ({ info, owner, state, conversation, from, mine, requested, messageId }) => ({
  info,
  owner,
  state,
  conversation,
  from,
  mine,
  requested: !!requested,
  messageId: messageId ?? null,
});

/** What the views are told of a file. @param {TransferFile} file */
export const statusOf = (file) => ({
  state: file.state,
  received: file.have.size,
  chunks: file.info.chunks,
  error: file.error ?? null,
  mine: !!file.mine,
  needsRequest: !wanted(file) && file.state !== 'complete',
  directOnly: file.info.size > MAILBOX_FILE_LIMIT,
});
