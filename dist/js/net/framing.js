// @ts-check
// Typed messages over an authenticated session: each message is one frame,
// or a first/middle/last run of frames for big payloads, reassembled on the
// other side with progress and hard size limits.
//
// Frame plaintext (then sealed by the worker, one data-channel message each):
//   u8 kind
//   WHOLE, FIRST: u32 message id ‖ u32 total length ‖ u8 type length ‖ type (UTF-8) ‖ data
//   MIDDLE, LAST: u32 message id ‖ data
//   PING, PONG:   u32 nonce
//   BYE:          (nothing)

export const KIND = Object.freeze({ WHOLE: 1, FIRST: 2, MIDDLE: 3, LAST: 4, PING: 5, PONG: 6, BYE: 7 });
/** Payload bytes per frame, so that a sealed frame (header + payload + 16-byte
 *  tag) stays within 64 KiB: the message size every browser's SCTP stack
 *  handles well, and the fastest measured here (tests/bench/network.mjs). */
export const CHUNK_SIZE = 64 * 1024 - 128;
/** Largest message accepted by default. */
export const MAX_MESSAGE = 64 * 1024 * 1024;
/** Messages being reassembled at once from one peer. */
export const MAX_PARTIAL = 8;
const MAX_TYPE = 64;

export class FramingError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(`framing: ${message}`);
    this.code = 'framing';
  }
}

/**
 * A frame as decodeFrame reads it.
 * @typedef {{ id: number, total: number, type: string, data: Uint8Array }} Start  a WHOLE or FIRST frame
 * @typedef {{ id: number, data: Uint8Array }} Chunk  a MIDDLE or LAST frame
 * @typedef {{ kind: 5 | 6, id: number }} PingFrame  PING or PONG
 * @typedef {{ kind: 7 }} ByeFrame
 * @typedef {({ kind: 1 } & Start) | ({ kind: 2 } & Start) | ({ kind: 3 } & Chunk) | ({ kind: 4 } & Chunk) | PingFrame | ByeFrame} Frame
 * @typedef {PingFrame | ByeFrame} ControlFrame  what the receiver leaves to the session layer
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** @param {{ kind: number, id?: number, total?: number, type?: string, data?: Uint8Array }} frame */
export function encodeFrame({ kind, id = 0, total = 0, type = '', data = new Uint8Array(0) }) {
  if (kind === KIND.BYE) return Uint8Array.of(kind);
  if (kind === KIND.PING || kind === KIND.PONG) {
    const out = new Uint8Array(5);
    out[0] = kind;
    new DataView(out.buffer).setUint32(1, id);
    return out;
  }
  const typeBytes = encoder.encode(type);
  const head = kind === KIND.WHOLE || kind === KIND.FIRST ? 10 + typeBytes.length : 5;
  if (typeBytes.length > MAX_TYPE) throw new FramingError('message type too long');
  const out = new Uint8Array(head + data.length);
  const view = new DataView(out.buffer);
  out[0] = kind;
  view.setUint32(1, id);
  if (head > 5) {
    view.setUint32(5, total);
    out[9] = typeBytes.length;
    out.set(typeBytes, 10);
  }
  out.set(data, head);
  return out;
}

/** @param {unknown} bytes  a frame as the peer sent it (checked) @returns {Frame} */
export function decodeFrame(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new FramingError('empty frame');
  const kind = bytes[0];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (kind === KIND.BYE) return { kind };
  if (bytes.length < 5) throw new FramingError('truncated frame');
  const id = view.getUint32(1);
  if (kind === KIND.PING || kind === KIND.PONG) return { kind, id };
  if (kind === KIND.MIDDLE || kind === KIND.LAST) return { kind, id, data: bytes.subarray(5) };
  if (kind !== KIND.WHOLE && kind !== KIND.FIRST) throw new FramingError(`unknown frame kind ${kind}`);
  if (bytes.length < 10) throw new FramingError('truncated frame header');
  const total = view.getUint32(5);
  const typeLength = bytes[9];
  if (typeLength > MAX_TYPE || bytes.length < 10 + typeLength) throw new FramingError('bad message type');
  let type;
  try {
    type = decoder.decode(bytes.subarray(10, 10 + typeLength));
  } catch {
    throw new FramingError('message type is not UTF-8');
  }
  return { kind, id, total, type, data: bytes.subarray(10 + typeLength) };
}

/** Frames of one message in flight at once (sealing overlaps sending). */
export const SEND_WINDOW = 8;

/**
 * Splits messages into frames. `sendFrame(bytes)` must deliver frames in call
 * order and resolve when the transport has taken the frame (back-pressure).
 * @param {(bytes: Uint8Array) => Promise<unknown>} sendFrame
 * @param {{ chunkSize?: number, window?: number }} [options]
 */
export function createSender(sendFrame, { chunkSize = CHUNK_SIZE, window = SEND_WINDOW } = {}) {
  let nextId = 1;
  return {
    /**
     * @param {string} type
     * @param {Uint8Array | null} [payload]
     * @param {{ onProgress?: (sent: number, total: number) => void }} [options]
     */
    async send(type, payload, { onProgress } = {}) {
      const data = payload ?? new Uint8Array(0);
      if (data.length > 0xffffffff) throw new FramingError('message too large');
      const id = nextId;
      nextId = (nextId % 0xffffffff) + 1;
      if (data.length <= chunkSize) {
        await sendFrame(encodeFrame({ kind: KIND.WHOLE, id, total: data.length, type, data }));
        onProgress?.(data.length, data.length);
        return;
      }
      /** @type {Promise<void>[]} */
      const inFlight = [];
      for (let offset = 0; offset < data.length; offset += chunkSize) {
        const end = Math.min(offset + chunkSize, data.length);
        const chunk = data.subarray(offset, end);
        const kind = offset === 0 ? KIND.FIRST : end === data.length ? KIND.LAST : KIND.MIDDLE;
        const frame = kind === KIND.FIRST ? encodeFrame({ kind, id, total: data.length, type, data: chunk }) : encodeFrame({ kind, id, data: chunk });
        inFlight.push(sendFrame(frame).then(() => onProgress?.(end, data.length)));
        if (inFlight.length >= window) await inFlight.shift();
      }
      await Promise.all(inFlight);
    },
  };
}

/** Bytes of unfinished messages held for one peer at once: a peer that
 *  announces big messages and sends them slowly cannot make us hold more. */
export const MAX_BUFFERED = 8 * 1024 * 1024;

/**
 * Reassembles messages. `limitFor(type)` gives the largest accepted size of a
 * type; a type without a limit (0 or undefined) is refused outright. Memory
 * grows only as data arrives (never by what a FIRST frame announces) and is
 * bounded by `maxBuffered` per peer. Violations throw FramingError: the caller
 * drops the session rather than buffer unbounded data from a peer.
 * @param {{ onMessage: (type: string, data: Uint8Array) => void, onProgress?: (type: string, id: number, received: number, total: number) => void,
 *   limitFor?: (type: string) => number | undefined, maxBuffered?: number }} handlers
 */
export function createReceiver({ onMessage, onProgress, limitFor = () => 0, maxBuffered = MAX_BUFFERED }) {
  /** @type {Map<number, {type: string, total: number, parts: Uint8Array[], received: number}>} */
  const partial = new Map();
  let buffered = 0;

  /** @param {string} type @param {number} total */
  function checkType(type, total) {
    const limit = limitFor(type) ?? 0;
    if (!(limit > 0)) throw new FramingError(`unknown message type ${JSON.stringify(type)}`);
    if (total > limit) throw new FramingError(`${type} message exceeds its size limit`);
  }
  /** @param {number} bytes */
  function hold(bytes) {
    if (buffered + bytes > maxBuffered) throw new FramingError('too much unfinished data from this peer');
    buffered += bytes;
  }

  return {
    /** @param {Uint8Array} bytes @returns {ControlFrame | null} */
    push(bytes) {
      const frame = decodeFrame(bytes);
      if (frame.kind === KIND.WHOLE) {
        if (frame.data.length !== frame.total) throw new FramingError('length mismatch');
        checkType(frame.type, frame.total);
        onProgress?.(frame.type, frame.id, frame.total, frame.total);
        onMessage(frame.type, frame.data.slice());
        return null;
      }
      if (frame.kind === KIND.FIRST) {
        if (partial.has(frame.id)) throw new FramingError('message id reused');
        if (partial.size >= MAX_PARTIAL) throw new FramingError('too many messages in flight');
        checkType(frame.type, frame.total);
        if (frame.data.length >= frame.total) throw new FramingError('first chunk holds the whole message');
        hold(frame.data.length);
        // Views, not copies: every frame arrives in a buffer of its own
        // (a data-channel message, or a frame the worker opened), and the
        // parts are copied once, into the whole message.
        partial.set(frame.id, { type: frame.type, total: frame.total, parts: [frame.data], received: frame.data.length });
        onProgress?.(frame.type, frame.id, frame.data.length, frame.total);
        return null;
      }
      if (frame.kind === KIND.MIDDLE || frame.kind === KIND.LAST) {
        const message = partial.get(frame.id);
        if (!message) throw new FramingError('chunk of an unknown message');
        const end = message.received + frame.data.length;
        if (end > message.total || (frame.kind === KIND.MIDDLE && end === message.total)) {
          throw new FramingError('chunks exceed the announced length');
        }
        if (frame.kind === KIND.LAST && end !== message.total) throw new FramingError('message ended short');
        hold(frame.data.length);
        message.parts.push(frame.data);
        message.received = end;
        onProgress?.(message.type, frame.id, end, message.total);
        if (frame.kind === KIND.LAST) {
          partial.delete(frame.id);
          buffered -= message.total;
          const whole = new Uint8Array(message.total);
          let offset = 0;
          for (const part of message.parts) {
            whole.set(part, offset);
            offset += part.length;
          }
          onMessage(message.type, whole);
        }
        return null;
      }
      return frame; // PING, PONG, BYE: for the session layer
    },
    get pending() {
      return partial.size;
    },
    /** Bytes of unfinished messages held right now. */
    get buffered() {
      return buffered;
    },
  };
}
