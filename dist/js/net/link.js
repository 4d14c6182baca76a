// @ts-check
// An authenticated, encrypted session with one peer over one data channel:
// first the handshake (worker/src/handshake.rs) proves who is on the other
// end, then every frame is sealed by the worker under per-direction keys.
//
// The handshake carries our instance id with its device part replaced by
// random bytes: whoever answers an offer learns nothing that links our
// devices' page loads before it is verified. Each side's first sealed frame
// is its real device part ('device', net/protocol.js), and the peer is
// reported ready only once its own has come, so everything that tells a
// peer's devices apart (net/instance.js deviceOf) sees the real one.
// Bulk frame types (net/protocol.js: payloads already sealed end to end) go
// on the connection's second channel instead, framed but not sealed again:
// DTLS, whose certificates the handshake signed, authenticates that channel.

import { RELEASE_TIMING } from '../core/timing.js';
import { createReceiver, createSender, encodeFrame, KIND } from './framing.js';
import { channelOpen, dtlsFingerprint, presentedCertificate } from './peer.js';
import { randomBytes, toHex } from '../core/encoding.js';
import { frameLimit, isBulk } from './protocol.js';
import { LOAD_BYTES } from './instance.js';
import { failureReason, sealsFrames, transition } from './link-state.js';

/**
 * @typedef {import('../core/crypto-client.js').CryptoClient} CryptoClient
 * @typedef {import('../core/crypto-client.js').AuthenticatedPeer} AuthenticatedPeer
 * @typedef {{ fingerprint: string }} ClaimedPeer  who the peer's hello says it is, until the handshake finishes
 * @typedef {Error & { code?: string, fingerprint?: string }} LinkError  a worker's refusal names the refused identity
 * @typedef {{ onReady?: (peer: AuthenticatedPeer) => void, onMessage?: (type: string, data: Uint8Array) => void,
 *   onRejected?: (error: LinkError) => void, onClose?: (reason: string, wasReady: boolean) => void }} LinkHandlers
 * @typedef {'offerer' | 'answerer'} Role
 * @typedef {ReturnType<typeof createLink>} Link
 */

export const CONNECT_TIMEOUT_MS = 20_000;
export const HANDSHAKE_TIMEOUT_MS = 10_000;
// The heartbeat, and the silence (no frame at all, heartbeats included)
// after which the peer is gone: core/timing.js.
/** Back-pressure: stop feeding the data channel above this much buffered data.
 *  Measured here (tests/bench/network.mjs): Chromium data channels run 3-5×
 *  slower with a megabyte queued than with ~64-128 KiB. */
export const BUFFER_HIGH = 64 * 1024;
export const BUFFER_LOW = 16 * 1024;

const HELLO = 1;
const FINISH = 2;
/** Bytes of an instance id that name a device (net/instance.js). */
const DEVICE_BYTES = 16 - LOAD_BYTES;
/** What each side sends first on the bulk channel to say it has one. */
const BULK_MARKER = encodeFrame({ kind: KIND.PING, id: 0 });
const isBulkMarker = (/** @type {Uint8Array} */ bytes) => bytes.length === BULK_MARKER.length && bytes.every((b, i) => b === BULK_MARKER[i]);

/** What the handshake says of us: our load part, and random bytes for the device. */
/** @param {Uint8Array} instance */
function maskedInstance(instance) {
  const masked = new Uint8Array(16);
  masked.set(instance.slice(0, LOAD_BYTES));
  masked.set(randomBytes(DEVICE_BYTES), LOAD_BYTES);
  return masked;
}

/** @param {RTCDataChannel} channel */
function prepare(channel) {
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = BUFFER_LOW;
}

/**
 * Where the browser shows the certificate the peer really presented, it must
 * be the one the remote description (and so the handshake) names: `named`, in hex.
 * @param {RTCPeerConnection} pc @param {CryptoClient} cryptoClient @param {string} named
 */
async function checkPresented(pc, cryptoClient, named) {
  const presented = await presentedCertificate(pc, (bytes) => cryptoClient.digest(bytes));
  if (presented && toHex(presented) !== named) {
    throw Object.assign(new Error('link: the peer presented another DTLS certificate than its description names'), { code: 'channel-binding' });
  }
}

/**
 * handlers: onReady(peer), onMessage(type, bytes), onRejected(error),
 * onClose(reason, wasReady). `limitFor(type)` caps incoming message sizes
 * (net/protocol.js). `instance`: our 16-byte instance id (load ‖ device).
 * States: connecting → handshake → verified (the peer proved who it is; its
 * device part is on its way) → ready → closed; every change goes through
 * net/link-state.js.
 * @param {{ cryptoClient: CryptoClient, pc: RTCPeerConnection, channel: Promise<RTCDataChannel>, bulk?: RTCDataChannel | null, role: Role,
 *   roomId: number, instance: Uint8Array, allowed: () => string[], handlers: LinkHandlers, limitFor: (type: string) => number | undefined,
 *   timing?: import('../core/timing.js').Timing }} options  `timing`: the heartbeat and silence timeout (the release's unless given)
 */
export function createLink({ cryptoClient, pc, channel, bulk = null, role, roomId, instance, allowed, handlers, limitFor, timing = RELEASE_TIMING }) {
  const { heartbeatMs, silenceTimeoutMs } = timing;
  /** @type {import('./link-state.js').LinkState} */
  let state = 'connecting';
  const device = instance.slice(LOAD_BYTES);
  const masked = maskedInstance(instance);
  /** @type {RTCDataChannel | null} */
  let dc = null;
  /** @type {number | null} */
  let handshakeId = null;
  /** @type {number | null} */
  let channelId = null;
  /** @type {AuthenticatedPeer | ClaimedPeer | null} */
  let peer = null;
  // The remote DTLS fingerprint the handshake signs: renegotiated
  // descriptions (calls) must keep it (negotiation.js).
  /** @type {string | null} */
  let remoteDtls = null;
  // Settles once our side of the handshake exists in the worker; the peer's
  // hello may arrive before that and must wait for it.
  /** @type {{ resolve: () => void, reject: (error: unknown) => void }} */
  let handshakeStarted;
  /** @type {Promise<void>} */
  const started = new Promise((resolve, reject) => {
    handshakeStarted = { resolve, reject };
  });
  started.catch(() => {});
  let processing = Promise.resolve();
  // Frames that came before the session's keys existed (or behind such a
  // frame): opened in the receive queue, in order; later ones are opened at
  // once (the worker takes frames in call order).
  let unopened = 0;
  let sending = Promise.resolve();
  let lastReceived = Date.now();
  let lastSent = Date.now();
  /** @type {number | undefined} */
  let heartbeat;
  /** @type {number | undefined} */
  let handshakeTimer;
  /** @type {Map<number, { resolve: () => void, reject: (error: Error) => void }>} */
  const pings = new Map();

  /** @type {string | null} */
  let closeReason = null;

  /** @param {string} reason */
  function close(reason) {
    if (state === 'closed') return;
    const wasReady = state === 'ready';
    state = transition(state, 'close');
    closeReason = reason;
    clearInterval(heartbeat);
    clearTimeout(handshakeTimer);
    for (const { reject } of pings.values()) reject(new Error('link: closed'));
    pings.clear();
    try {
      dc?.close();
    } catch {
      // already closed
    }
    pc.close();
    for (const id of [handshakeId, channelId]) {
      if (id !== null) cryptoClient.release(id);
    }
    handlers.onClose?.(reason, wasReady);
  }

  /** `to`: the first channel unless told (frames are sent only once it is open). */
  async function sendRaw(/** @type {Uint8Array} */ bytes, to = /** @type {RTCDataChannel} */ (dc)) {
    while (to.bufferedAmount > BUFFER_HIGH) {
      if (to.readyState !== 'open') throw new Error('link: data channel closed');
      await new Promise((resolve) => {
        to.addEventListener('bufferedamountlow', resolve, { once: true });
        to.addEventListener('close', resolve, { once: true });
      });
    }
    if (to.readyState !== 'open') throw new Error('link: data channel closed');
    to.send(/** @type {Uint8Array<ArrayBuffer>} */ (bytes)); // no frame lives in shared memory
    lastSent = Date.now();
  }

  /** Seals and sends one frame; frames go out in call order (from `verified` on: our device part goes first). */
  /** @param {Uint8Array} plaintext */
  function sendFrame(plaintext) {
    if (!sealsFrames(state)) return Promise.reject(new Error('link: not connected'));
    // The worker takes the frame counter when the request arrives, so the
    // seal requests and the sends must both keep call order.
    const sealed = cryptoClient.channelSeal(/** @type {number} */ (channelId), plaintext);
    const sent = sending.then(async () => sendRaw(await sealed));
    sending = sent.catch(() => {});
    return sent;
  }

  const sender = createSender(sendFrame);
  const receiver = createReceiver({
    onMessage: (type, data) => (type === 'device' ? peerDevice(data) : handlers.onMessage?.(type, data)),
    // The device part first and only then; everything else once ready.
    limitFor: (type) => (type === 'device' ? (state === 'verified' ? frameLimit('device') : 0) : state === 'ready' ? limitFor(type) : 0),
  });

  /** The verified peer's device part: its instance id is whole, the session is ready. */
  /** @param {Uint8Array} data */
  function peerDevice(data) {
    if (state !== 'verified' || data.length !== DEVICE_BYTES) {
      throw Object.assign(new Error('link: the peer sent its device part out of place'), { code: 'framing' });
    }
    state = transition(state, 'device');
    const verified = /** @type {AuthenticatedPeer} */ (peer); // the state is 'verified'
    peer = { ...verified, instance: verified.instance.slice(0, 2 * LOAD_BYTES) + toHex(data) };
    clearTimeout(handshakeTimer);
    heartbeat = setInterval(checkHeartbeat, heartbeatMs / 2);
    announceBulk();
    handlers.onReady?.(peer);
  }

  // The bulk channel: only bulk types, only once the session is ready (a
  // chunk is only ever sent in answer to a request made after that). Each
  // side first sends one PING on it to say it has one: a peer of an older
  // version without it gets its chunks sealed on the first channel instead.
  let peerHasBulk = false;
  let bulkAnnounced = false;
  let bulkSending = Promise.resolve();
  const bulkSender = createSender((frame) => {
    if (state !== 'ready') return Promise.reject(new Error('link: not connected'));
    const sent = bulkSending.then(() => sendRaw(frame, /** @type {RTCDataChannel} */ (bulk))); // bulkOpen() chose it
    bulkSending = sent.catch(() => {});
    return sent;
  });
  const bulkReceiver = createReceiver({
    onMessage: (type, data) => handlers.onMessage?.(type, data),
    limitFor: (type) => (isBulk(type) ? limitFor(type) : 0),
  });
  const bulkOpen = () => bulk !== null && bulk.readyState === 'open';

  function announceBulk() {
    if (bulkAnnounced || state !== 'ready' || !bulkOpen()) return;
    bulkAnnounced = true;
    /** @type {RTCDataChannel} */ (bulk).send(BULK_MARKER);
  }

  /** @param {MessageEvent<ArrayBuffer>} event */
  function onBulk(event) {
    const bytes = new Uint8Array(event.data);
    if (isBulkMarker(bytes)) {
      peerHasBulk = true; // only a flag: harmless whenever it comes
      return;
    }
    if (state !== 'ready') return; // unasked for: dropped (nothing lost, chunks are asked for again)
    lastReceived = Date.now();
    try {
      // Other control frames (pongs, bye) belong to the sealed channel only.
      if (bulkReceiver.push(bytes)) throw Object.assign(new Error('link: control frame on the bulk channel'), { code: 'framing' });
    } catch {
      close('protocol-error');
    }
  }

  /** @param {import('./framing.js').ControlFrame} frame */
  function handleControl(frame) {
    if (frame.kind === KIND.PING) {
      sendFrame(encodeFrame({ kind: KIND.PONG, id: frame.id })).catch(() => {});
    } else if (frame.kind === KIND.PONG) {
      pings.get(frame.id)?.resolve();
    } else if (frame.kind === KIND.BYE) {
      close('peer-left');
    }
  }

  /** @param {Uint8Array} bytes @param {Promise<Uint8Array> | null} opening  the frame being opened already, if it is */
  async function receive(bytes, opening) {
    if (state === 'closed') return;
    lastReceived = Date.now();
    if (channelId === null) {
      await started;
      if (bytes[0] === HELLO && !peer) {
        // handshakeId is set once `started` resolved; dc delivered these bytes.
        const result = await cryptoClient.handshakeHello(/** @type {number} */ (handshakeId), bytes, allowed());
        peer = { fingerprint: result.fingerprint };
        /** @type {RTCDataChannel} */ (dc).send(/** @type {Uint8Array<ArrayBuffer>} */ (result.finish));
        return;
      }
      if (bytes[0] === FINISH && peer) {
        const result = await cryptoClient.handshakeFinish(/** @type {number} */ (handshakeId), bytes);
        handshakeId = null; // released by the worker
        // Verified: its instance id has our random device part until its own comes.
        state = transition(state, 'verified');
        channelId = result.channelId;
        peer = result.peer;
        sender.send('device', device).catch(() => {}); // a closed channel closes the link anyway
        return;
      }
      throw Object.assign(new Error('link: unexpected handshake message'), { code: 'malformed' });
    }
    const control = receiver.push(await (opening ?? cryptoClient.channelOpen(channelId, bytes)));
    if (control) handleControl(control);
  }

  /** @param {MessageEvent<ArrayBuffer>} event */
  function onRaw(event) {
    const bytes = new Uint8Array(event.data);
    // Once the session's keys exist and nothing before is still unopened,
    // ask the worker to open the frame at once (it keeps arrival order), so
    // decryption overlaps; results are still consumed in order.
    const early = channelId === null || unopened > 0;
    const opening = early ? null : cryptoClient.channelOpen(/** @type {number} */ (channelId), bytes);
    opening?.catch(() => {});
    if (early) unopened += 1;
    processing = processing
      .then(() => receive(bytes, opening))
      .catch((error) => {
        if (state === 'closed') return;
        if (state === 'handshake') handlers.onRejected?.(error);
        close(failureReason(state, error.code));
      })
      .finally(() => {
        if (early) unopened -= 1;
      });
  }

  function checkHeartbeat() {
    const now = Date.now();
    if (now - lastReceived > silenceTimeoutMs) {
      close('timeout');
    } else if (now - lastSent >= heartbeatMs) {
      sendFrame(encodeFrame({ kind: KIND.PING, id: 0 })).catch(() => {});
    }
  }

  async function start() {
    try {
      dc = await channelOpen(await channel, CONNECT_TIMEOUT_MS);
    } catch {
      close('connect-failed');
      return;
    }
    if (state === 'closed') return;
    prepare(dc);
    dc.addEventListener('message', onRaw);
    dc.addEventListener('close', () => close(state === 'ready' ? 'closed' : 'connect-failed'));
    if (bulk) {
      prepare(bulk);
      bulk.addEventListener('message', onBulk);
      bulk.addEventListener('open', announceBulk);
    }
    state = transition(state, 'open');
    handshakeTimer = setTimeout(() => close('handshake-timeout'), HANDSHAKE_TIMEOUT_MS);
    // Sending in the very tick a received channel opens sometimes loses the
    // message in Chromium: defer the first send.
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      const dtlsRemote = dtlsFingerprint(pc.remoteDescription?.sdp);
      remoteDtls = toHex(dtlsRemote);
      await checkPresented(pc, cryptoClient, remoteDtls);
      const result = await cryptoClient.startHandshake({ roomId, role, instance: masked, dtlsLocal: dtlsFingerprint(pc.localDescription?.sdp), dtlsRemote });
      handshakeId = result.handshakeId;
      if (state !== 'closed') dc.send(/** @type {Uint8Array<ArrayBuffer>} */ (result.hello));
      handshakeStarted.resolve();
    } catch (error) {
      handshakeStarted.reject(error);
      if (error.code === 'channel-binding') handlers.onRejected?.(error);
      close(error.code === 'channel-binding' ? 'channel-binding' : 'handshake-failed');
    }
  }

  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed' || pc.connectionState === 'closed') close('connection-failed');
  });
  const connectTimer = setTimeout(() => {
    if (state === 'connecting') close('connect-timeout');
  }, CONNECT_TIMEOUT_MS);
  start().finally(() => clearTimeout(connectTimer));

  return {
    get state() {
      return state;
    },
    get peer() {
      return peer;
    },
    /** Why the session ended: 'peer-left' and 'closed' mean the other side went away on purpose. */
    get closeReason() {
      return closeReason;
    },
    /** The connection itself, for call media (see negotiation.js). */
    pc,
    /** 'offerer' or 'answerer' of the first connection. */
    role,
    /** Hex SHA-256 of the remote DTLS certificate the handshake authenticated. */
    get remoteDtls() {
      return remoteDtls;
    },
    /** Sends a typed message (any size up to the peer's limit) once ready;
     *  bulk types on the bulk channel when it is open, else sealed like the rest. */
    /** @param {string} type @param {Uint8Array} data @param {{ onProgress?: (sent: number, total: number) => void }} [options] */
    send(type, data, options) {
      if (state !== 'ready') return Promise.reject(new Error('link: not connected'));
      return (isBulk(type) && peerHasBulk && bulkOpen() ? bulkSender : sender).send(type, data, options);
    },
    /** Round-trip time of an encrypted ping, in milliseconds. */
    async ping() {
      const id = new DataView(randomBytes(4).buffer).getUint32(0) || 1;
      const started = performance.now();
      /** @type {Promise<void>} */
      const answered = new Promise((resolve, reject) => pings.set(id, { resolve, reject }));
      await sendFrame(encodeFrame({ kind: KIND.PING, id }));
      await answered;
      pings.delete(id);
      return performance.now() - started;
    },
    /** Ends the session, telling the peer when possible. */
    close(reason = 'closed') {
      if (state === 'ready') {
        sendFrame(encodeFrame({ kind: KIND.BYE })).finally(() => close(reason));
        setTimeout(() => close(reason), 200);
      } else {
        close(reason);
      }
    },
  };
}
