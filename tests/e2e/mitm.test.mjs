// A man in the middle who controls the signalling (here: the only tracker
// Alice and Bob use) and knows both public keys, so it can read and forge the
// sealed SDPs. It answers each side's offer with its own WebRTC endpoint and
// relays the data channels between them, byte for byte. Each side then sees
// its own DTLS fingerprint paired with the intruder's, and the handshake's
// channel binding must catch it: nobody shows online, both see the attempt.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { browserAndServerPerFile, freePort, openPage } from './harness.mjs';
import { roomOf } from './rooms.mjs';
import { ALICE, BOB, addContact, loggedIn, tab } from './network-helpers.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

test('a relaying man in the middle is detected by the handshake’s channel binding', async () => {
  const room = roomOf(ALICE.fingerprint, BOB.fingerprint);
  // Mallory's WebRTC endpoints live in a browser page of her own.
  const mallory = await openPage(browser, server.url);
  await mallory.evaluate(() => {
    const channels = {};
    const queues = { alice: [], bob: [] };
    window.relayed = 0;
    const other = (name) => (name === 'alice' ? 'bob' : 'alice');
    const forward = (from) => {
      const target = channels[other(from)];
      while (queues[from].length && target?.readyState === 'open') {
        target.send(queues[from].shift());
        window.relayed += 1;
      }
    };
    const attach = (name, channel) => {
      channel.binaryType = 'arraybuffer';
      channels[name] = channel;
      channel.onmessage = (event) => {
        queues[name].push(event.data);
        forward(name);
      };
      channel.onopen = () => forward(other(name));
      if (channel.readyState === 'open') setTimeout(() => forward(other(name)), 0);
    };
    // With no ICE servers, gathering host candidates always completes.
    const gathered = (pc) => new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    const pcs = {};
    // Toward Alice, Mallory answers Alice's offer...
    window.answerAs = async (name, offerSdp) => {
      const pc = (pcs[name] = new RTCPeerConnection({ iceServers: [] }));
      pc.ondatachannel = ({ channel }) => attach(name, channel);
      await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      return pc.localDescription.sdp;
    };
    // ...toward Bob she offers, so both sides see consistent roles.
    window.offerAs = async (name) => {
      const pc = (pcs[name] = new RTCPeerConnection({ iceServers: [] }));
      attach(name, pc.createDataChannel('trustero', { ordered: true }));
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      return pc.localDescription.sdp;
    };
    window.acceptAnswerAs = (name, sdp) => pcs[name].setRemoteDescription({ type: 'answer', sdp });
  });

  // The malicious tracker: answers Alice's first offer itself, and sends Bob
  // an offer of its own; it never introduces Alice and Bob to each other.
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  const engaged = new Set();
  const fakeIds = { alice: 'f'.repeat(20), bob: 'e'.repeat(20) };
  wss.on('connection', (socket) => {
    socket.on('message', async (raw) => {
      const message = JSON.parse(raw);
      if (message.action !== 'announce' || message.info_hash !== room.infoHash) return;
      if (message.answer) {
        const opened = room.open(message.answer.sdp);
        // Trickled candidates come back the way answers do: Mallory's own
        // endpoints gather theirs and need nobody else's.
        if (opened?.kind !== 'answer') return;
        await mallory.evaluate(({ sdp }) => window.acceptAnswerAs('bob', sdp), { sdp: opened.sdp });
        return;
      }
      socket.send(JSON.stringify({ action: 'announce', interval: 120, info_hash: message.info_hash, complete: 0, incomplete: 2 }));
      const side = socket.side ?? (engaged.has('alice') ? 'bob' : 'alice');
      if (engaged.has(side) || !(message.offers ?? []).length) return;
      engaged.add(side);
      socket.side = side;
      if (side === 'alice') {
        const { offer, offer_id: offerId } = message.offers[0];
        const opened = room.open(offer.sdp);
        const sdp = await mallory.evaluate(({ sdp }) => window.answerAs('alice', sdp), { sdp: opened.sdp });
        socket.send(JSON.stringify({
          action: 'announce', info_hash: message.info_hash, peer_id: fakeIds.bob, offer_id: offerId,
          answer: { type: 'answer', sdp: room.seal({ kind: 'answer', from: fakeIds.bob, to: opened.from, offerId: opened.offerId, sdp, at: Date.now() }) },
        }));
      } else {
        const sdp = await mallory.evaluate(() => window.offerAs('bob'));
        const offerId = 'd'.repeat(20);
        socket.send(JSON.stringify({
          action: 'announce', info_hash: message.info_hash, peer_id: fakeIds.alice, offer_id: offerId,
          offer: { type: 'offer', sdp: room.seal({ kind: 'offer', from: fakeIds.alice, to: null, offerId, sdp, at: Date.now() }) },
        }));
      }
    });
  });

  const tracker = `ws://127.0.0.1:${port}`;
  const alice = await loggedIn(browser, server.url, ALICE, { trackers: [tracker] });
  await addContact(alice, BOB, 'Bob');
  const bob = await loggedIn(browser, server.url, BOB, { trackers: [tracker] });
  await addContact(bob, ALICE, 'Alice');
  try {
    for (const page of [alice, bob]) {
      await tab(page, 'contacts'); // where refused attempts and who is online show
      await page.waitForSelector('#failed-attempts li[data-reason="channel-binding"]', { state: 'attached', timeout: 30_000 });
      assert.match(await page.textContent('#failed-attempts'), /someone may be intercepting/);
      assert.equal(await page.locator('.contact.online').count(), 0);
    }
    assert.ok((await mallory.evaluate(() => window.relayed)) >= 2, 'the hellos really went through the intruder');
  } finally {
    await Promise.all([alice, bob, mallory].map((p) => p.context().close()));
    await new Promise((resolve) => wss.close(resolve));
  }
});
