// @ts-check
// The call protocol's messages: JSON {op, id, ...} in 'call' frames over the
// authenticated sessions (see calls.js for what each op means).

import { fromUtf8, utf8 } from '../core/encoding.js';

export const CALL_TYPE = 'call';
const MAX_CALL_MESSAGE = 16 * 1024;
const OPS = new Set(['invite', 'accept', 'here', 'decline', 'busy', 'cancel', 'hangup', 'resume', 'media', 'elsewhere']);

/** Parses a 'call' frame; null for anything malformed. @param {Uint8Array} bytes */
export function parseCallMessage(bytes) {
  if (bytes.length > MAX_CALL_MESSAGE) return null;
  try {
    const body = JSON.parse(fromUtf8(bytes));
    if (!OPS.has(body?.op) || typeof body.id !== 'string' || !/^[0-9a-f]{32}$/.test(body.id)) return null;
    return body;
  } catch {
    return null;
  }
}

/** Encodes a call message. @param {string} op @param {string} id @param {object} [extra] */
export const callMessage = (op, id, extra = {}) => utf8(JSON.stringify({ op, id, ...extra }));
