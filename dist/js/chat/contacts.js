// Contacts: the people whose public keys you hold. Each has a pair room
// (topic from both fingerprints and an optional room password) and a pair
// conversation. Rooms are joined and left by the room cycler (net/cycling.js);
// whether a contact is online is the session registry's answer (any room).

import { encode as toBase64url } from '../core/encoding.js';
import { parseMailboxKey, parsePublicKey } from '../core/add-me.js';
import { createEvents } from '../core/events.js';

const FRIENDS_KEY = 'friends';
const MAX_FAILED_ATTEMPTS = 50;

/**
 * What happens to contacts, by name: one added or removed (here, or roamed
 * in), one changed (nickname, verification, presence), the list of refused
 * attempts changed.
 * @typedef {{ 'contact-added': { fingerprint: string }, 'contact-removed': { fingerprint: string },
 *   'contact-changed': { fingerprint: string }, 'attempts-changed': {} }} ContactEventMap
 */

/**
 * mailbox (chat/mailbox.js, or null) learns the mailbox keys that links carry.
 * onSaved(): the list was saved (the roaming profile records the change).
 * What happens is said on `events` (ContactEventMap).
 */
export function createContacts({ cryptoClient, store, network, sessions, mailbox = null, identity, chat, onSaved = null }) {
  /** @type {import('../core/events.js').Events<ContactEventMap>} */
  const events = createEvents();
  const friends = new Map(); // fingerprint -> contact
  const failedAttempts = [];
  const offlineSince = new Map(); // fingerprint -> when its last session ended

  const snapshot = (f) => ({
    spki: toBase64url(f.spki),
    nickname: f.nickname,
    roomPassword: f.roomPassword,
    addedAt: f.addedAt,
    verified: f.verified,
    keyChangedFrom: f.keyChangedFrom ?? null,
  });
  const save = async () => {
    await store.put(FRIENDS_KEY, [...friends.values()].map(snapshot));
    await onSaved?.();
  };

  /** Changes another device made to a contact that exists here. */
  async function update(friend, values) {
    if (typeof values.nickname === 'string' && values.nickname !== friend.nickname) {
      friend.nickname = values.nickname.trim().slice(0, 100);
      chat.retitle(friend.conversationId, title(friend));
    }
    if (typeof values.verified === 'boolean') friend.verified = values.verified;
    if ('keyChangedFrom' in values) friend.keyChangedFrom = values.keyChangedFrom ?? null;
    if (typeof values.roomPassword === 'string' && values.roomPassword !== friend.roomPassword) {
      // Another room: leave the old one; the cycler joins the new one.
      const wanted = friend.wanted;
      leave(friend);
      friend.roomPassword = values.roomPassword;
      if (wanted) join(friend);
    }
    await save();
    events.emit('contact-changed', { fingerprint: friend.fingerprint });
  }

  const stopUp = sessions.onUp((fingerprint) => {
    const friend = friends.get(fingerprint);
    if (!friend) return;
    friend.lastActive = Date.now();
    events.emit('contact-changed', { fingerprint });
  });
  const stopDown = sessions.onDown((fingerprint) => {
    if (!friends.has(fingerprint)) return;
    offlineSince.set(fingerprint, Date.now());
    events.emit('contact-changed', { fingerprint });
  });

  function recordAttempt(friend, attempt) {
    // Our other devices share a friend's room with us (each meets the friend
    // there) and the tracker may hand them our offers: a refused hello in our
    // own name is that, not someone the user could do anything about.
    if (attempt.fingerprint === identity.fingerprint) return;
    failedAttempts.unshift({ ...attempt, contact: friend.fingerprint });
    failedAttempts.length = Math.min(failedAttempts.length, MAX_FAILED_ATTEMPTS);
    events.emit('attempts-changed', {});
  }

  /** Joins this contact's room (called by the cycler). */
  async function join(friend) {
    friend.wanted = true;
    if (friend.room || friend.joining) return;
    friend.joining = true;
    try {
      const room = await cryptoClient.pairRoom(friend.spki, friend.roomPassword);
      if (!friends.has(friend.fingerprint) || !friend.wanted) {
        // Left (or removed) while the room was being made.
        cryptoClient.release(room.roomId);
        return;
      }
      friend.room = network.join({ room, allowed: () => [friend.fingerprint], onFailedAttempt: (attempt) => recordAttempt(friend, attempt) });
    } finally {
      friend.joining = false;
    }
  }

  function leave(friend) {
    friend.wanted = false;
    if (!friend.room) return;
    network.leave(friend.room);
    friend.room = null;
  }

  async function add({ keyText, nickname = '', roomPassword = '', verified = false, keyChangedFrom = null }, { persist = true } = {}) {
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
      verified,
      keyChangedFrom,
      lastActive: 0,
      room: null,
      /** 'online' while any authenticated session with them is up. */
      get status() {
        return sessions.isOnline(fingerprint) ? 'online' : 'offline';
      },
      /** Since when they have been online (or offline). */
      get since() {
        return sessions.since(fingerprint) ?? offlineSince.get(fingerprint) ?? this.addedAt;
      },
    };
    friend.conversationId = await cryptoClient.pairConversationId(spki);
    friends.set(fingerprint, friend);
    const mailboxKey = parseMailboxKey(keyText);
    if (mailboxKey) mailbox?.learn(fingerprint, { key: mailboxKey }, 'link');
    await chat.ensureConversation({
      id: friend.conversationId,
      kind: 'pair',
      ref: fingerprint,
      title: title(friend),
      members: [{ fingerprint, spki }],
    });
    if (persist) await save();
    events.emit('contact-added', { fingerprint });
    return friend;
  }

  const title = (friend) => friend.nickname || `Contact ${friend.fingerprint.slice(0, 8)}`;

  return {
    /** What happens to contacts, by name (ContactEventMap). */
    events: { on: events.on },
    /** Loads saved contacts. */
    async load() {
      for (const saved of (await store.get(FRIENDS_KEY)) ?? []) {
        await add({ keyText: saved.spki, ...saved }, { persist: false }).catch(() => {});
      }
    },
    add,
    async remove(fingerprint) {
      const friend = friends.get(fingerprint);
      if (!friend) return;
      leave(friend);
      friends.delete(fingerprint);
      await save();
      events.emit('contact-removed', { fingerprint });
    },
    async rename(fingerprint, nickname) {
      const friend = friends.get(fingerprint);
      if (!friend) return;
      friend.nickname = nickname.trim().slice(0, 100);
      chat.retitle(friend.conversationId, title(friend));
      await save();
      events.emit('contact-changed', { fingerprint });
    },
    /** Marks the contact verified (the user compared safety numbers) or not. */
    async setVerified(fingerprint, verified) {
      const friend = friends.get(fingerprint);
      if (!friend) return;
      friend.verified = verified;
      if (verified) friend.keyChangedFrom = null;
      await save();
      events.emit('contact-changed', { fingerprint });
    },
    /**
     * The contact has a new key (reinstalled, new password): a new contact
     * replaces the old one. If the old one was verified, the new one carries a
     * loud warning until verified again.
     */
    async replaceKey(fingerprint, keyText) {
      const old = friends.get(fingerprint);
      if (!old) return null;
      const next = await add({
        keyText,
        nickname: old.nickname,
        roomPassword: old.roomPassword,
        verified: false,
        keyChangedFrom: old.verified || old.keyChangedFrom ? { fingerprint: old.fingerprint, at: Date.now() } : null,
      });
      leave(old);
      friends.delete(fingerprint);
      await save();
      events.emit('contact-removed', { fingerprint });
      return next;
    },
    /** The roaming profile's view of the list: fingerprint -> what follows the login. */
    profileValues: () =>
      new Map(
        [...friends.values()].map((f) => [
          f.fingerprint,
          {
            spki: toBase64url(f.spki),
            nickname: f.nickname,
            roomPassword: f.roomPassword,
            verified: f.verified,
            keyChangedFrom: f.keyChangedFrom ?? null,
            mailbox: mailbox?.keyOf(f.fingerprint) ?? null,
          },
        ]),
      ),
    /** What another device of ours did to a contact (values null: removed it). */
    async applyProfile(fingerprint, values) {
      // Where their mail goes, as another device of ours knew it.
      if (typeof values?.mailbox === 'string' && /^[0-9a-f]{64}$/.test(values.mailbox)) mailbox?.learn(fingerprint, { key: values.mailbox }, 'link');
      const friend = friends.get(fingerprint);
      if (!values) {
        if (!friend) return;
        leave(friend);
        friends.delete(fingerprint);
        await save();
        events.emit('contact-removed', { fingerprint });
        return;
      }
      if (friend) return update(friend, values);
      if (typeof values.spki !== 'string') return;
      const inspected = await cryptoClient.inspectKey(parsePublicKey(values.spki));
      if (inspected.fingerprint !== fingerprint) throw new Error('a profile record whose key is another contact’s');
      await add({
        keyText: values.spki,
        nickname: typeof values.nickname === 'string' ? values.nickname : '',
        roomPassword: typeof values.roomPassword === 'string' ? values.roomPassword : '',
        verified: values.verified === true,
        keyChangedFrom: values.keyChangedFrom ?? null,
      });
    },
    safetyNumber: (fingerprint) => cryptoClient.safetyNumber(friends.get(fingerprint).spki),
    get: (fingerprint) => friends.get(fingerprint),
    byConversation: (conversationId) => [...friends.values()].find((f) => f.conversationId === conversationId),
    list: () => [...friends.values()].sort((a, b) => a.addedAt - b.addedAt),
    title,
    failedAttempts: () => [...failedAttempts],
    /** Round trip of an encrypted ping to an online contact, ms. */
    async ping(fingerprint) {
      const link = sessions.linkTo(fingerprint);
      if (!friends.has(fingerprint) || !link) throw new Error('contact is offline');
      return link.ping();
    },
    /** Room cycling: one candidate per contact. */
    roomCandidates: () =>
      [...friends.values()].map((friend) => ({
        key: `friend:${friend.fingerprint}`,
        joined: !!friend.room || (!!friend.joining && !!friend.wanted),
        lastActive: friend.lastActive,
        conversationId: friend.conversationId,
        fingerprints: [friend.fingerprint],
        join: () => join(friend),
        leave: () => leave(friend),
      })),
    close() {
      stopUp();
      stopDown();
      for (const friend of friends.values()) leave(friend);
      friends.clear();
      events.clear();
    },
  };
}
