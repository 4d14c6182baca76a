// Groups of 100+ (issue 13) at a size no 2-core machine can run as pages:
// the partial mesh's rules (net/mesh.js), forwarding and acknowledgements
// passed back (chat/forwarding.js) and sender-key rotation
// (chat/sender-keys.js), each the app's own module, over 100 to 500
// simulated members. Links and the worker are stand-ins; a seeded random
// number generator makes every run the same. Nothing here is timed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createForwarding } from '../../templates/js/chat/forwarding.js';
import { buildMesh, fingerprint, reachable, simulateGroup } from './group-sim.mjs';
import { createSenderKeys } from '../../templates/js/chat/sender-keys.js';
import { MAX_GROUP_MEMBERS, checkGroupDescriptor } from '../../templates/js/chat/content.js';
import { DEFAULT_SETTINGS } from '../../templates/js/core/settings.js';
import { fakeCrypto, memoryStore } from './fakes.mjs';

test('groups may list up to 128 members, more are refused, and the default mesh seeks a few peers', () => {
  assert.equal(MAX_GROUP_MEMBERS, 128);
  const member = (n) => ({ fingerprint: fingerprint(n + 1), spki: 'A'.repeat(300) });
  const group = (count) => ({
    id: '1'.repeat(32),
    nonce: '2'.repeat(32),
    secret: 'S'.repeat(43),
    name: 'Big',
    creator: fingerprint(1),
    epoch: 1,
    members: Array.from({ length: count }, (_, n) => member(n)),
  });
  assert.equal(checkGroupDescriptor(group(128))?.members.length, 128);
  assert.equal(checkGroupDescriptor(group(129)), null);
  assert.ok(DEFAULT_SETTINGS.groupConnections >= 2 && DEFAULT_SETTINGS.groupConnections * 2 < 128);
});

for (const members of [100, 250, 500]) {
  test(`a partial mesh of ${members} members is connected and no member holds more than twice the target`, () => {
    const target = DEFAULT_SETTINGS.groupConnections;
    const { neighbours, peak } = buildMesh({ members, target, seed: members });
    assert.ok(peak <= 2 * target, `peak ${peak} connections`);
    assert.equal(reachable(neighbours), members, 'every member reaches every other through the mesh');
    const lonely = neighbours.filter((n) => n.size < Math.min(target, members - 1)).length;
    // Late joiners may settle below the target when everyone near is full; they still connect.
    assert.ok(lonely < members / 10, `${lonely} members below the target`);
    console.log(
      `# mesh of ${members}: peak ${peak} connections per member (cap ${2 * target}), mean ${(neighbours.reduce((s, n) => s + n.size, 0) / members).toFixed(1)}`,
    );
  });
}

test('a small group stays a full mesh (every member seeks every other)', () => {
  const target = DEFAULT_SETTINGS.groupConnections;
  const { neighbours } = buildMesh({ members: target + 1, target, seed: 7 });
  for (const n of neighbours) assert.equal(n.size, target);
});

for (const members of [100, 500]) {
  test(`over a mesh of ${members}, a message reaches every member once and every acknowledgement gets back to its sender`, async () => {
    const target = DEFAULT_SETTINGS.groupConnections;
    const { neighbours } = buildMesh({ members, target, seed: members + 1 });
    const group = simulateGroup(neighbours);
    const key = await group.send(0, 'a'.repeat(32));
    for (const member of group.members) assert.ok(member.stored.has(key), `${member.fp.slice(-4)} has it`);
    // The sender learns of every other member's copy without a connection to each.
    assert.equal(group.members[0].acked.size, members - 1);
    const copies = group.members.reduce((sum, m) => sum + m.received, 0);
    // Each member receives at most one copy per neighbour: the mesh bounds the flood.
    assert.ok(copies <= neighbours.reduce((sum, n) => sum + n.size, 0), `${copies} copies`);
    // Each member signs its acknowledgement once, however many copies it acknowledges.
    const { signed, verified } = group.work();
    assert.ok(signed <= members - 1, `${signed} signatures`);
    console.log(
      `# ${members} members: ${copies} copies delivered (${(copies / members).toFixed(1)} per member), ${group.framesSoFar()} frames with acknowledgements, ${signed} signatures made and ${verified} checked`,
    );
  });
}

test('members who are away are not counted as delivered; the others still get it around them', async () => {
  const { neighbours } = buildMesh({ members: 100, target: DEFAULT_SETTINGS.groupConnections, seed: 5 });
  const offline = new Set([3, 17, 42, 77]);
  const group = simulateGroup(neighbours, { offline });
  const key = await group.send(0, 'b'.repeat(32));
  for (const [n, member] of group.members.entries()) assert.equal(member.stored.has(key), !offline.has(n), `member ${n}`);
  assert.equal(group.members[0].acked.size, 100 - 1 - offline.size);
  for (const n of offline) assert.ok(!group.members[0].acked.has(group.members[n].fp), 'left for the mailbox');
});

test('an acknowledgement naming a holder for a message we never passed on goes nowhere, unchecked', async () => {
  const sent = [];
  let checks = 0;
  const forwarding = createForwarding({
    identity: { fingerprint: fingerprint(1) },
    sessions: { linkTo: () => ({ send: async (type, data) => sent.push({ type, data }) }) },
    cryptoClient: { verifyAcks: async () => void (checks += 1) },
    spkiOf: () => new Uint8Array(1),
    outbox: { awaits: () => false, acked: async () => {} },
  });
  const frame = { keys: [`${fingerprint(9)}:${'c'.repeat(32)}`], by: fingerprint(5), sig: 'c2ln' };
  await forwarding.receive(fingerprint(6), null, new TextEncoder().encode(JSON.stringify(frame)));
  await forwarding.receive(fingerprint(6), null, new TextEncoder().encode(JSON.stringify({ ...frame, keys: [...frame.keys, 'not a key'] })));
  assert.equal(sent.length, 0);
  assert.equal(checks, 0, 'no signature is checked when nothing would change');
});

test('a forged list passed on dies at the first honest member, and the genuine one still goes back after it', async () => {
  const [SENDER, FORWARDER, BOB, MALLORY] = [1, 2, 3, 4].map(fingerprint);
  const sent = [];
  const forwarding = createForwarding({
    identity: { fingerprint: FORWARDER },
    sessions: { linkTo: (to) => ({ send: async (type, data) => sent.push({ to, type, body: JSON.parse(new TextDecoder().decode(data)) }) }) },
    cryptoClient: {
      verifyAcks: async (spki, records, sig) => {
        if (new TextDecoder().decode(sig) !== `${new TextDecoder().decode(spki)} signs ${Buffer.from(records).toString('hex')}`)
          throw new Error('bad signature');
      },
    },
    spkiOf: (fp) => new TextEncoder().encode(fp),
    outbox: { awaits: () => false, acked: async () => {} },
  });
  const key = `${SENDER}:${'d'.repeat(32)}`;
  // We stored the sender's message and passed it on to Bob and Mallory.
  forwarding.pass({ key, sender: SENDER, envelope: new Uint8Array(1), forEveryMember: true, recipients: [], conv: { members: [] } }, SENDER);
  const records = Buffer.from(key.replace(':', ''), 'hex');
  const genuine = { keys: [key], by: BOB, sig: Buffer.from(`${BOB} signs ${records.toString('hex')}`).toString('base64') };
  const frame = (body) => new TextEncoder().encode(JSON.stringify(body));
  await forwarding.receive(MALLORY, null, frame({ keys: [key], by: BOB }));
  await forwarding.receive(MALLORY, null, frame({ ...genuine, sig: Buffer.from('forged').toString('base64') }));
  assert.deepEqual(sent, [], 'Mallory’s word about Bob goes no further');
  await forwarding.receive(MALLORY, null, frame(genuine));
  assert.deepEqual(sent, [{ to: SENDER, type: 'ack', body: genuine }], 'Bob’s signed list goes back to the sender unchanged');
  await forwarding.receive(BOB, null, frame(genuine));
  assert.equal(sent.length, 1, 'once per holder and message');
});

// ---- sender keys: rotation at scale ----

const cryptoClient = fakeCrypto();

/** The content key of a group message, as worker/src/envelope/group.rs derives it, with WebCrypto. */
async function contentKey({ keyId, key }, messageId, usages = ['encrypt', 'decrypt']) {
  const base = await webcrypto.subtle.importKey('raw', key, 'HKDF', false, ['deriveKey']);
  const info = new Uint8Array([...new TextEncoder().encode('trustero/group-message-key/v1'), ...messageId]);
  return webcrypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: keyId, info }, base, { name: 'AES-GCM', length: 256 }, true, usages);
}

/** AES-GCM under a message's content key. */
async function sealUnder(keyBytes, messageId, text) {
  const aes = await contentKey(keyBytes, new Uint8Array(16).fill(messageId));
  const iv = new Uint8Array(12);
  return { aes, iv, ciphertext: new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, aes, new TextEncoder().encode(text))) };
}
async function openUnder(keyBytes, messageId, sealed) {
  const { aes } = await sealUnder(keyBytes, messageId, '');
  return new TextDecoder().decode(await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, aes, sealed.ciphertext));
}

test('with 500 members, removing some rotates the key: they cannot open what follows, the others can', async () => {
  const CONV = 'c'.repeat(64);
  const fps = Array.from({ length: 500 }, (_, n) => fingerprint(n + 2));
  const sender = createSenderKeys({ cryptoClient, store: memoryStore(), identity: { fingerprint: fingerprint(1) } });
  const members = new Map(fps.map((fp) => [fp, createSenderKeys({ cryptoClient, store: memoryStore(), identity: { fingerprint: fp } })]));
  /** The hand-over reaches exactly the members the key was made for (an RSA-wrapped envelope to each). */
  const handOver = (key, to) => {
    const content = sender.keyContent(CONV, key.keyIdHex);
    for (const fp of to) members.get(fp).learn(CONV, fingerprint(1), content);
  };

  const first = await sender.current(CONV, fps);
  assert.equal(first.fresh, true);
  handOver(first, fps);
  assert.equal((await sender.current(CONV, [...fps].reverse())).fresh, false, 'the same members in another order keep the key');
  const before = await sealUnder(first, 1, 'before the removal');
  assert.equal(await openUnder(members.get(fps[10]).lookup(CONV, fingerprint(1), first.keyIdHex), 1, before), 'before the removal');

  const removed = fps.slice(0, 25);
  const remaining = fps.slice(25);
  const second = await sender.current(CONV, remaining);
  assert.equal(second.fresh, true, 'a membership change makes a new key');
  assert.notEqual(second.keyIdHex, first.keyIdHex);
  handOver(second, remaining);
  const after = await sealUnder(second, 2, 'after the removal');
  for (const fp of removed) {
    const keys = members.get(fp);
    assert.equal(keys.lookup(CONV, fingerprint(1), second.keyIdHex), null, 'a removed member never gets the new key');
    // Its old key does not open the new message either.
    await assert.rejects(openUnder({ ...keys.lookup(CONV, fingerprint(1), first.keyIdHex), keyId: second.keyId }, 2, after));
    // Asking for it is refused: it was not a member when the key was made.
    assert.equal(sender.answerFor(CONV, second.keyIdHex, fp), null);
  }
  for (const fp of remaining.slice(0, 50))
    assert.equal(await openUnder(members.get(fp).lookup(CONV, fingerprint(1), second.keyIdHex), 2, after), 'after the removal');
  assert.deepEqual(sender.answerFor(CONV, second.keyIdHex, remaining[0])?.keyId, second.keyIdHex, 'a member who lost the key may have it again');
  assert.equal(sender.answerFor(CONV, first.keyIdHex, removed[0])?.keyId, first.keyIdHex, 'old messages stay readable to who could read them');
});

test('the committed group envelopes decrypt with an independent HKDF and AES-GCM (node WebCrypto)', async () => {
  const file = JSON.parse(readFileSync(new URL('../vectors/group.json', import.meta.url), 'utf8'));
  const hex = (text) => Uint8Array.from(Buffer.from(text, 'hex'));
  const keyBytes = { keyId: hex(file.key_id), key: hex(file.key) };
  for (const v of file.vectors) {
    const derived = await contentKey(keyBytes, hex(v.message_id));
    assert.equal(Buffer.from(await webcrypto.subtle.exportKey('raw', derived)).toString('hex'), v.content_key);
    // Version 2 header: 1 + 16 + 32 + 32 + 8 + 8 + 12 (nonce) + 16 (key id); then u32 length and the ciphertext.
    const bytes = hex(v.envelope);
    assert.equal(bytes[0], 2);
    const headerLength = 1 + 16 + 32 + 32 + 8 + 8 + 12 + 16;
    const nonce = bytes.slice(headerLength - 28, headerLength - 16);
    assert.equal(Buffer.from(bytes.slice(headerLength - 16, headerLength)).toString('hex'), file.key_id);
    const length = new DataView(bytes.buffer).getUint32(headerLength);
    const ciphertext = bytes.slice(headerLength + 4, headerLength + 4 + length);
    const padded = new Uint8Array(
      await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: bytes.slice(0, headerLength) }, derived, ciphertext),
    );
    // The padding (worker/src/primitives/padding.rs): a u32 length, the content, zeros.
    const contentLength = new DataView(padded.buffer).getUint32(0);
    assert.equal(Buffer.from(padded.slice(4, 4 + contentLength)).toString('hex'), v.content);
  }
});

test('a key is learnt only from its owner’s messages and old keys are dropped beyond the bound', async () => {
  const CONV = 'd'.repeat(64);
  const keys = createSenderKeys({ cryptoClient, store: memoryStore(), identity: { fingerprint: fingerprint(1) } });
  assert.equal(keys.learn(CONV, fingerprint(1), { keyId: '0'.repeat(32), key: 'A'.repeat(43) }), false, 'our own keys are never taken from others');
  for (let n = 0; n < 20; n++) keys.learn(CONV, fingerprint(2), { keyId: n.toString(16).padStart(32, '0'), key: 'B'.repeat(43) });
  assert.equal(keys.lookup(CONV, fingerprint(2), '0'.repeat(32)), null, 'the oldest is forgotten');
  assert.ok(keys.lookup(CONV, fingerprint(2), (19).toString(16).padStart(32, '0')));
  assert.equal(keys.lookup(CONV, fingerprint(3), (19).toString(16).padStart(32, '0')), null, 'a key belongs to one sender');
  assert.equal(keys.shouldAsk(CONV, fingerprint(2), 'ff'.repeat(16)), true);
  assert.equal(keys.shouldAsk(CONV, fingerprint(2), 'ff'.repeat(16)), false, 'asked once per session');
});
