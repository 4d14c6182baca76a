// @ts-check
// The file protocol's frames (chat/transfers.js). 'file-get' asks a member
// for a file's chunks from an index on; 'file-chunk' carries one sealed
// chunk, over a session or through the mailbox. Both come from peers:
// decoding answers null for anything that is not a well-formed frame, and
// never throws.

import { fromHex, fromUtf8, toHex, utf8 } from '../core/encoding.js';

/** owner fingerprint (32) ‖ file id (16) ‖ u32 index, then the sealed chunk. */
export const CHUNK_HEADER = 52;

/**
 * @typedef {{ owner: string, fileId: string, index: number, sealed: Uint8Array }} ChunkFrame
 * @typedef {{ owner: string, fileId: string, from: number }} FileRequest  chunks `from` on of the file `owner` announced as `fileId`
 */

/**
 * Encodes a chunk frame.
 * @param {string} owner @param {string} fileId @param {number} index @param {Uint8Array} sealed
 */
export function encodeChunkFrame(owner, fileId, index, sealed) {
  const frame = new Uint8Array(CHUNK_HEADER + sealed.length);
  frame.set(fromHex(owner), 0);
  frame.set(fromHex(fileId), 32);
  new DataView(frame.buffer).setUint32(48, index);
  frame.set(sealed, CHUNK_HEADER);
  return frame;
}

/** Decodes a chunk frame, or null. @param {unknown} bytes @returns {ChunkFrame | null} */
export function decodeChunkFrame(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length <= CHUNK_HEADER) return null;
  return {
    owner: toHex(bytes.subarray(0, 32)),
    fileId: toHex(bytes.subarray(32, 48)),
    index: new DataView(bytes.buffer, bytes.byteOffset + 48, 4).getUint32(0),
    sealed: bytes.slice(CHUNK_HEADER),
  };
}

/** Encodes a 'file-get' request. @param {FileRequest} request */
export const encodeFileRequest = ({ owner, fileId, from }) => utf8(JSON.stringify({ owner, fileId, from }));

/**
 * Decodes a 'file-get' request, or null: it must name an owner and a file
 * id (strings; only a file held here under them is served) and a chunk
 * index to start from.
 * @param {Uint8Array} data @returns {FileRequest | null}
 */
export function decodeFileRequest(data) {
  let request;
  try {
    request = JSON.parse(fromUtf8(data));
  } catch {
    return null;
  }
  const { owner, fileId, from } = request ?? {};
  if (typeof owner !== 'string' || typeof fileId !== 'string' || !Number.isSafeInteger(from) || from < 0) return null;
  return { owner, fileId, from };
}
