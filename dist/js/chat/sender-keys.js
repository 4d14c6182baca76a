// @ts-check
// Per-sender group keys (DESIGN.md §8). In a group, each of our devices seals
// its messages under a key of its own (worker/src/envelope/group.rs): one
// AES pass and one signature per message, whatever the number of members.
// The key reaches the members inside a 'group-key' message, an ordinary
// envelope wrapped with RSA for each of them — the only per-member cost, paid
// once per membership. Whenever the membership changes we make a new key for
// the members of the moment, so someone removed never holds the key of a
// message sent after we learnt of the removal.
//
// A member who lacks a key (a new device, a key message lost to an expired
// mailbox) asks its owner with a 'group-key-request'; the owner answers with
// the key only if the asker was a member when that key was made.
//
// A group whose member list is not confirmed yet (restored on this device
// from the roaming profile, which a relay may serve in an old version:
// chat/groups.js) is *held*: no key of ours is made or given there, so a
// member removed since the old version never gets one.

import { decode as fromBase64url, encode as toBase64url, fromHex, toHex } from '../core/encoding.js';

const KEYS_KEY = 'sender-keys';
/** Keys kept per sender and group (older ones have opened what they had to). */
export const KEYS_KEPT = 16;

/**
 * @typedef {{ keyId: string, key: string, members: string[], at: number }} OwnKey  key: base64url
 * @typedef {{ keyId: Uint8Array, key: Uint8Array }} KeyBytes
 * @typedef {ReturnType<typeof createSenderKeys>} SenderKeys
 */

/** Why nothing can be sent in a held group, and what to do. */
export const HELD_MESSAGE =
  'this device restored the group from your profile and is still checking its member list with the group (its creator, or most members, online with you); send again once one of them has been online';

/** The member set a key was made for, as one comparable string. */
const memberSet = (/** @type {string[]} */ fingerprints) => [...fingerprints].sort().join(',');

/**
 * deps: cryptoClient (random bytes), store (sealed records), identity.
 * @param {{
 *   cryptoClient: { randomBytes: (length: number) => Promise<Uint8Array> },
 *   store: import('../core/store.js').Store,
 *   identity: { fingerprint: string },
 * }} deps
 */
export function createSenderKeys({ cryptoClient, store, identity }) {
  /** @type {Map<string, OwnKey[]>} conversation id -> our keys there, newest last */
  const own = new Map();
  /** @type {Map<string, Map<string, string>>} "conversation sender" -> key id -> key (base64url) */
  const theirs = new Map();
  /** @type {Set<string>} "conversation sender keyId" asked for in this session (asked once) */
  const asked = new Set();
  /** @type {Set<string>} "conversation asker keyId" given again in this session (given once) */
  const given = new Set();
  /** @type {Array<(conversationId: string, sender: string, keyId: string) => void>} */
  const learnListeners = [];
  /** @type {Set<string>} conversations whose member list is not confirmed: no key of ours is made or given there */
  const held = new Set();

  const save = () =>
    store.put(KEYS_KEY, {
      own: [...own],
      theirs: [...theirs].map(([where, keys]) => [where, [...keys]]),
    });

  const bytesOf = (/** @type {string} */ keyId, /** @type {string} */ key) => ({ keyId: fromHex(keyId), key: fromBase64url(key) });
  const ownKey = (/** @type {string} */ conversationId, /** @type {string} */ keyId) => own.get(conversationId)?.find((k) => k.keyId === keyId);
  /** The content of the message that hands a key of ours over. */
  const keyMessage = (/** @type {OwnKey} */ entry) => ({ t: 'group-key', keyId: entry.keyId, key: entry.key });

  return {
    async load() {
      const saved = await store.get(KEYS_KEY);
      for (const [conv, keys] of saved?.own ?? []) own.set(conv, keys);
      for (const [where, keys] of saved?.theirs ?? []) theirs.set(where, new Map(keys));
    },

    /**
     * Our current key for a group conversation with these members (not us),
     * made now when there is none for exactly them. `fresh` tells the caller
     * to hand it to the members before anything is sealed under it.
     */
    async current(/** @type {string} */ conversationId, /** @type {string[]} */ members) {
      if (held.has(conversationId)) throw Object.assign(new Error(HELD_MESSAGE), { code: 'group-unconfirmed' });
      const keys = own.get(conversationId) ?? [];
      const newest = keys[keys.length - 1];
      if (newest && memberSet(newest.members) === memberSet(members)) return { ...bytesOf(newest.keyId, newest.key), keyIdHex: newest.keyId, fresh: false };
      /** @type {OwnKey} */
      const made = {
        keyId: toHex(await cryptoClient.randomBytes(16)),
        key: toBase64url(await cryptoClient.randomBytes(32)),
        members: [...members],
        at: Date.now(),
      };
      own.set(conversationId, [...keys, made].slice(-KEYS_KEPT));
      await save();
      return { ...bytesOf(made.keyId, made.key), keyIdHex: made.keyId, fresh: true };
    },

    /** The content of the message that hands our key `keyId` to members. */
    keyContent(/** @type {string} */ conversationId, /** @type {string} */ keyId) {
      const entry = ownKey(conversationId, keyId);
      return entry ? keyMessage(entry) : null;
    },

    /**
     * The answer to `asker`'s request for our key `keyId`: given only to a
     * member of the group as it was when the key was made, and once per
     * asker and key in a session (the outbox delivers it; asking again must
     * not make us wrap it again and again). Null when refused.
     */
    answerFor(/** @type {string} */ conversationId, /** @type {string} */ keyId, /** @type {string} */ asker) {
      const entry = ownKey(conversationId, keyId);
      const what = `${conversationId} ${asker} ${keyId}`;
      if (held.has(conversationId)) return null;
      if (!entry || !entry.members.includes(asker) || given.has(what)) return null;
      given.add(what);
      return keyMessage(entry);
    },

    /**
     * A member's key, from a 'group-key' message it signed in this group.
     * Kept in memory at once (a message under it may follow in the same
     * batch); `save()` makes it durable before the key message is acknowledged.
     */
    learn(/** @type {string} */ conversationId, /** @type {string} */ sender, /** @type {{keyId: string, key: string}} */ { keyId, key }) {
      if (sender === identity.fingerprint) return false; // our own keys live in `own`
      const where = `${conversationId} ${sender}`;
      const keys = theirs.get(where) ?? new Map();
      if (keys.get(keyId) === key) return false;
      keys.set(keyId, key);
      while (keys.size > KEYS_KEPT) keys.delete(keys.keys().next().value ?? '');
      theirs.set(where, keys);
      for (const listener of learnListeners) listener(conversationId, sender, keyId);
      return true;
    },
    save,

    /** The key `keyId` of `sender` (ours included) in a group, as bytes, or null. */
    lookup(/** @type {string} */ conversationId, /** @type {string} */ sender, /** @type {string} */ keyId) {
      if (sender === identity.fingerprint) {
        const entry = ownKey(conversationId, keyId);
        return entry ? bytesOf(entry.keyId, entry.key) : null;
      }
      const key = theirs.get(`${conversationId} ${sender}`)?.get(keyId);
      return key ? bytesOf(keyId, key) : null;
    },

    /** Whether to ask `sender` for key `keyId` now (once per session and key). */
    shouldAsk(/** @type {string} */ conversationId, /** @type {string} */ sender, /** @type {string} */ keyId) {
      const what = `${conversationId} ${sender} ${keyId}`;
      if (asked.has(what)) return false;
      asked.add(what);
      return true;
    },

    /** Calls `listener(conversationId, sender, keyId)` whenever a member's key is learnt. */
    onLearn(/** @type {(conversationId: string, sender: string, keyId: string) => void} */ listener) {
      learnListeners.push(listener);
    },

    /**
     * Holds (or releases) a group conversation: while held, `current` refuses
     * to make a key and `answerFor` gives none (chat/groups.js: a member list
     * not confirmed yet).
     */
    hold(/** @type {string} */ conversationId, /** @type {boolean} */ holding) {
      if (holding) held.add(conversationId);
      else held.delete(conversationId);
    },

    /** A group is gone: its keys too. */
    forget(/** @type {string} */ conversationId) {
      own.delete(conversationId);
      for (const where of [...theirs.keys()]) if (where.startsWith(`${conversationId} `)) theirs.delete(where);
      return save();
    },
  };
}
