// Playing the other end of a session, without a browser: a helper that
// opens a connection a room built (fake-webrtc.mjs) and answers its
// handshake as whoever the test says, as the stand-in worker of fakes.mjs
// reads it (a hello names its identity and instance in the clear, frames
// are "sealed" as they are).

import { encodeFrame, KIND } from '../../templates/js/net/framing.js';
import { HANDSHAKE, handshakeMessage } from './fakes.mjs';
import { settle, until } from './wait.mjs';

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
  channel.receive(handshakeMessage(HANDSHAKE.HELLO, { fingerprint, instance }));
  await until(() => channel.sent.length >= 2 || channel.readyState === 'closed', 'our finish');
  if (channel.readyState === 'closed') return;
  channel.receive(handshakeMessage(HANDSHAKE.FINISH, {}));
  await settle();
  if (device !== null) channel.receive(encodeFrame({ kind: KIND.WHOLE, id: 1, total: device.length, type: 'device', data: device }));
  await settle(5);
}
