// @ts-check
// The choices of a room (net/room.js), as pure functions of what it holds:
// which of two connections to one peer id stays, which connection being set
// up makes way for a newcomer, whether a session that became ready is taken
// and whom it replaces, how many offers an announce carries, and when the
// room announces next. The room applies them (closing links, arming timers).

import { deviceOf } from './instance.js';
import { meshFull, peersToSeek } from './mesh.js';

/** Sessions one identity may hold in a room at once: the devices of a
 *  person online together, not a crowd of instances of one identity. */
export const MAX_SESSIONS_PER_IDENTITY = 8;
/** In a group's room (it has a mesh target), sessions one identity may
 *  hold: the room's connections are shared among members, so one member's
 *  instances cannot take them all. Two, so a member with a phone and a
 *  laptop online reaches us from both (a small group's room has room for
 *  every member twice: 2 × target). */
export const MESH_SESSIONS_PER_IDENTITY = 2;
export const MAX_OFFERS_PER_ANNOUNCE = 4;
/** Announce at these delays after joining or losing a peer... */
export const WARMUP_MS = [0, 1_000, 3_000, 7_000, 15_000];
/** ...then at growing intervals while someone expected is missing (a peer
 *  that comes online announces itself, and its offers reach us at once, so
 *  an incumbent only needs to stay registered)... */
export const STEADY_MS = [30_000, 60_000, 120_000, 240_000];
/** ...and only this often once everyone is here. */
export const KEEPALIVE_MS = 120_000;
/** Announces are this many times rarer while the page is hidden. */
export const HIDDEN_FACTOR = 3;

/**
 * @typedef {{ state: string, peer: { fingerprint: string, instance?: string } | null }} LinkView  (a peer's instance is known once its handshake finished)
 * @typedef {{ link: LinkView, offererId: string, createdAt: number }} Connection
 */

/** Whether a connection is being set up (neither ready nor closed). @param {Connection} connection */
export const settingUp = (connection) => connection.link.state !== 'ready' && connection.link.state !== 'closed';

/** The authenticated peers of the ready ones of `connections`. @param {readonly Connection[]} connections */
const sessions = (connections) => connections.flatMap((c) => (c.link.state === 'ready' && c.link.peer ? [c.link.peer] : []));

/** The ready ones of `connections` that reach identity `fingerprint`. @template {Connection} C @param {readonly C[]} connections @param {string} fingerprint */
export const readyOf = (connections, fingerprint) => connections.filter((c) => c.link.state === 'ready' && c.link.peer?.fingerprint === fingerprint);

/**
 * How many more peers a room holding `connections` looks for: the `allowed`
 * identities without a ready session, up to the mesh target (null: all).
 * @param {readonly Connection[]} connections @param {readonly string[]} allowed @param {number | null} target
 */
export function peersToFind(connections, allowed, target) {
  const present = new Set(sessions(connections).map((peer) => peer.fingerprint));
  return peersToSeek({ ready: present.size, missing: allowed.filter((fp) => !present.has(fp)).length, target });
}

/** Whether a partial mesh holding `connections` has as many as it may take. @param {readonly Connection[]} connections @param {number | null} target */
export const roomFull = (connections, target) => meshFull({ open: connections.filter((c) => c.link.state !== 'closed').length, target });

/** Sessions one identity may hold in a room whose mesh target is `target` (null: a full mesh). @param {number | null} target */
export const perIdentity = (target) => (target === null ? MAX_SESSIONS_PER_IDENTITY : MESH_SESSIONS_PER_IDENTITY);

/**
 * Whether identity `fingerprint` (null: unknown) holds all the sessions it
 * may among `connections`: its offers are not answered, none go to it.
 * @param {readonly Connection[]} connections @param {string | null} fingerprint @param {number | null} target
 */
export const identityFull = (connections, fingerprint, target) => fingerprint !== null && readyOf(connections, fingerprint).length >= perIdentity(target);

/**
 * Records `key` (with `value`, in a Map) as the newest of what a room
 * remembers, forgetting the oldest beyond `max`.
 * @template K, V @param {Set<K> | Map<K, V>} memory @param {K} key @param {V} value @param {number} max
 */
export function remember(memory, key, value, max) {
  memory.delete(key);
  if (memory instanceof Map) memory.set(key, value);
  else memory.add(key);
  if (memory.size > max) memory.delete(memory.keys().next().value);
}

/**
 * Whether a new candidate connection to a peer id, offered by `offererId`,
 * should replace `existing` (the one the room holds for it, if any): a
 * closed one always, a ready one never; of two being set up, the one whose
 * offerer has the lower peer id (a rule both ends evaluate alike, so
 * duplicates resolve without a glare stall).
 * @template {Connection} C @param {C | null | undefined} existing @param {string} offererId
 */
export function prefers(existing, offererId) {
  if (!existing || existing.link.state === 'closed') return true;
  if (existing.link.state === 'ready') return false;
  return offererId < existing.offererId;
}

/**
 * Of `connections`, the one being set up that makes way first for a
 * newcomer: one whose channel never opened before one already in its
 * handshake, the oldest first; null when none is being set up (sessions
 * never make way). Before the handshake nothing tells a stalled stranger
 * from a contact's slow connection.
 * @template {Connection} C @param {readonly C[]} connections @returns {C | null}
 */
export function evictee(connections) {
  const stalled = (/** @type {C} */ c) => (c.link.state === 'connecting' ? 0 : 1);
  const candidates = connections.filter(settingUp).sort((a, b) => stalled(a) - stalled(b) || a.createdAt - b.createdAt);
  return candidates[0] ?? null;
}

/**
 * A session of an identity became ready on device `device` (its instance's
 * device part) while `others` (its other ready sessions here) exist: a
 * newer load of the same device replaces the old ones (`replaced`); other
 * devices stay, and the session is `refused` when they alone hold all the
 * sessions the identity may have here (`limit`).
 * @template {Connection} C @param {readonly C[]} others @param {string} device @param {number} limit
 * @returns {{ replaced: C[], refused: boolean }}
 */
export function admission(others, device, limit) {
  // `others` are ready: their peers' instances are whole.
  const replaced = others.filter((other) => other.link.peer !== null && deviceOf(/** @type {string} */ (other.link.peer.instance)) === device);
  return { replaced, refused: others.length - replaced.length >= limit };
}

/**
 * Whether an announce after `step` earlier ones tries again to reach whoever
 * is missing (carries offers): through the warm-up, then one steady announce in four.
 * @param {number} step
 */
export const retries = (step) => step <= WARMUP_MS.length || step % 4 === 0;

/**
 * Offers for an announce through a tracker while `missing` peers are
 * missing, the tracker counting `swarmOthers` other members: one per
 * missing peer in a partial mesh; in a full mesh one per member of the
 * swarm (each offer goes to a random one); capped.
 * @param {{ missing: number, partialMesh: boolean, swarmOthers: number }} counts
 */
export const offersPerAnnounce = ({ missing, partialMesh, swarmOthers }) =>
  Math.min(partialMesh ? missing : Math.max(missing, swarmOthers), MAX_OFFERS_PER_ANNOUNCE);

/**
 * How long until the next announce (before jitter), after `step` of them:
 * the warm-up's delays, then growing steady ones while someone is missing,
 * the keepalive once nobody is; rarer while the page is `hidden`.
 * @param {{ step: number, wantsPeers: boolean, hidden: boolean }} now
 */
export function announceDelay({ step, wantsPeers, hidden }) {
  const factor = hidden ? HIDDEN_FACTOR : 1;
  if (!wantsPeers) return KEEPALIVE_MS * factor;
  if (step < WARMUP_MS.length) return WARMUP_MS[step];
  return STEADY_MS[Math.min(step - WARMUP_MS.length, STEADY_MS.length - 1)] * factor;
}
