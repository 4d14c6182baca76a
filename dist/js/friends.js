// Contacts: the people whose public keys you hold. Each has a pair room
// (topic from both fingerprints and an optional room password) that this
// page stays in, so the contact shows online the moment both are.

import { decode as fromBase64url, encode as toBase64url } from './encoding.js';

const FRIENDS_KEY = 'friends';
const MAX_FAILED_ATTEMPTS = 50;

/** A public key from what a user pastes: base64url SPKI or an "add me" link. */
export function parsePublicKey(text) {
  const trimmed = (text ?? '').trim();
  const fromLink = /[#&]add=([A-Za-z0-9_-]+)/.exec(trimmed);
  const encoded = fromLink ? fromLink[1] : trimmed.replace(/\s+/g, '');
  if (!encoded) throw Object.assign(new Error('Paste a public key or an “add me” link.'), { code: 'empty' });
  try {
    return fromBase64url(encoded);
  } catch {
    throw Object.assign(new Error('That is not a Trustero public key or “add me” link.'), { code: 'invalid-public-key' });
  }
}

export function createFriends({ cryptoClient, store, network, identity, onChange }) {
  const friends = new Map(); // fingerprint -> friend
  const failedAttempts = [];

  const snapshot = (friend) => ({
    spki: toBase64url(friend.spki),
    nickname: friend.nickname,
    roomPassword: friend.roomPassword,
    addedAt: friend.addedAt,
  });
  const save = () => store.put(FRIENDS_KEY, [...friends.values()].map(snapshot));

  async function join(friend) {
    const room = await cryptoClient.call('room.pair', { spki: friend.spki, password: friend.roomPassword });
    friend.room = network.join({
      room,
      allowed: () => [friend.fingerprint],
      handlers: {
        onPeerJoin(peer) {
          friend.link = peer.link;
          friend.status = 'online';
          friend.since = Date.now();
          friend.via = peer.via;
          onChange?.();
        },
        onPeerLeave() {
          friend.link = null;
          friend.status = 'offline';
          friend.since = Date.now();
          onChange?.();
        },
        onFailedAttempt(attempt) {
          failedAttempts.unshift({ ...attempt, contact: friend.fingerprint });
          failedAttempts.length = Math.min(failedAttempts.length, MAX_FAILED_ATTEMPTS);
          onChange?.();
        },
        onMessage: (peer, type, data) => friend.onMessage?.(type, data),
      },
    });
  }

  async function add({ keyText, nickname = '', roomPassword = '' }, { persist = true } = {}) {
    const spki = parsePublicKey(keyText);
    const { fingerprint, bits } = await cryptoClient.inspectKey(spki);
    if (fingerprint === identity.fingerprint) {
      throw Object.assign(new Error('That is your own public key.'), { code: 'own-key' });
    }
    if (friends.has(fingerprint)) {
      throw Object.assign(new Error('This contact is already in your list.'), { code: 'duplicate' });
    }
    const friend = {
      fingerprint,
      bits,
      spki,
      nickname: nickname.trim().slice(0, 100),
      roomPassword,
      addedAt: Date.now(),
      status: 'offline',
      since: Date.now(),
      link: null,
    };
    friends.set(fingerprint, friend);
    await join(friend);
    if (persist) await save();
    onChange?.();
    return friend;
  }

  return {
    /** Loads the saved contacts and joins their rooms. */
    async load() {
      for (const saved of (await store.get(FRIENDS_KEY)) ?? []) {
        await add({ keyText: saved.spki, nickname: saved.nickname, roomPassword: saved.roomPassword }, { persist: false }).catch(() => {});
      }
    },
    add,
    async remove(fingerprint) {
      const friend = friends.get(fingerprint);
      if (!friend) return;
      network.leave(friend.room);
      friends.delete(fingerprint);
      await save();
      onChange?.();
    },
    get: (fingerprint) => friends.get(fingerprint),
    list: () => [...friends.values()].sort((a, b) => a.addedAt - b.addedAt),
    failedAttempts: () => [...failedAttempts],
    /** Round trip of an encrypted ping to an online contact, ms. */
    async ping(fingerprint) {
      const friend = friends.get(fingerprint);
      if (!friend?.link) throw new Error('contact is offline');
      return friend.link.ping();
    },
    close() {
      for (const friend of friends.values()) network.leave(friend.room);
      friends.clear();
    },
  };
}
