// Playing the other end of a session, without a browser: a stand-in worker
// whose handshake and frames are readable (a hello names its identity and
// instance in the clear, frames are "sealed" as they are), and a helper that
// opens a connection a room built (fake-webrtc.mjs) and answers its
// handshake as whoever the test says. What the worker really does is tested
// in worker/tests; here only what the page does with it matters.

import { encodeFrame, KIND } from '../../templates/js/net/framing.js';

const text = new TextEncoder();
const HELLO = 1;
const FINISH = 2;

/** A handshake message: its type byte, then JSON. */
const message = (type, body) => Uint8Array.of(type, ...text.encode(JSON.stringify(body)));
const read = (bytes) => JSON.parse(new TextDecoder().decode(bytes.subarray(1)));

/**
 * The stand-in worker: rooms seal nothing, a hello carries {instance} (hex,
 * as the page gave it), a peer's hello {fingerprint, instance} is refused
 * unless `allowed` lists it. `started` records every handshake our side began
 * and `sealed` every frame it sealed, in order.
 */
export function fakeCrypto() {
  const handshakes = new Map();
  let next = 1;
  const started = [];
  const sealed = [];
  return {
    started,
    sealed,
    roomSeal: async (roomId, plaintext) => plaintext,
    roomOpen: async (roomId, blob) => blob,
    release: async () => {},
    digest: async () => new Uint8Array(32),
    async startHandshake({ instance }) {
      const handshakeId = next++;
      const ours = Buffer.from(instance).toString('hex');
      started.push(ours);
      handshakes.set(handshakeId, {});
      return { handshakeId, hello: message(HELLO, { instance: ours }) };
    },
    async handshakeHello(handshakeId, hello, allowed) {
      const peer = read(hello);
      if (!allowed.includes(peer.fingerprint)) {
        throw Object.assign(new Error(`handshake: ${peer.fingerprint} may not join this room`), { code: 'unexpected-peer', fingerprint: peer.fingerprint });
      }
      handshakes.get(handshakeId).peer = peer;
      return { fingerprint: peer.fingerprint, finish: message(FINISH, {}) };
    },
    async handshakeFinish(handshakeId) {
      const { peer } = handshakes.get(handshakeId);
      handshakes.delete(handshakeId);
      return {
        channelId: handshakeId,
        peer: { fingerprint: peer.fingerprint, spki: new Uint8Array(1), instance: peer.instance, sessionId: String(handshakeId) },
      };
    },
    channelSeal: async (channelId, plaintext) => (sealed.push(plaintext), plaintext),
    channelOpen: async (channelId, frame) => frame,
  };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));
async function until(check, what) {
  for (let n = 0; n < 1000; n++) {
    if (check()) return;
    await flushed();
  }
  throw new Error(`fake peer: ${what} did not happen`);
}

/**
 * Plays the peer of connection `pc` (built by the room): opens its channel,
 * says hello as `fingerprint` with instance `instance` (32 hex digits: load ‖
 * device, as its handshake carries it), finishes, and — with `device` —
 * sends the device part as its first sealed frame. Resolves once our side
 * has answered each step (not whether it accepted: the test checks that).
 */
export async function playPeer(pc, { fingerprint, instance, device = null }) {
  const channel = pc.channel;
  channel.open();
  await until(() => channel.sent.length >= 1, 'our hello');
  channel.receive(message(HELLO, { fingerprint, instance }));
  await until(() => channel.sent.length >= 2 || channel.readyState === 'closed', 'our finish');
  if (channel.readyState === 'closed') return;
  channel.receive(message(FINISH, {}));
  await flushed();
  if (device !== null) channel.receive(encodeFrame({ kind: KIND.WHOLE, id: 1, total: device.length, type: 'device', data: device }));
  for (let n = 0; n < 5; n++) await flushed();
}
