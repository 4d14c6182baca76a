// @ts-check
// Contacts: the people whose public keys you hold. Each has a pair room
// (topic from both fingerprints and an optional room password) and a pair
// conversation. Rooms are joined and left by the room cycler (net/cycling.js);
// whether a contact is online is the session registry's answer (any room).

import { encode as toBase64url } from '../core/encoding.js';
import { parseMailboxKey, parsePublicKey } from '../core/add-me.js';
import { createEvents } from '../core/events.js';

/** The record holding the list; named 'friends' in every database written so far, so the name stays. */
const CONTACTS_KEY = 'friends';
const MAX_FAILED_ATTEMPTS = 50;

/**
 * A contact: their key, the nickname we gave them, the password of our pair
 * room, whether the user compared safety numbers (`verified`), the contact
 * whose key this one replaced while verified (`keyChangedFrom`), and their
 * pair room (joined by the room cycler) and conversation.
 * @typedef {{ fingerprint: string, bits: number, spki: Uint8Array, nickname: string, roomPassword: string, addedAt: number,
 *   verified: boolean, keyChangedFrom: KeyChange | null, lastActive: number, room: Room | null, joining?: boolean, wanted?: boolean,
 *   conversationId: string, readonly status: 'online' | 'offline', readonly since: number }} Contact
 * @typedef {{ fingerprint: string, at: number }} KeyChange  the verified contact a new key replaced, and when
 * @typedef {import('./chat.js').Room} Room
 * @typedef {{ reason: string, fingerprint: string | null, via: string, at: number, message: string }} Attempt  someone our room refused (net/room.js)
 * @typedef {{ keyText: string, nickname?: string, roomPassword?: string, verified?: boolean, keyChangedFrom?: KeyChange | null }} NewContact
 * @typedef {ReturnType<typeof createContacts>} Contacts
 *
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
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   network: import('./chat.js').Network,
 *   sessions: import('./chat.js').Sessions,
 *   mailbox?: import('./mailbox.js').Mailbox | null,
 *   identity: { fingerprint: string },
 *   chat: import('./chat.js').Chat,
 *   onSaved?: (() => unknown) | null,
 * }} deps
 */
export function createContacts({ cryptoClient, store, network, sessions, mailbox = null, identity, chat, onSaved = null }) {
  /** @type {import('../core/events.js').Events<ContactEventMap>} */
  const events = createEvents();
  /** @type {Map<string, Contact>} fingerprint -> contact */
  const contacts = new Map();
  /** @type {Array<Attempt & { contact: string }>} refused attempts in a contact's room, newest first */
  const failedAttempts = [];
  /** @type {Map<string, number>} fingerprint -> when its last session ended */
  const offlineSince = new Map();

  const snapshot = (/** @type {Contact} */ c) => ({
    spki: toBase64url(c.spki),
    nickname: c.nickname,
    roomPassword: c.roomPassword,
    addedAt: c.addedAt,
    verified: c.verified,
    keyChangedFrom: c.keyChangedFrom ?? null,
  });
  const save = async () => {
    await store.put(CONTACTS_KEY, [...contacts.values()].map(snapshot));
    await onSaved?.();
  };

  /**
   * Changes another device made to a contact that exists here.
   * @param {Contact} contact @param {Record<string, any>} values  from the roaming profile, unchecked
   */
  async function update(contact, values) {
    if (typeof values.nickname === 'string' && values.nickname !== contact.nickname) {
      contact.nickname = values.nickname.trim().slice(0, 100);
      chat.retitle(contact.conversationId, title(contact));
    }
    if (typeof values.verified === 'boolean') contact.verified = values.verified;
    if ('keyChangedFrom' in values) contact.keyChangedFrom = values.keyChangedFrom ?? null;
    if (typeof values.roomPassword === 'string' && values.roomPassword !== contact.roomPassword) {
      // Another room: leave the old one; the cycler joins the new one.
      const wanted = contact.wanted;
      leave(contact);
      contact.roomPassword = values.roomPassword;
      if (wanted) join(contact);
    }
    await save();
    events.emit('contact-changed', { fingerprint: contact.fingerprint });
  }

  const stopUp = sessions.onUp((fingerprint) => {
    const contact = contacts.get(fingerprint);
    if (!contact) return;
    contact.lastActive = Date.now();
    events.emit('contact-changed', { fingerprint });
  });
  const stopDown = sessions.onDown((fingerprint) => {
    if (!contacts.has(fingerprint)) return;
    offlineSince.set(fingerprint, Date.now());
    events.emit('contact-changed', { fingerprint });
  });

  function recordAttempt(/** @type {Contact} */ contact, /** @type {Attempt} */ attempt) {
    // Our other devices share a contact's room with us (each meets the contact
    // there) and the tracker may hand them our offers: a refused hello in our
    // own name is that, not someone the user could do anything about.
    if (attempt.fingerprint === identity.fingerprint) return;
    failedAttempts.unshift({ ...attempt, contact: contact.fingerprint });
    failedAttempts.length = Math.min(failedAttempts.length, MAX_FAILED_ATTEMPTS);
    events.emit('attempts-changed', {});
  }

  /** Joins this contact's room (called by the cycler). */
  async function join(/** @type {Contact} */ contact) {
    contact.wanted = true;
    if (contact.room || contact.joining) return;
    contact.joining = true;
    try {
      const room = await cryptoClient.pairRoom(contact.spki, contact.roomPassword);
      if (!contacts.has(contact.fingerprint) || !contact.wanted) {
        // Left (or removed) while the room was being made.
        cryptoClient.release(room.roomId);
        return;
      }
      contact.room = network.join({
        room,
        allowed: () => [contact.fingerprint],
        onFailedAttempt: (/** @type {Attempt} */ attempt) => recordAttempt(contact, attempt),
      });
    } finally {
      contact.joining = false;
    }
  }

  function leave(/** @type {Contact} */ contact) {
    contact.wanted = false;
    if (!contact.room) return;
    network.leave(contact.room);
    contact.room = null;
  }

  /** Adds a contact from their key (an "add me" link or the bare key); `persist`: save the list after. @param {NewContact} contact */
  async function add({ keyText, nickname = '', roomPassword = '', verified = false, keyChangedFrom = null }, { persist = true } = {}) {
    const spki = parsePublicKey(keyText);
    const { fingerprint, bits } = await cryptoClient.inspectKey(spki);
    if (fingerprint === identity.fingerprint) {
      throw Object.assign(new Error('That is your own public key.'), { code: 'own-key' });
    }
    if (contacts.has(fingerprint)) {
      throw Object.assign(new Error('This contact is already in your list.'), { code: 'duplicate' });
    }
    // Its conversation id is set below, once the worker has derived it.
    const contact = /** @type {Contact} */ ({
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
    });
    contact.conversationId = await cryptoClient.pairConversationId(spki);
    contacts.set(fingerprint, contact);
    const mailboxKey = parseMailboxKey(keyText);
    if (mailboxKey) mailbox?.learn(fingerprint, { key: mailboxKey }, 'link');
    await chat.ensureConversation({
      id: contact.conversationId,
      kind: 'pair',
      ref: fingerprint,
      title: title(contact),
      members: [{ fingerprint, spki }],
    });
    if (persist) await save();
    events.emit('contact-added', { fingerprint });
    return contact;
  }

  const title = (/** @type {{ nickname: string, fingerprint: string }} */ contact) => contact.nickname || `Contact ${contact.fingerprint.slice(0, 8)}`;

  return {
    /** What happens to contacts, by name (ContactEventMap). */
    events: { on: events.on },
    /** Loads saved contacts. */
    async load() {
      for (const saved of (await store.get(CONTACTS_KEY)) ?? []) {
        await add({ keyText: saved.spki, ...saved }, { persist: false }).catch(() => {});
      }
    },
    add,
    async remove(/** @type {string} */ fingerprint) {
      const contact = contacts.get(fingerprint);
      if (!contact) return;
      leave(contact);
      contacts.delete(fingerprint);
      await save();
      events.emit('contact-removed', { fingerprint });
    },
    async rename(/** @type {string} */ fingerprint, /** @type {string} */ nickname) {
      const contact = contacts.get(fingerprint);
      if (!contact) return;
      contact.nickname = nickname.trim().slice(0, 100);
      chat.retitle(contact.conversationId, title(contact));
      await save();
      events.emit('contact-changed', { fingerprint });
    },
    /** Marks the contact verified (the user compared safety numbers) or not. */
    async setVerified(/** @type {string} */ fingerprint, /** @type {boolean} */ verified) {
      const contact = contacts.get(fingerprint);
      if (!contact) return;
      contact.verified = verified;
      if (verified) contact.keyChangedFrom = null;
      await save();
      events.emit('contact-changed', { fingerprint });
    },
    /**
     * The contact has a new key (reinstalled, new password): a new contact
     * replaces the old one. If the old one was verified, the new one carries a
     * loud warning until verified again.
     */
    async replaceKey(/** @type {string} */ fingerprint, /** @type {string} */ keyText) {
      const old = contacts.get(fingerprint);
      if (!old) return null;
      const next = await add({
        keyText,
        nickname: old.nickname,
        roomPassword: old.roomPassword,
        verified: false,
        keyChangedFrom: old.verified || old.keyChangedFrom ? { fingerprint: old.fingerprint, at: Date.now() } : null,
      });
      leave(old);
      contacts.delete(fingerprint);
      await save();
      events.emit('contact-removed', { fingerprint });
      return next;
    },
    /** The roaming profile's view of the list: fingerprint -> what follows the login. */
    profileValues: () =>
      new Map(
        [...contacts.values()].map((c) => [
          c.fingerprint,
          {
            spki: toBase64url(c.spki),
            nickname: c.nickname,
            roomPassword: c.roomPassword,
            verified: c.verified,
            keyChangedFrom: c.keyChangedFrom ?? null,
            mailbox: mailbox?.keyOf(c.fingerprint) ?? null,
          },
        ]),
      ),
    /** What another device of ours did to a contact (values null: removed it). */
    async applyProfile(/** @type {string} */ fingerprint, /** @type {Record<string, any> | null} */ values) {
      // Where their mail goes, as another device of ours knew it.
      if (typeof values?.mailbox === 'string' && /^[0-9a-f]{64}$/.test(values.mailbox)) mailbox?.learn(fingerprint, { key: values.mailbox }, 'link');
      const contact = contacts.get(fingerprint);
      if (!values) {
        if (!contact) return;
        leave(contact);
        contacts.delete(fingerprint);
        await save();
        events.emit('contact-removed', { fingerprint });
        return;
      }
      if (contact) return update(contact, values);
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
    safetyNumber: (/** @type {string} */ fingerprint) => cryptoClient.safetyNumber(/** @type {Contact} */ (contacts.get(fingerprint)).spki),
    get: (/** @type {string} */ fingerprint) => contacts.get(fingerprint),
    byConversation: (/** @type {string} */ conversationId) => [...contacts.values()].find((c) => c.conversationId === conversationId),
    list: () => [...contacts.values()].sort((a, b) => a.addedAt - b.addedAt),
    title,
    failedAttempts: () => [...failedAttempts],
    /** Round trip of an encrypted ping to an online contact, ms. */
    async ping(/** @type {string} */ fingerprint) {
      // A contact's session is a net/link.js link, which pings.
      const link = /** @type {import('./chat.js').Link & { ping: () => Promise<number> } | null} */ (sessions.linkTo(fingerprint));
      if (!contacts.has(fingerprint) || !link) throw new Error('contact is offline');
      return link.ping();
    },
    /** Room cycling: one candidate per contact. */
    roomCandidates: () =>
      [...contacts.values()].map((contact) => ({
        // The cycler's name for the room: it orders rooms by it, and the e2e tests look for this prefix.
        key: `friend:${contact.fingerprint}`,
        joined: !!contact.room || (!!contact.joining && !!contact.wanted),
        lastActive: contact.lastActive,
        conversationId: contact.conversationId,
        fingerprints: [contact.fingerprint],
        join: () => join(contact),
        leave: () => leave(contact),
      })),
    close() {
      stopUp();
      stopDown();
      for (const contact of contacts.values()) leave(contact);
      contacts.clear();
      events.clear();
    },
  };
}
