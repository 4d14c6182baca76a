// Signalling through a WebTorrent tracker: how many offers an announce
// carries, through the real npm `bittorrent-tracker` server on loopback, and
// what a hostile tracker's swarm counts do. WebRTC is the stand-in of
// fake-webrtc.mjs (offers are built, never connected).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import TrackerServer from 'bittorrent-tracker/server';
import { WebSocket, WebSocketServer } from 'ws';
import { until } from './wait.mjs';

globalThis.WebSocket ??= WebSocket; // node 20 has none of its own
const { built } = await import('./fake-webrtc.mjs');
const { createRoom } = await import('../../templates/js/net/room.js');
const { createTrackerStrategy } = await import('../../templates/js/net/signal/tracker.js');

const ME = 'me'.padEnd(20, '0');
const FRIEND = 'f'.repeat(64);
// Sealing is the worker's job; here a sealed blob is the JSON, base64-encoded.
const cryptoClient = { roomSeal: async (roomId, plaintext) => plaintext, roomOpen: async (roomId, blob) => blob, release: async () => {} };
const seal = (message) => Buffer.from(JSON.stringify(message)).toString('base64');

/**
 * Cleanups run last registered first (node:test runs `t.after` hooks in the
 * order they were added; a server must outlive its clients' closing).
 */
function deferring(t) {
  const cleanups = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return (cleanup) => cleanups.push(cleanup);
}

/** Our pair room, announcing through a tracker strategy pointed at `url`. */
function joinPairRoom(defer, url) {
  const strategy = createTrackerStrategy({ peerId: ME });
  const room = createRoom({
    cryptoClient,
    roomId: 1,
    announceId: 'a'.repeat(64),
    self: { peerId: ME, instance: new Uint8Array(16) },
    allowed: () => [FRIEND],
    iceServers: () => [],
    limitFor: () => 0,
    handlers: { announce: (r) => strategy.announce(r) },
  });
  strategy.addRoom(room);
  strategy.setUrls([url]);
  defer(() => {
    strategy.close();
    room.leave();
  });
  return room;
}

/** A member of the swarm that only listens: the offers the tracker hands it. */
async function listener(defer, url, infoHash, peerId) {
  const socket = new WebSocket(url);
  const offers = [];
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.offer) offers.push(message.offer_id);
  });
  await once(socket, 'open');
  socket.send(
    JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: peerId, numwant: 0, uploaded: 0, downloaded: 0, left: 1, event: 'started', offers: [] }),
  );
  defer(() => socket.close());
  return offers;
}

test('through a real tracker, once it has counted the swarm, an announce carries an offer for each other member, so the friend gets one whoever else is there', async (t) => {
  const server = new TrackerServer({ udp: false, http: false, ws: true, stats: false, trustProxy: false });
  server.on('warning', () => {});
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const defer = deferring(t);
  defer(() => new Promise((resolve) => server.close(resolve)));
  const ours = []; // our announces as the tracker received them
  server.ws.on('connection', (socket) =>
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.peer_id === ME && message.action === 'announce' && !message.answer) ours.push(message);
    }),
  );
  const url = `ws://127.0.0.1:${server.ws.address().port}`;
  const infoHash = 'a'.repeat(20);
  // The friend, and another device of ours (the room cannot tell them apart before a handshake).
  const friend = await listener(defer, url, infoHash, 'friend'.padEnd(20, '1'));
  const ourLaptop = await listener(defer, url, infoHash, 'laptop'.padEnd(20, '2'));
  await until(() => Object.values(server.torrents)[0]?.peers.length === 2, 'both members in the swarm');

  joinPairRoom(defer, url);
  const announce = await until(() => ours.find((m) => m.offers?.length === 2), 'an announce with an offer for each of the two others');
  const ids = announce.offers.map((o) => o.offer_id);
  await until(() => ids.some((id) => friend.includes(id)) && ids.some((id) => ourLaptop.includes(id)), 'one of its offers at each member');
  assert.equal(ours[0].offers.length, 1, 'the first announce, before any count: one per missing peer');
});

test('a hostile tracker’s swarm counts neither inflate the offers nor close the ones on their way; only "alone" closes them', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const defer = deferring(t);
  defer(() => new Promise((resolve) => wss.close(resolve)));
  const infoHash = 'a'.repeat(20);
  const stranger = 'stranger'.padEnd(20, '3');
  const replies = [{ complete: 'lots', incomplete: 1e300 }, { complete: -7, incomplete: 2 }, { complete: 0, incomplete: 1 }, {}];
  const announces = [];
  let answered = false;
  wss.on('connection', (socket) =>
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.action !== 'announce') return;
      if (message.answer) {
        answered = true;
        return;
      }
      announces.push(message);
      const counts = replies[announces.length - 1];
      if (!counts) return;
      socket.send(JSON.stringify({ action: 'announce', interval: 120, info_hash: infoHash, ...counts }));
      if (announces.length === replies.length) {
        // Answered only after the reply before it was taken: shows it was.
        const offer = seal({ kind: 'offer', from: stranger, to: null, offerId: 'probe', sdp: 'v=0 offer', at: Date.now() });
        socket.send(JSON.stringify({ action: 'announce', info_hash: infoHash, peer_id: stranger, offer_id: 'probe', offer: { type: 'offer', sdp: offer } }));
      }
    }),
  );
  const before = built.length;
  joinPairRoom(defer, `ws://127.0.0.1:${wss.address().port}`);
  await until(() => answered, 'the answer to the probe after the last reply', 30_000);
  assert.deepEqual(
    announces.slice(0, replies.length).map((m) => m.offers.length),
    [1, 1, 1, 1],
    'garbage, negative or missing counts, and "alone": one offer each, as for an uncounted swarm',
  );
  const [, , third, fourth] = built.slice(before);
  assert.equal(third.connectionState, 'closed', 'the offer that met "alone" is closed');
  assert.notEqual(fourth.connectionState, 'closed', 'the offer that met a reply without counts stays open for an answer');
});
