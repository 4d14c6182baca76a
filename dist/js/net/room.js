// @ts-check
// A room: the peers that share one topic. Strategies (trackers, Nostr
// relays) carry sealed offers and answers here; the room turns them into
// WebRTC connections, runs the handshake on each and keeps one session per
// peer instance.
//
// Duplicate connections between the same two instances (both offered at
// once, or one offer arrived over two trackers) are resolved without any
// glare stall: of two candidates the one whose *offerer* has the lower peer
// id wins, a rule both sides evaluate identically. An incumbent answers
// newcomers' offers at once, whatever the ids, so nobody waits for the next
// announce interval.
//
// A large group's room is a partial mesh: with `meshTarget()` set and more
// allowed peers than it, we look for that many peers and stop offering once
// we have them, and we take offers until twice as many connections (so a
// late joiner always finds members with room for it); members reach the
// rest through each other (chat/forwarding.js). Otherwise (a contact's room,
// a small group) it is a full mesh: every allowed peer is sought.
//
// Each offer sent through a tracker goes to a random member of the swarm,
// and in a full mesh some members cannot be the peer we miss (one we are
// connected to already, another device of ours): while a peer is missing, an
// announce carries an offer for every other member the tracker last counted
// (up to MAX_OFFERS_PER_ANNOUNCE), so a contact's new device finds the contact
// at the first announce instead of by luck. Offers from a peer id we know (from
// a session in any room) as an identity this room does not allow are not
// answered: the handshake would refuse it (our own devices meet in the
// contact's room too). Over Nostr, where offers are addressed, a full mesh's
// room offers to every announcer it is not connected to, so a newcomer does
// not wait for the incumbents' next keepalive.
//
// Candidates trickle: an offer or answer carries the candidates gathered in
// its first burst, and later ones go as sealed `candidates` messages over the
// strategy that carried the offer or answer (`reply`), tagged with the offer
// id. The offerer learns who answered only from the answer, so its own later
// candidates wait for it, and candidates that overtake the answer wait in the
// offer until the answer from the same peer id arrives.

import { acceptAnswer, acceptOffer, createOffer, remoteCandidates } from './peer.js';
import { createLink } from './link.js';
import { isPartialMesh } from './mesh.js';
import { deviceOf } from './instance.js';
import { fromBase64, fromUtf8, randomBytes, toBase64, toHex, utf8 } from '../core/encoding.js';
import { MAX_CANDIDATES_PER_MESSAGE, SIGNAL_MAX_AGE_MS, signalKind, trickleBatches } from './room-signals.js';
import { connected, incoming, newTrickle, outgoing } from './room-trickle.js';
import {
  admission,
  announceDelay,
  evictee,
  identityFull,
  MAX_OFFERS_PER_ANNOUNCE,
  MAX_SESSIONS_PER_IDENTITY,
  MESH_SESSIONS_PER_IDENTITY,
  offersPerAnnounce,
  peersToFind,
  perIdentity,
  prefers,
  readyOf,
  remember,
  retries,
  roomFull,
  settingUp,
} from './room-policy.js';

// Reading signals (net/room-signals.js) and the room's choices (net/room-policy.js) are pure modules; their limits stay part of the room's API.
export { MAX_CANDIDATES_PER_MESSAGE, MAX_OFFERS_PER_ANNOUNCE, MAX_SESSIONS_PER_IDENTITY, MESH_SESSIONS_PER_IDENTITY, SIGNAL_MAX_AGE_MS };

/**
 * @typedef {import('../core/crypto-client.js').CryptoClient} CryptoClient
 * @typedef {import('../core/crypto-client.js').AuthenticatedPeer} AuthenticatedPeer
 * @typedef {import('./link.js').Link} Link
 * @typedef {import('./link.js').Role} Role
 * @typedef {import('./room-trickle.js').Trickle} Trickle
 * @typedef {import('./room-trickle.js').Candidate} Candidate
 * @typedef {{ reason: string, fingerprint: string | null, via: string, at: number, message: string }} FailedAttempt  someone was refused
 * @typedef {AuthenticatedPeer & { peerId: string, via: string, link: Link }} RoomSession
 * @typedef {{
 *   announce: (room: Room, options: { keepalive: boolean, retry: boolean }) => void,
 *   onSession?: (session: RoomSession) => void,
 *   onSessionEnd?: (ended: { fingerprint: string, link: Link, peerId: string, reason: string }) => void,
 *   onMessage?: (fingerprint: string, link: Link, type: string, data: Uint8Array) => unknown,
 *   onFailedAttempt?: (attempt: FailedAttempt) => void,
 *   onChange?: () => void,
 * }} RoomHandlers
 * @typedef {{
 *   cryptoClient: CryptoClient, roomId: number, announceId: string, self: { peerId: string, instance: Uint8Array },
 *   allowed: () => string[], iceServers: () => RTCIceServer[], limitFor: (type: string) => number | undefined,
 *   meshTarget?: () => number | null, identityOf?: (peerId: string) => string | null, handlers: RoomHandlers,
 *   timing?: import('../core/timing.js').Timing,
 * }} RoomOptions
 * @typedef {{ peerId: string, role: Role, offererId: string, via: string, createdAt: number, reported: boolean, link: Link }} Connection
 * @typedef {{ pc: RTCPeerConnection, channel: Promise<RTCDataChannel>, bulk: RTCDataChannel, timer: number, trickle: Trickle }} PendingOffer  one of our offers, unanswered
 * @typedef {{ from: string, payload: string, via: string, reply: (payload: string) => void }} Delivered  a sealed signal a strategy carried, and the way back
 * @typedef {ReturnType<typeof createRoom>} Room
 */

export const OFFER_TTL_MS = 30_000;
export const MAX_PENDING_OFFERS = 16;
/** Connections of a room still being set up (offered to us, or answered by
 *  us) at once: whoever knows the room cannot make us hold more. A newcomer
 *  beyond it takes the place of the oldest one still being set up (one whose
 *  channel never even opened first), so connections left to stall cannot
 *  lock the real peer out. */
export const MAX_CONNECTING = 8;
/** Offer ids answered lately, refused if seen again within SIGNAL_MAX_AGE_MS. */
const SEEN_OFFERS = 1024;
/** Offers whose candidates we still trickle or take (each a connection being set up). */
const MAX_TRICKLES = MAX_PENDING_OFFERS + MAX_CONNECTING;

/** @param {number} ms */
function jitter(ms) {
  return ms === 0 ? 0 : Math.round(ms * (0.8 + Math.random() * 0.4));
}

/** A signal sealed for room `roomId`, as a strategy carries it. @param {CryptoClient} cryptoClient @param {number} roomId @param {object} message */
async function sealSignal(cryptoClient, roomId, message) {
  return toBase64(await cryptoClient.roomSeal(roomId, utf8(JSON.stringify(message))));
}

/**
 * An opened signal, or null when it is not for this room or was tampered with (ignored quietly).
 * @param {CryptoClient} cryptoClient @param {number} roomId @param {string} payload
 * @returns {Promise<any>}  parsed JSON: signalKind checks it before anything reads it
 */
async function openSignal(cryptoClient, roomId, payload) {
  try {
    return JSON.parse(fromUtf8(await cryptoClient.roomOpen(roomId, fromBase64(payload))));
  } catch {
    return null;
  }
}

/** Whether a peer's answer applies to our connection `pc` (WebRTC refuses a malformed one). */
const answerApplies = (/** @type {RTCPeerConnection} */ pc, /** @type {string} */ sdp) =>
  acceptAnswer(pc, sdp).then(
    () => true,
    () => false,
  );

/**
 * options: cryptoClient, roomId + announceId (from the worker), self {peerId,
 * instance}, allowed() -> fingerprints that may join, iceServers(), limitFor,
 * meshTarget() -> how many peers to seek (null: all allowed ones),
 * identityOf(peerId) -> the fingerprint a peer id authenticated as in any
 * room (null: unknown), handlers:
 *   announce(room, {keepalive, retry})      time to announce on every strategy (keepalive: nobody missing;
 *                                           retry: a steady announce that should try again, one in four)
 *   onSession({fingerprint, link, via, …})  a session authenticated (and replaced any older one of that identity here)
 *   onSessionEnd({fingerprint, link, reason}) a ready session ended
 *   onMessage(fingerprint, link, type, data) a message on a ready session
 *   onFailedAttempt({reason, fingerprint, via, at, message}) someone was refused
 *   onChange()                              anything shown about the room changed
 * @param {RoomOptions} options
 */
export function createRoom(options) {
  const { cryptoClient, roomId, announceId, self, allowed, iceServers, handlers, limitFor, timing } = options;
  /** What every link of this room is made with. */
  const linkOptions = { cryptoClient, roomId, instance: self.instance, allowed, limitFor, timing };
  /** @type {Map<string, Connection>} remote peer id -> connection */
  const connections = new Map();
  /** @type {Map<string, PendingOffer>} offer id -> our offer */
  const pending = new Map();
  /** @type {Set<string>} offer ids (with sender) answered lately, oldest first */
  const answered = new Set();
  /** @type {Map<string, Trickle>} our offer id, or "<peer id> <offer id>" of an offer we answer -> trickle */
  const trickles = new Map();
  /** @type {Map<string, string>} peer id -> the identity it authenticated as, refused here for having all its sessions */
  const surplus = new Map();
  let step = 0;
  /** @type {number | undefined} */
  let timer;
  let left = false;

  const seal = (/** @type {object} */ message) => sealSignal(cryptoClient, roomId, message);
  const open = (/** @type {string} */ payload) => openSignal(cryptoClient, roomId, payload);

  /** What an opened signal from `from` is (net/room-signals.js), or null to ignore it. */
  const kindOf = (/** @type {unknown} */ message, /** @type {string} */ from) => signalKind(message, from, self.peerId, Date.now());
  const all = () => [...connections.values()];
  const connecting = () => all().filter(settingUp).length;
  const meshTarget = () => options.meshTarget?.() ?? null;
  /** How many more peers to look for: the allowed ones missing, up to the mesh target. */
  const missingPeers = () => peersToFind(all(), allowed(), meshTarget());
  const wantsPeers = () => missingPeers() > 0;
  const partialMesh = () => isPartialMesh({ allowed: allowed().length, target: meshTarget() });
  /** Whether `peerId` is known (from a session elsewhere) as someone this room does not allow. */
  function notAllowedHere(/** @type {string} */ peerId) {
    const fingerprint = options.identityOf?.(peerId) ?? null;
    return fingerprint !== null && !allowed().includes(fingerprint);
  }
  /** Whether a partial mesh holds as many connections as it may take. */
  const full = () => roomFull(all(), meshTarget());
  /** Whether `peerId` is known (from a session) as an identity holding all the sessions it may here: its offers are not answered. */
  const atCapacity = (/** @type {string} */ peerId) => identityFull(all(), surplus.get(peerId) ?? options.identityOf?.(peerId) ?? null, meshTarget());
  /**
   * Room for one more connection: none when sessions fill the room; else,
   * while too many are being set up (or they fill a partial mesh), one of
   * those makes way (net/room-policy.js evictee).
   */
  function makeRoom() {
    while (connecting() >= MAX_CONNECTING || full()) {
      const evicted = evictee(all());
      if (!evicted) return false;
      evicted.link.close('evicted');
    }
    return true;
  }
  /** Whether a connection to peer id `from`, offered by `offererId`, may be set up: it wins over the one held for `from` (net/room-policy.js prefers), and there is room for it. */
  const mayConnect = (/** @type {string} */ from, /** @type {string} */ offererId) =>
    prefers(connections.get(from), offererId) && (connections.has(from) || makeRoom());
  /** A connection that will not be set up: its candidates are no longer trickled. */
  function abandon(/** @type {Trickle} */ trickle, /** @type {RTCPeerConnection} */ pc) {
    endTrickle(trickle);
    pc.close();
  }

  /**
   * The candidates of one connection being set up, both ways (net/room-trickle.js).
   * `remote` is the other end's peer id (the offerer knows it once answered).
   */
  function openTrickle(/** @type {string} */ offerId, /** @type {string | null} */ remote = null) {
    while (trickles.size >= MAX_TRICKLES) endTrickle(trickles.values().next().value);
    const trickle = newTrickle(offerId, remote);
    trickle.timer = setTimeout(() => endTrickle(trickle), OFFER_TTL_MS);
    trickles.set(trickle.key, trickle);
    return trickle;
  }

  function endTrickle(/** @type {Trickle | undefined} */ trickle) {
    if (!trickle) return;
    clearTimeout(trickle.timer);
    if (trickles.get(trickle.key) === trickle) trickles.delete(trickle.key);
  }

  /** A local candidate found after the offer or answer went out. */
  function trickleOut(/** @type {Trickle} */ trickle, /** @type {Candidate} */ candidate) {
    if (trickles.get(trickle.key) === trickle) sendCandidates(trickle, outgoing(trickle, candidate));
  }

  function sendCandidates(/** @type {Trickle} */ trickle, /** @type {Candidate[]} */ candidates) {
    for (const batch of trickleBatches(candidates)) {
      seal({ kind: 'candidates', from: self.peerId, to: trickle.remote, offerId: trickle.offerId, candidates: batch, at: Date.now() })
        .then((payload) => trickle.reply?.(payload))
        .catch(() => {}); // a dead tracker or relay: the host candidates already went
    }
  }

  /** The other end is known and, through `reply(payload)` (the strategy that carried the answer), reachable: send what waited. */
  /** @param {Trickle} trickle @param {string} remote @param {RTCPeerConnection} pc @param {(payload: string) => void} reply */
  function trickleReady(trickle, remote, pc, reply) {
    const { send, apply } = connected(trickle, remote, reply);
    trickle.inbound = remoteCandidates(pc);
    trickle.inbound.flush();
    for (const candidates of apply) trickle.inbound.add(candidates);
    sendCandidates(trickle, send);
  }

  /** A peer's later candidates for one of our connections being set up. */
  function takeCandidates(/** @type {{ offerId: string, candidates: Candidate[] }} */ message, /** @type {string} */ from) {
    const trickle = trickles.get(`${from} ${message.offerId}`) ?? trickles.get(message.offerId);
    const candidates = trickle ? incoming(trickle, from, message.candidates) : null;
    // An offer we answer takes candidates once our answer is made: any that come before are dropped.
    if (trickle && candidates) trickle.inbound?.add(candidates);
  }

  /**
   * @param {{ peerId: string, role: Role, offererId: string, pc: RTCPeerConnection, channel: Promise<RTCDataChannel>, bulk: RTCDataChannel,
   *   via: string, trickle: Trickle }} setup
   */
  function track({ peerId, role, offererId, pc, channel, bulk, via, trickle }) {
    const previous = connections.get(peerId);
    // Its link is made below, before any of the link's handlers can run.
    const connection = /** @type {Connection} */ ({ peerId, role, offererId, via, createdAt: Date.now(), reported: false });
    /** A ready link's peer (messages flow, and sessions end, only once it is). */
    const readyPeer = () => /** @type {AuthenticatedPeer} */ (connection.link.peer);
    /** @type {import('./link.js').LinkHandlers} */
    const linkHandlers = {
      onReady(peer) {
        endTrickle(trickle);
        if (!peer.instance.startsWith(peerId)) {
          // The signalled peer id must be the one the peer authenticated.
          connection.link.close('instance-mismatch');
          return;
        }
        // A newer instance of the same identity on the same device (a
        // reload) replaces the old one; another device of it stays, while
        // the identity has fewer sessions here than it may.
        const others = readyOf(all(), peer.fingerprint).filter((other) => other !== connection);
        const { replaced, refused } = admission(others, deviceOf(peer.instance), perIdentity(meshTarget()));
        if (refused) {
          remember(surplus, peerId, peer.fingerprint, SEEN_OFFERS);
          connection.link.close('too-many-sessions');
          return;
        }
        for (const other of replaced) other.link.close('replaced');
        connection.reported = true;
        handlers.onSession?.({ ...peer, peerId, via, link: connection.link });
        handlers.onChange?.();
        schedule();
      },
      onMessage: (type, data) => handlers.onMessage?.(readyPeer().fingerprint, connection.link, type, data),
      onRejected(error) {
        // The worker names a refused identity in the error itself.
        handlers.onFailedAttempt?.({ reason: error.code ?? 'rejected', fingerprint: error.fingerprint ?? null, via, at: Date.now(), message: error.message });
      },
      onClose(reason, wasReady) {
        endTrickle(trickle);
        if (connections.get(peerId) === connection) connections.delete(peerId);
        // A session refused as it became ready was never reported: its end is nobody's news.
        const ended = wasReady && connection.reported;
        if (ended) handlers.onSessionEnd?.({ fingerprint: readyPeer().fingerprint, link: connection.link, peerId, reason });
        handlers.onChange?.();
        if (!left && ended) restartWarmup();
      },
    };
    connection.link = createLink({ ...linkOptions, pc, channel, bulk, role, handlers: linkHandlers });
    connections.set(peerId, connection);
    if (previous && previous.link.state !== 'closed') previous.link.close('superseded');
    handlers.onChange?.();
    return connection;
  }

  const room = {
    roomId,
    announceId,
    /** 20 characters: what WebTorrent trackers call the info_hash. */
    infoHash: announceId.slice(0, 20),
    peerId: self.peerId,
    wantsPeers,

    /** How many offers an announce through a tracker should carry, given
     *  how many other members the tracker last counted in the swarm: during
     *  warm-up and every fourth steady announce, one per missing peer — in a
     *  full mesh one per member of the swarm, since each offer goes to a
     *  random one — capped; none in between (each offer is a live
     *  RTCPeerConnection). */
    /** @param {number} [swarmOthers] */
    offerCount(swarmOthers = 0) {
      if (!retries(step)) return 0;
      const missing = missingPeers();
      return missing === 0 ? 0 : offersPerAnnounce({ missing, partialMesh: partialMesh(), swarmOthers });
    },

    /** A fresh connection and its sealed offer, addressed to `to` if known. */
    /** @param {{ to?: string | null }} [address] */
    async makeOffer({ to = null } = {}) {
      const offerId = toHex(randomBytes(10));
      const trickle = openTrickle(offerId);
      let created;
      try {
        created = await createOffer(iceServers(), (candidate) => trickleOut(trickle, candidate));
      } catch (error) {
        endTrickle(trickle);
        throw error;
      }
      const { pc, channel, bulk, sdp } = created;
      if (left) {
        abandon(trickle, pc);
        throw new Error('room: left');
      }
      while (pending.size >= MAX_PENDING_OFFERS) dropPending(.../** @type {[string, PendingOffer]} */ (pending.entries().next().value));
      const timer = setTimeout(() => dropPending(offerId, pending.get(offerId)), OFFER_TTL_MS);
      pending.set(offerId, { pc, channel, bulk, timer, trickle });
      return { offerId, payload: await seal({ kind: 'offer', from: self.peerId, to, offerId, sdp, at: Date.now() }) };
    },

    /** Closes offers nobody received (the tracker reported an empty swarm):
     *  each is a live RTCPeerConnection. */
    /** @param {string[]} offerIds */
    dropOffers(offerIds) {
      for (const offerId of offerIds) dropPending(offerId, pending.get(offerId));
    },

    /** Answers a peer's offer; resolves to the sealed answer, or null to
     *  ignore. `reply(payload)` sends later sealed messages (trickled
     *  candidates) to `from` over the same strategy. */
    /** @param {Delivered} offer @returns {Promise<string | null>} */
    async handleOffer({ from, payload, via, reply }) {
      if (left || from === self.peerId) return null;
      const message = await open(payload);
      if (kindOf(message, from) !== 'offer') return null;
      const seen = `${from} ${message.offerId}`;
      if (answered.has(seen)) return null; // replayed
      if (notAllowedHere(from) || atCapacity(from)) return null;
      if (!mayConnect(from, from)) return null;
      remember(answered, seen, null, SEEN_OFFERS);
      const trickle = openTrickle(message.offerId, from);
      let accepted;
      try {
        accepted = await acceptOffer(message.sdp, iceServers(), (candidate) => trickleOut(trickle, candidate));
      } catch (error) {
        endTrickle(trickle);
        throw error;
      }
      const { pc, channel, bulk, sdp } = accepted;
      // Checked again after the wait: another offer may have taken the room meanwhile.
      if (left || !mayConnect(from, from)) {
        abandon(trickle, pc);
        return null;
      }
      trickleReady(trickle, from, pc, reply);
      track({ peerId: from, role: 'answerer', offererId: from, pc, channel, bulk, via, trickle });
      return seal({ kind: 'answer', from: self.peerId, to: from, offerId: message.offerId, sdp, at: Date.now() });
    },

    /** Completes one of our offers with a peer's answer, or takes a peer's
     *  trickled candidates (both come back the way answers do). `reply` as
     *  for handleOffer. */
    /** @param {Delivered} answer */
    async handleAnswer({ from, payload, via, reply }) {
      const message = await open(payload);
      const kind = kindOf(message, from);
      if (kind === 'candidates' && !left) takeCandidates(message, from);
      if (kind !== 'answer') return;
      const offer = pending.get(message.offerId);
      if (!offer || left) return;
      pending.delete(message.offerId);
      clearTimeout(offer.timer);
      // An identity that holds all its sessions here gets no new one.
      const refused = !connections.has(from) && atCapacity(from);
      const applied = !refused && mayConnect(from, self.peerId) && (await answerApplies(offer.pc, message.sdp));
      // Checked again after the wait: another answer or offer may have taken the room meanwhile.
      if (!applied || left || !mayConnect(from, self.peerId)) {
        abandon(offer.trickle, offer.pc);
        return;
      }
      trickleReady(offer.trickle, from, offer.pc, reply);
      track({ peerId: from, role: 'offerer', offererId: self.peerId, pc: offer.pc, channel: offer.channel, bulk: offer.bulk, via, trickle: offer.trickle });
    },

    /** A peer's trickled candidates that came on their own (Nostr). */
    /** @param {{ from: string, payload: string }} signal */
    async handleCandidates({ from, payload }) {
      const message = await open(payload);
      if (kindOf(message, from) === 'candidates' && !left) takeCandidates(message, from);
    },

    /** Whether an announce from `peerId` (Nostr) should get an offer from
     *  us: in a full mesh, from anyone we are not connected to (a new device
     *  of someone present, a reload); in a partial mesh, only while we seek. */
    /** @param {string} peerId */
    shouldOfferTo(peerId) {
      if (left || peerId === self.peerId || notAllowedHere(peerId) || atCapacity(peerId)) return false;
      if (partialMesh() && !wantsPeers()) return false;
      const existing = connections.get(peerId);
      return !existing || existing.link.state === 'closed';
    },

    seal,
    open,

    /** Authenticated peers: [{fingerprint, spki, instance, sessionId, peerId, link}]. @returns {RoomSession[]} */
    peers() {
      return [...connections.values()]
        .filter((c) => c.link.state === 'ready')
        .map((c) => ({ .../** @type {AuthenticatedPeer} */ (c.link.peer), peerId: c.peerId, via: c.via, link: c.link }));
    },

    /** Connections in any state, for status displays. */
    connections() {
      return [...connections.values()].map((c) => ({ peerId: c.peerId, role: c.role, via: c.via, state: c.link.state }));
    },

    /** Announce again soon (network came back, page woke up, peer left). */
    restartWarmup,

    leave() {
      left = true;
      clearTimeout(timer);
      for (const connection of connections.values()) connection.link.close('left');
      for (const [offerId, offer] of [...pending]) dropPending(offerId, offer);
      for (const trickle of [...trickles.values()]) endTrickle(trickle);
      cryptoClient.release(roomId);
    },
  };

  function dropPending(/** @type {string} */ offerId, /** @type {PendingOffer | undefined} */ offer) {
    if (!offer) return;
    clearTimeout(offer.timer);
    abandon(offer.trickle, offer.pc);
    pending.delete(offerId);
  }

  function schedule() {
    clearTimeout(timer);
    if (left) return;
    const delay = announceDelay({ step, wantsPeers: wantsPeers(), hidden: typeof document !== 'undefined' && document.hidden });
    timer = setTimeout(() => {
      step += 1;
      // With everyone here, an announce only keeps the room known (net/signal/*.js decide how often);
      // past the warm-up, one steady announce in four tries again (the ones that carry offers).
      handlers.announce(room, { keepalive: !wantsPeers(), retry: retries(step) });
      schedule();
    }, jitter(delay));
  }

  function restartWarmup() {
    step = 0;
    schedule();
  }

  restartWarmup();
  return room;
}
