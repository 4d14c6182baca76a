// @ts-check
// The frame types of an authenticated session: each with the largest payload
// a peer may send, the module that handles it, and what it carries. This is
// the one table the receiver checks (framing.js refuses a type that is not
// here before buffering anything) and the one place frames are dispatched.
//
// `bulk` types travel on the connection's second data channel without the
// session's own encryption: their payload is already sealed end to end (a
// file chunk under its file key, checked against the root hash its owner
// signed), and the channel is authenticated to the session by DTLS, whose
// certificates the handshake signs. Sealing them a second time halved file
// transfer speed. Nothing else may travel there.

const KiB = 1024;

/**
 * @typedef {'device' | 'env' | 'ack' | 'read' | 'typing' | 'sync' | 'file-get' | 'file-chunk' | 'call' | 'rtc' | 'profile' | 'mirror' | 'mirror-have' | 'mirror-read' | 'mirror-older'} FrameType
 * @typedef {{ limit: number, handler: string, carries: string, bulk?: boolean, session?: boolean }} FrameSpec
 * @typedef {(fingerprint: string, link: import('./sessions.js').Link, data: Uint8Array) => unknown} FrameHandler
 */

/** @type {Readonly<Record<FrameType, FrameSpec>>} */
export const FRAMES = Object.freeze({
  // The session's own (net/link.js), never dispatched: what names a device
  // in an instance id goes only to a peer the handshake verified.
  device: {
    limit: 6,
    handler: 'net/link',
    carries: 'the 6 bytes naming the sender’s device (net/instance.js): the first sealed frame each side sends, accepted then and never again',
    session: true,
  },
  env: {
    limit: 1200 * KiB,
    handler: 'chat/inbox',
    carries:
      'an envelope (≤ 1 MiB padded content, ≤ 128 wrapped keys or a group sender key id, a signature); in a group, from its sender or a member passing it on',
  },
  ack: {
    limit: 96 * KiB,
    handler: 'chat/forwarding',
    carries:
      'JSON {keys, by?, sig?}: up to 500 `sender:id` keys stored by the peer, or a list the group member `by` signed (`sig`, base64, worker/src/ack.rs), passed back hop by hop unchanged',
  },
  read: { limit: 64 * KiB, handler: 'chat/receipts', carries: 'JSON {ids}: our messages the peer has read' },
  typing: { limit: 1 * KiB, handler: 'chat/receipts', carries: 'JSON {conv}: the peer is typing there' },
  sync: {
    limit: 96 * KiB,
    handler: 'chat/backlog',
    carries: 'JSON {conv, have, epoch, unconfirmed?}: up to 500 keys of a group conversation the peer holds, and its epoch of the group',
  },
  'file-get': { limit: 1 * KiB, handler: 'chat/transfers', carries: 'JSON {owner, fileId, from}: send me these chunks' },
  'file-chunk': { limit: 257 * KiB, handler: 'chat/transfers', carries: 'owner ‖ file id ‖ index ‖ one sealed 256 KiB chunk', bulk: true },
  call: { limit: 16 * KiB, handler: 'calls/calls', carries: 'JSON {op, id, …}: the call protocol' },
  rtc: { limit: 64 * KiB, handler: 'calls/negotiation', carries: 'JSON description or ICE candidate (renegotiation)' },
  profile: { limit: 2 * KiB, handler: 'chat/mailbox', carries: 'JSON {mailbox, relays}: where to leave mail for the peer (also through the mailbox)' },
  // Between our own devices only (their room, chat/mirror.js); from anyone else they are ignored.
  mirror: {
    limit: 1700 * KiB,
    handler: 'chat/mirror',
    carries: 'JSON {records, older?}: stored messages (envelope, receipt, sealed state; base64) and their state; `older`: a page asked for with mirror-older',
  },
  'mirror-have': { limit: 512 * KiB, handler: 'chat/mirror', carries: 'JSON {conv, keys}: up to 5,000 `sender:id` keys of a conversation this device holds' },
  'mirror-read': { limit: 112 * KiB, handler: 'chat/mirror', carries: 'JSON {conv, keys, at}: messages read on the sending device' },
  'mirror-older': {
    limit: 1 * KiB,
    handler: 'chat/mirror',
    carries: 'JSON {conv, before, limit}: the page of messages stored before the key `before` (null: the newest)',
  },
});

/** Largest accepted payload of a frame type; 0 (refused) for unknown types. @param {string} type */
export function frameLimit(type) {
  return Object.hasOwn(FRAMES, type) ? FRAMES[/** @type {FrameType} */ (type)].limit : 0;
}

/** Whether a frame type belongs to the session itself (net/link.js) and is never dispatched. @param {string} type */
export function isSessionFrame(type) {
  return Object.hasOwn(FRAMES, type) && FRAMES[/** @type {FrameType} */ (type)].session === true;
}

/** Whether a frame type travels on the bulk channel (see above). @param {string} type */
export function isBulk(type) {
  return Object.hasOwn(FRAMES, type) && FRAMES[/** @type {FrameType} */ (type)].bulk === true;
}

/**
 * The dispatcher of received frames. `handlers` must give a function for
 * every type of the table the session does not handle itself, and for
 * nothing else: a frame type is added here and handled somewhere, or not at all.
 * @param {Record<Exclude<FrameType, 'device'>, FrameHandler>} handlers
 */
export function createDispatcher(handlers) {
  const types = Object.keys(FRAMES)
    .filter((type) => !isSessionFrame(type))
    .sort();
  const given = Object.keys(handlers).sort();
  if (JSON.stringify(types) !== JSON.stringify(given)) {
    throw new Error(`protocol: handlers for [${given}] do not match the frame table [${types}]`);
  }
  /**
   * Resolves once the handler is done (the mailbox waits for that before it
   * counts a wrap as handled).
   * @param {string} fingerprint @param {import('./sessions.js').Link} link @param {string} type @param {Uint8Array} data
   */
  return (fingerprint, link, type, data) => {
    if (!Object.hasOwn(FRAMES, type) || isSessionFrame(type)) return undefined;
    return handlers[/** @type {Exclude<FrameType, 'device'>} */ (type)](fingerprint, link, data);
  };
}

/**
 * Where received frames go: the network and the mailbox are built before
 * the services that handle frames (which send through them), so they are
 * given `dispatch`, and the session installs the handlers — checked against
 * the frame table, once — before any room is joined or relay read. A frame
 * that came before would find no handler and be dropped, as an unknown
 * type is.
 */
export function createFrameRouter() {
  /** @type {ReturnType<typeof createDispatcher> | null} */
  let dispatcher = null;
  return {
    /** @param {string} fingerprint @param {import('./sessions.js').Link} link @param {string} type @param {Uint8Array} data */
    dispatch: (fingerprint, link, type, data) => dispatcher?.(fingerprint, link, type, data),
    /** @param {Parameters<typeof createDispatcher>[0]} handlers */
    install(handlers) {
      if (dispatcher) throw new Error('protocol: frame handlers are installed once');
      dispatcher = createDispatcher(handlers);
    },
  };
}
