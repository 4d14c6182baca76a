// @ts-check
// Passing group messages on (DESIGN.md §8). In a large group each member is
// directly connected to a few others (net/room.js, a partial mesh), so a
// message reaches most members through others: whoever stores a new group
// message hands it to its other neighbours in that group — never back to
// whoever gave it, nor to its sender — and each copy is deduplicated by
// (sender, id) where it arrives. Forwarders learn nothing: the envelope is
// sealed under the sender's group key, or RSA-wrapped to named members (a
// sender key's hand-over), and goes only to those.
//
// Acknowledgements ('ack' frames) go back the way the message came, hop by
// hop, so the sender sees every member's delivery without a connection to
// each, and does not leave the message in the mailbox of members who already
// have it. A member's word about itself, over its own session or through its
// mailbox, counts as it is. Its word passed on by others counts only with
// its own signature: a member acknowledging messages to anyone but their
// sender signs the list once (worker/src/ack.rs: one RSA signature for up to
// MAX_ACK_KEYS keys, reused for every copy it acknowledges later), and every
// member passes that list on unchanged. A member checks a passed-on list
// before it counts it or passes it further, so a forged one dies at the
// first honest member and cannot crowd out the genuine one; a member who
// lies about another's delivery achieves nothing.

import { fromBase64, fromHex, fromUtf8, toBase64, utf8 } from '../core/encoding.js';
import { isMessageKey, keySender } from './keys.js';

/** Message keys whose way back we remember (and acknowledgements passed back), at most; oldest forgotten first. */
export const MAX_ROUTES = 4096;
/** Keys in one 'ack' frame, at most: what one signature covers (worker/src/ack.rs MAX_KEYS), and ~50 KiB of JSON, within the frame's limit (net/protocol.js). */
export const MAX_ACK_KEYS = 500;
/** Longest signature accepted in an 'ack' frame (base64 of a 4096-bit RSA signature is 684 characters). */
const MAX_SIGNATURE = 1024;
const FINGERPRINT = /^[0-9a-f]{64}$/;

/** The bytes a signed acknowledgement covers (worker/src/ack.rs): each key's sender fingerprint and message id, 48 bytes a key. */
export function ackRecords(/** @type {string[]} */ keys) {
  const records = new Uint8Array(keys.length * 48);
  keys.forEach((key, n) => records.set(fromHex(key.replace(':', '')), n * 48));
  return records;
}

function chunks(/** @type {string[]} */ keys) {
  const out = [];
  for (let i = 0; i < keys.length; i += MAX_ACK_KEYS) out.push(keys.slice(i, i + MAX_ACK_KEYS));
  return out;
}

/**
 * @typedef {{ keys: string[], by: string, sig: string }} Statement  a member's signed word that it stored `keys`
 *
 * deps: identity, sessions (net/sessions.js), cryptoClient (signAcks,
 * verifyAcks: the worker), spkiOf(fingerprint) → the public key of a member
 * of one of our conversations (null: nobody we know), outbox
 * (chat/outbox.js: acked, awaits).
 * @param {{
 *   identity: import('../core/crypto-client.js').PublicSession,
 *   sessions: import('./chat.js').Sessions,
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   spkiOf: (fingerprint: string) => Uint8Array | null,
 *   outbox: import('./outbox.js').Outbox,
 * }} deps
 */
export function createForwarding({ identity, sessions, cryptoClient, spkiOf, outbox }) {
  /** @type {Map<string, string>} message key -> the member it came from (its sender, or a forwarder) */
  const cameFrom = new Map();
  /** @type {Set<string>} "key holder" passed back already (each member acknowledges every copy it gets) */
  const passedBack = new Set();
  /** @type {Map<string, Statement>} message key -> our signed list that names it, reused for every later copy */
  const signed = new Map();

  function bounded(/** @type {Map<string, unknown> | Set<string>} */ collection) {
    while (collection.size > MAX_ROUTES) collection.delete(collection.keys().next().value ?? '');
  }
  function remember(/** @type {string} */ key, /** @type {string} */ from) {
    cameFrom.delete(key);
    cameFrom.set(key, from);
    bounded(cameFrom);
  }

  /**
   * The members `holder`'s acknowledgement of `keys`, heard from `neighbour`, should go back to:
   * for each key, who gave us that message (once per holder and key; `take` marks them passed back).
   */
  function routesBack(/** @type {string[]} */ keys, /** @type {string} */ holder, /** @type {string} */ neighbour, { take = false } = {}) {
    /** @type {Set<string>} */
    const towards = new Set();
    for (const key of keys) {
      if (keySender(key) === identity.fingerprint) continue;
      const back = cameFrom.get(key);
      const route = `${key} ${holder}`;
      if (!back || back === neighbour || back === holder || passedBack.has(route)) continue;
      if (take) {
        passedBack.add(route);
        bounded(passedBack);
      }
      towards.add(back);
    }
    return towards;
  }

  /** Passes a signed list on, unchanged, toward the senders of its messages. */
  function passBack(/** @type {Statement} */ statement, /** @type {string} */ neighbour) {
    const towards = routesBack(statement.keys, statement.by, neighbour, { take: true });
    if (!towards.size) return;
    const frame = utf8(JSON.stringify(statement));
    for (const fingerprint of towards) {
      sessions
        .linkTo(fingerprint)
        ?.send('ack', frame)
        .catch(() => {}); // that session dropped: the sender leaves the message in the mailbox
    }
  }

  return {
    /**
     * A group message we just stored, from `from`: to our other neighbours
     * in its group who may read it.
     */
    pass(
      /** @type {{key: string, sender: string, envelope: Uint8Array, forEveryMember: boolean, recipients: string[], conv: {members: Array<{fingerprint: string}>}}} */ message,
      /** @type {string} */ from,
    ) {
      remember(message.key, from);
      // A group message is for every member; a key's hand-over only for those it names.
      const mayRead = (/** @type {string} */ fp) => message.forEveryMember || message.recipients.includes(fp);
      for (const { fingerprint } of message.conv.members) {
        if (fingerprint === from || fingerprint === message.sender || fingerprint === identity.fingerprint || !mayRead(fingerprint)) continue;
        sessions
          .linkTo(fingerprint)
          ?.send('env', message.envelope)
          .catch(() => {}); // that session dropped: the backlog sync catches up
      }
    },

    /**
     * The 'ack' frames telling `to` that we stored `keys`. To a message's
     * own sender our word needs no signature (the session or the mailbox
     * seal says it is ours); to anyone else it will be passed on, so it is
     * a list we signed — one signature per new list, reused for later copies.
     */
    async ackFrames(/** @type {string} */ to, /** @type {string[]} */ keys) {
      if (keys.every((key) => keySender(key) === to)) return chunks(keys).map((list) => utf8(JSON.stringify({ keys: list })));
      /** @type {Set<Statement>} */
      const statements = new Set();
      const fresh = [];
      for (const key of keys) {
        const statement = signed.get(key);
        if (statement) statements.add(statement);
        else fresh.push(key);
      }
      for (const list of chunks(fresh)) {
        const sig = toBase64(await cryptoClient.signAcks(ackRecords(list)));
        const statement = { keys: list, by: identity.fingerprint, sig };
        for (const key of list) signed.set(key, statement);
        bounded(signed);
        statements.add(statement);
      }
      return [...statements].map((statement) => utf8(JSON.stringify(statement)));
    },

    /**
     * An 'ack' frame from `fingerprint` (over its session, or through its
     * mailbox): the keys it stored, or — with `by` and `sig` — a list the
     * member `by` signed, passed on. Counted for our own messages and
     * passed on toward the senders of others'.
     */
    async receive(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      let body;
      try {
        body = JSON.parse(fromUtf8(data));
      } catch {
        return;
      }
      if (!Array.isArray(body?.keys) || body.keys.length > MAX_ACK_KEYS || !body.keys.every(isMessageKey)) return;
      /** @type {string[]} */
      const keys = body.keys;
      const holder = body.by === undefined ? fingerprint : body.by;
      if (typeof holder !== 'string' || !FINGERPRINT.test(holder) || holder === identity.fingerprint) return;
      const sig = typeof body.sig === 'string' && body.sig.length <= MAX_SIGNATURE ? body.sig : null;
      if (holder !== fingerprint) {
        // Someone else's word: only its own signature makes it count, and
        // it is checked only when it would change something here.
        if (sig === null || (!outbox.awaits(holder, keys) && !routesBack(keys, holder, fingerprint).size)) return;
        const spki = spkiOf(holder);
        if (!spki) return;
        try {
          await cryptoClient.verifyAcks(spki, ackRecords(keys), fromBase64(sig));
        } catch {
          return; // forged, or not this member's: dropped here, never passed on
        }
      }
      // A list signed by the member who sent it needs no check here: only its own delivery is at stake.
      if (sig !== null) passBack({ keys, by: holder, sig }, fingerprint);
      await outbox.acked(holder, keys);
    },
  };
}
