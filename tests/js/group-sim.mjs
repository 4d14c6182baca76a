// A simulated large group for tests/js/groups-scale.test.mjs and
// tests/bench/groups.mjs: the partial mesh's rules (net/mesh.js) and the
// forwarding module (chat/forwarding.js) — the app's own code — over
// stand-in links, with a seeded random number generator so every run is the
// same.

import { meshFull, peersToSeek } from '../../templates/js/net/mesh.js';
import { MAX_OFFERS_PER_ANNOUNCE } from '../../templates/js/net/room.js';
import { createForwarding } from '../../templates/js/chat/forwarding.js';

/** mulberry32: a small seeded generator (test scheduling only, never keys). */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fingerprint = (n) => n.toString(16).padStart(64, '0');

/**
 * Members join one after another and announce in rounds, as on a tracker:
 * each announce's offers go to random members present (the tracker picks),
 * who answer unless their room is full. Returns each member's neighbours.
 */
export function buildMesh({ members, target, rounds = 40, seed = 1 }) {
  const random = seeded(seed);
  const neighbours = Array.from({ length: members }, () => new Set());
  let peak = 0;
  for (let round = 0; round < rounds + members; round++) {
    const present = Math.min(members, round + 1); // one more member arrives each round
    for (let me = 0; me < present; me++) {
      const others = present - 1;
      const seek = peersToSeek({ ready: neighbours[me].size, missing: others - neighbours[me].size, target });
      for (let offer = 0; offer < Math.min(seek, MAX_OFFERS_PER_ANNOUNCE); offer++) {
        const peer = Math.floor(random() * present);
        if (peer === me || neighbours[me].has(peer)) continue;
        if (meshFull({ open: neighbours[peer].size, target })) continue; // the peer ignores our offer
        if (meshFull({ open: neighbours[me].size, target })) continue; // their answer finds us full
        neighbours[me].add(peer);
        neighbours[peer].add(me);
        peak = Math.max(peak, neighbours[me].size, neighbours[peer].size);
      }
    }
  }
  return { neighbours, peak };
}

export function reachable(neighbours, from = 0) {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length) for (const next of neighbours[queue.shift()]) if (!seen.has(next)) (seen.add(next), queue.push(next));
  return seen.size;
}

/** The stand-in worker's signature of an acknowledgement: its holder and exactly the records it covers. */
const signature = (holder, records) => new TextEncoder().encode(`${holder} signs ${Buffer.from(records).toString('hex')}`);

/**
 * Every member runs the app's forwarding module over links of the mesh; a
 * member stores a message once (deduplicated by key), acknowledges each copy
 * to whoever gave it (signed, when that is not the sender: the worker is a
 * stand-in that counts signatures and checks), and passes new ones on, as
 * chat.js wires it. A member counts a delivery of its own message only from
 * the holder itself or from a list the holder signed.
 */
export function simulateGroup(neighbours, { offline = new Set() } = {}) {
  const count = neighbours.length;
  const fps = Array.from({ length: count }, (_, n) => fingerprint(n + 1));
  const index = new Map(fps.map((fp, n) => [fp, n]));
  const conv = { members: fps.map((fp) => ({ fingerprint: fp })) };
  const queue = [];
  let frames = 0;
  const work = { signed: 0, verified: 0 };
  const members = fps.map((fp, n) => {
    const member = { fp, stored: new Map(), acked: new Set(), received: 0 };
    const sessions = {
      linkTo: (other) => {
        const peer = index.get(other);
        if (!neighbours[n].has(peer) || offline.has(peer) || offline.has(n)) return null;
        return { send: async (type, data) => void queue.push({ to: peer, from: fp, type, data }) };
      },
    };
    const cryptoClient = {
      signAcks: async (records) => ((work.signed += 1), signature(fp, records)),
      verifyAcks: async (spki, records, sig) => {
        work.verified += 1;
        if (Buffer.compare(Buffer.from(sig), Buffer.from(signature(new TextDecoder().decode(spki), records))) !== 0) throw new Error('bad signature');
      },
    };
    const outbox = {
      acked: async (holder, keys) => keys.filter((key) => key.startsWith(fp)).forEach(() => member.acked.add(holder)),
      awaits: (holder, keys) => keys.some((key) => key.startsWith(fp)) && !member.acked.has(holder),
    };
    const spkiOf = (other) => (index.has(other) ? new TextEncoder().encode(other) : null);
    member.forwarding = createForwarding({ identity: { fingerprint: fp }, sessions, cryptoClient, spkiOf, outbox });
    member.link = sessions.linkTo;
    return member;
  });
  async function deliver({ to, from, type, data }) {
    frames += 1;
    const me = members[to];
    if (type === 'env') {
      const { key, sender } = data;
      me.received += 1;
      for (const frame of await me.forwarding.ackFrames(from, [key])) await me.link(from).send('ack', frame);
      if (me.stored.has(key)) return;
      me.stored.set(key, from);
      me.forwarding.pass({ key, sender, envelope: data, forEveryMember: true, recipients: [], conv }, from);
    } else {
      await me.forwarding.receive(from, null, data);
    }
  }
  return {
    members,
    /** The sender hands its message to each neighbour (the outbox's direct path); everything settles. */
    async send(from, id) {
      const key = `${fps[from]}:${id}`;
      members[from].stored.set(key, null);
      for (const peer of neighbours[from]) await members[from].link(fps[peer])?.send('env', { key, sender: fps[from] });
      while (queue.length) await deliver(queue.shift());
      return key;
    },
    framesSoFar: () => frames,
    /** Signatures made and checked so far, by all members together. */
    work: () => ({ ...work }),
  };
}
