// @ts-check
// Groups: an id bound to the creator, a secret (the room), a name, a creator
// and a member list. The creator invites contacts (the invitation travels as
// an envelope in each pair conversation) and is the only one who changes the
// member list; anyone may leave. Removing someone rotates the secret, so the
// removed member can no longer find the room, and every member's sender key
// (chat/sender-keys.js), so they cannot read what is sent after. Each member
// keeps a bounded number of direct connections in the group's room (a
// partial mesh, net/room.js); members pass messages on to each other
// (chat/forwarding.js) and catch up on what they missed (chat/backlog.js).
//
// Nothing in a descriptor is taken on trust: its id must derive from its
// creator and nonce (worker/src/identity.rs `group_id`), so no one else can
// ever be the creator of that id; every member's key must hash to the
// fingerprint listed with it. Descriptors carry no names of members: each
// member states its own display name in its messages (content.js `n`).
//
// A group this device first learns of from the roaming profile is
// *provisional*: a relay may serve an old version of its record (one that
// still lists a member removed since), and nothing in the record says how
// old it is. Until the group confirms its epoch, no key of ours is made or
// given there (chat/sender-keys.js `hold`), so nothing we send reaches a
// member the old list still names, and (if we created it) we change nothing.
// Members state their epoch in every backlog sync over a direct session
// (chat/backlog.js; never through a relay, which could replay one), and a
// restored group asks the members online for theirs at once: the
// group is confirmed once its creator states our epoch, or more than half
// the other members do and none states a later one. A creator hearing a
// member state an older epoch sends it the current descriptor, once per
// epoch and load, so a device restored from an old record catches up.

import { decode as fromBase64url, encode as toBase64url, fromHex, toHex } from '../core/encoding.js';
import { MAX_GROUP_MEMBERS, checkGroupDescriptor } from './content.js';
import { createEvents } from '../core/events.js';
import {
  applyDescriptor,
  checkCapacity,
  checkConfirmed,
  checkNewGroup,
  confirms,
  descriptorOf,
  hasMember,
  isNewer,
  newGroup,
  noteRefusal,
  otherMembers,
  owesUpdate,
  profileValueOf,
  refusal,
  syncStateOf,
} from './group-membership.js';

const GROUPS_KEY = 'groups';
/** The most members a group may have: the most recipients a sender key's hand-over envelope takes. */
export { MAX_GROUP_MEMBERS };

/**
 * @typedef {import('./group-membership.js').Group} Group
 * @typedef {Group & { conversationId: string }} KnownGroup  a group registered here, with its conversation
 * @typedef {import('./group-membership.js').Descriptor} Descriptor
 * @typedef {ReturnType<typeof createGroups>} Groups
 *
 * What happens to groups, by name: one joined (created here, an invitation
 * accepted, roamed in), one changed (members, name, a member's presence,
 * left), an invitation refused.
 * @typedef {{ 'group-added': { group: string }, 'group-changed': { group: string }, 'group-refused': { group: string } }} GroupEventMap
 */

/**
 * mailbox (chat/mailbox.js, or null): descriptors carry members' mailbox keys.
 * onSaved(): the list was saved (the roaming profile records the change).
 * meshTarget(): how many direct connections to seek in a group's room.
 * What happens is said on `events` (GroupEventMap).
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   network: import('./chat.js').Network,
 *   sessions: import('./chat.js').Sessions,
 *   mailbox?: import('./mailbox.js').Mailbox | null,
 *   identity: import('../core/crypto-client.js').PublicSession,
 *   chat: import('./chat.js').Chat,
 *   contacts: import('./contacts.js').Contacts,
 *   onSaved?: (() => unknown) | null,
 *   meshTarget: () => number,
 * }} deps
 */
export function createGroups({ cryptoClient, store, network, sessions, mailbox = null, identity, chat, contacts, onSaved = null, meshTarget }) {
  /** @type {import('../core/events.js').Events<GroupEventMap>} */
  const events = createEvents();
  /** @type {Map<string, KnownGroup>} group id hex -> group */
  const groups = new Map();
  /** @type {import('./group-membership.js').Refusal[]} descriptors refused lately, for the UI */
  const refused = [];
  const withMember = (/** @type {string} */ fingerprint) => [...groups.values()].filter((g) => !g.removed && hasMember(g, fingerprint));
  const byConversation = (/** @type {string} */ conversationId) => [...groups.values()].find((g) => g.conversationId === conversationId);
  const stopUp = sessions.onUp((fingerprint) => {
    for (const g of withMember(fingerprint)) {
      g.lastActive = Date.now();
      events.emit('group-changed', { group: g.id });
    }
  });
  const stopDown = sessions.onDown((fingerprint) => {
    for (const g of withMember(fingerprint)) events.emit('group-changed', { group: g.id });
  });

  const descriptor = (/** @type {Group} */ g) => descriptorOf(g, identity, (fingerprint) => mailbox?.keyOf(fingerprint));
  /** Members' mailbox keys, as the creator listed them (their own word, when we get it, counts more). */
  const learnAddresses = (/** @type {Group} */ g) => {
    for (const m of g.members) if (m.mailbox) mailbox?.learn(m.fingerprint, { key: m.mailbox }, 'group');
  };
  const save = async () => {
    await store.put(
      GROUPS_KEY,
      [...groups.values()].map((g) => ({ ...descriptor(g), removed: g.removed ?? false, provisional: !!g.provisional })),
    );
    await onSaved?.();
  };

  const memberEntries = (/** @type {Group} */ g) => g.members.map((m) => ({ fingerprint: m.fingerprint, spki: fromBase64url(m.spki) }));
  const others = (/** @type {{ members: import('./group-membership.js').Member[] }} */ g) => otherMembers(g, identity.fingerprint);

  /** Registers `g` and its conversation; resolves to it, registered. @param {Group} g @returns {Promise<KnownGroup>} */
  async function register(g) {
    g.conversationId ??= await cryptoClient.groupConversationId(fromHex(g.id));
    const known = /** @type {KnownGroup} */ (g);
    groups.set(g.id, known);
    // Held before the conversation exists: nothing may be sealed to an unconfirmed list.
    chat.holdGroupKeys(g.conversationId, !!g.provisional);
    await chat.ensureConversation({ id: known.conversationId, kind: 'group', ref: g.id, title: g.name, members: memberEntries(g) });
    return known;
  }

  async function settle(/** @type {KnownGroup} */ g) {
    if (!g.provisional || g.removed || !confirms(g, identity.fingerprint)) return;
    g.provisional = false;
    chat.holdGroupKeys(g.conversationId, false);
    await save();
    events.emit('group-changed', { group: g.id });
  }

  /**
   * A member stated its epoch of a group in a backlog sync over a direct session.
   * @param {string} conversationId @param {string} fingerprint @param {number} epoch @param {boolean} confirmed
   */
  async function heard(conversationId, fingerprint, epoch, confirmed) {
    const g = byConversation(conversationId);
    if (!g || g.removed || !hasMember(g, fingerprint)) return;
    // The creator brings a member whose list is older up to date.
    if (owesUpdate(g, identity.fingerprint, fingerprint, epoch)) {
      chat.send(g.conversationId, { t: 'group-update', group: descriptor(g) }, { to: [fingerprint] }).catch(() => {});
    }
    // Only a member sure of its own list confirms ours.
    if (!confirmed || !g.provisional) return;
    g.heard ??= new Map();
    g.heard.set(fingerprint, epoch);
    await settle(g);
  }
  const syncs = chat.bindGroups({
    stateOf: (conversationId) => syncStateOf(byConversation(conversationId)),
    heard: (...args) => {
      heard(...args).catch(() => {});
    },
  });

  async function join(/** @type {Group} */ g) {
    g.wanted = true;
    if (g.room || g.joining || g.removed) return;
    g.joining = true;
    try {
      const room = await cryptoClient.groupRoom(fromHex(g.id), fromBase64url(g.secret));
      if (!g.wanted || g.removed) {
        cryptoClient.release(room.roomId);
        return;
      }
      g.room = network.join({ room, allowed: () => others(g), meshTarget });
    } finally {
      g.joining = false;
    }
  }

  function leaveRoom(/** @type {Group} */ g) {
    g.wanted = false;
    if (!g.room) return;
    network.leave(g.room);
    g.room = null;
  }

  async function rejoin(/** @type {Group} */ g) {
    const wanted = g.wanted;
    leaveRoom(g);
    if (wanted) await join(g);
  }

  /** Invites members (contacts) through each pair conversation. */
  async function invite(/** @type {Group} */ g, /** @type {string[]} */ fingerprints) {
    for (const fingerprint of fingerprints) {
      const contact = contacts.get(fingerprint);
      if (contact) await chat.send(contact.conversationId, { t: 'group-invite', group: descriptor(g) });
    }
  }

  async function create(/** @type {string} */ name, /** @type {string[]} */ memberFingerprints) {
    const picked = /** @type {import('./contacts.js').Contact[]} */ ([...new Set(memberFingerprints)].map((fp) => contacts.get(fp)).filter(Boolean));
    checkNewGroup(name, picked);
    const nonce = await cryptoClient.randomBytes(16);
    const id = await cryptoClient.groupId(identity.fingerprint, nonce);
    const secret = toBase64url(await cryptoClient.randomBytes(32));
    const g = await register(newGroup({ id, nonce: toHex(nonce), secret, name, self: identity, picked }));
    await save();
    await join(g);
    await invite(
      g,
      picked.map((f) => f.fingerprint),
    );
    events.emit('group-added', { group: g.id });
    return g;
  }

  /**
   * Applies a group description received from its creator. `restored`: it
   * comes from the roaming profile, and a group new here starts provisional.
   * A known group keeps its standing: a descriptor newer than one we
   * confirmed lists no one removed before that one.
   * @param {Descriptor | null | undefined} incoming @param {{ from: string, restored?: boolean }} source
   */
  async function adopt(incoming, { from, restored = false }) {
    if (!incoming) return;
    const current = groups.get(incoming.id);
    if (!isNewer(current, incoming)) return;
    const why = await refusal(cryptoClient, incoming, from);
    if (why) {
      noteRefusal(refused, { group: incoming.id, name: incoming.name, from, why, at: Date.now() });
      events.emit('group-refused', { group: incoming.id });
      return;
    }
    const { g: adopted, secretChanged } = applyDescriptor(current, incoming, identity.fingerprint, restored);
    const g = await register(adopted);
    await save();
    learnAddresses(g);
    if (g.removed) leaveRoom(g);
    else if (secretChanged) await rejoin(g);
    events.emit('group-changed', { group: g.id });
    // What members stated may already confirm this epoch (the creator said it before its descriptor came).
    await settle(g);
    // Still provisional: ask the members online now for their word (others tell us when we meet).
    if (g.provisional && !g.removed) syncs?.announce(g.conversationId);
  }

  chat.on('group-invite', async (conv, message) => {
    if (conv.kind === 'pair') await adopt(message.content.group, { from: message.sender });
  });
  chat.on('group-update', (conv, message) => adopt(message.content.group, { from: message.sender }));
  chat.on('group-leave', async (conv, message) => {
    const g = byConversation(conv.id);
    if (!g || g.creator !== identity.fingerprint) return;
    await removeMember(g.id, message.sender, { leaving: true });
  });

  async function update(/** @type {KnownGroup} */ g) {
    g.epoch += 1;
    await register(g);
    await save();
    await chat.send(g.conversationId, { t: 'group-update', group: descriptor(g) });
  }

  async function removeMember(/** @type {string} */ id, /** @type {string} */ fingerprint, { leaving = false } = {}) {
    const g = groups.get(id);
    if (!g || g.creator !== identity.fingerprint || fingerprint === identity.fingerprint) return;
    checkConfirmed(g);
    const removed = g.members.find((m) => m.fingerprint === fingerprint);
    if (!removed) return;
    g.members = g.members.filter((m) => m.fingerprint !== fingerprint);
    g.secret = toBase64url(await cryptoClient.randomBytes(32));
    await update(g);
    // Tell the removed member directly (they are no longer a recipient above).
    const contact = contacts.get(fingerprint);
    if (contact && !leaving) await chat.send(contact.conversationId, { t: 'group-update', group: descriptor(g) });
    await rejoin(g);
    events.emit('group-changed', { group: id });
  }

  return {
    /** What happens to groups, by name (GroupEventMap). */
    events: { on: events.on },
    async load() {
      for (const saved of (await store.get(GROUPS_KEY)) ?? []) await register({ ...saved });
    },
    create,
    get: (/** @type {string} */ id) => groups.get(id),
    byConversation,
    list: () => [...groups.values()],
    isCreator: (/** @type {string} */ id) => groups.get(id)?.creator === identity.fingerprint,
    /** Whether the group's member list still waits for its members' confirmation (see the top of this file). */
    isProvisional: (/** @type {string} */ id) => !!groups.get(id)?.provisional,
    async addMember(/** @type {string} */ id, /** @type {string} */ fingerprint) {
      const g = groups.get(id);
      const contact = contacts.get(fingerprint);
      if (!g || g.creator !== identity.fingerprint || !contact) return;
      if (hasMember(g, fingerprint)) return;
      checkConfirmed(g);
      checkCapacity(g);
      g.members.push({ fingerprint, spki: toBase64url(contact.spki) });
      await update(g);
      await invite(g, [fingerprint]);
      events.emit('group-changed', { group: id });
    },
    removeMember,
    async leave(/** @type {string} */ id) {
      const g = groups.get(id);
      if (!g) return;
      if (!g.removed) await chat.send(g.conversationId, { t: 'group-leave' }).catch(() => {});
      g.removed = true;
      leaveRoom(g);
      await save();
      events.emit('group-changed', { group: id });
    },
    /**
     * The roaming profile's view: group id -> its descriptor as the creator
     * made it (members' addresses as listed there) and whether we left.
     */
    profileValues: () => new Map([...groups.values()].map((g) => [g.id, profileValueOf(g)])),
    /**
     * What another device of ours learnt of a group: a newer descriptor
     * (checked like one from its creator: id and member keys), or that we
     * left (that device already told the group).
     * @param {string} id @param {any} values  from the roaming profile, unchecked
     */
    async applyProfile(id, values) {
      const incoming = checkGroupDescriptor(values?.descriptor);
      if (!incoming || incoming.id !== id) return;
      await adopt(incoming, { from: incoming.creator, restored: true });
      const g = groups.get(id);
      if (g && values.left === true && !g.removed) {
        g.removed = true;
        leaveRoom(g);
        await save();
        events.emit('group-changed', { group: id });
      }
    },
    /** Group descriptors refused lately (newest first), with the reason. */
    refusedDescriptors: () => [...refused],
    /** The key of a member of any of our groups (to check what they send), or null. */
    memberSpki(/** @type {string} */ fingerprint) {
      for (const g of groups.values()) {
        const member = !g.removed && g.members.find((m) => m.fingerprint === fingerprint);
        if (member) return fromBase64url(member.spki);
      }
      return null;
    },
    /** Online members of a group right now. */
    onlineMembers: (/** @type {string} */ id) => others(groups.get(id) ?? { members: [] }).filter((fp) => sessions.isOnline(fp)),
    roomCandidates: () =>
      [...groups.values()]
        .filter((g) => !g.removed)
        .map((g) => ({
          key: `group:${g.id}`,
          joined: !!g.room || (!!g.joining && !!g.wanted),
          lastActive: g.lastActive ?? 0,
          conversationId: g.conversationId,
          fingerprints: others(g),
          join: () => join(g),
          leave: () => leaveRoom(g),
        })),
    close() {
      stopUp();
      stopDown();
      for (const g of groups.values()) leaveRoom(g);
      groups.clear();
      events.clear();
    },
  };
}
