// @ts-check
// The decisions behind a group's membership (chat/groups.js), apart from the
// rooms, the store and the messages that carry them out: what a descriptor
// says and what is kept of a group, whether a change may be made, whether a
// received descriptor may be adopted and what adopting it changes, when a
// provisional group's epoch is confirmed, and who is owed the current list.

import { decode as fromBase64url, encode as toBase64url, fromHex } from '../core/encoding.js';
import { MAX_GROUP_MEMBERS } from './content.js';

/** Group descriptors refused lately that are kept for the UI, at most. */
const REFUSED_KEPT = 20;

/**
 * A member as its group's creator lists it: its key (SPKI, base64url) must
 * hash to its fingerprint; `mailbox` is its mailbox key, where known.
 * @typedef {{ fingerprint: string, spki: string, mailbox?: string }} Member
 * A group as its creator describes it (content.js checks the form).
 * @typedef {{ id: string, nonce: string, secret: string, name: string, creator: string, epoch: number, members: Member[] }} Descriptor
 * A group known here: `removed` once we left or were removed, `provisional`
 * until its epoch is confirmed (see the top of chat/groups.js), `heard` the
 * epochs members stated, `resent` to whom the creator sent which epoch's
 * list; the rest is its room and the conversation it is shown in.
 * @typedef {Descriptor & { removed?: boolean, provisional?: boolean, conversationId?: string, heard?: Map<string, number>,
 *   resent?: Set<string>, room?: import('./chat.js').Room | null, joining?: boolean, wanted?: boolean, lastActive?: number }} Group
 * A descriptor refused lately, and why.
 * @typedef {{ group: string, name: string, from: string, why: string, at: number }} Refusal
 * @typedef {{ fingerprint: string, spki: Uint8Array }} Contact
 */

/** @param {string} message @param {string} code */
export function groupError(message, code) {
  return Object.assign(new Error(message), { code });
}

/** Whether `fingerprint` is listed in `g`. @param {{ members: Member[] }} g @param {string} fingerprint */
export const hasMember = (g, fingerprint) => g.members.some((m) => m.fingerprint === fingerprint);

/** The members of `g` other than us (`self`): whom we send to and meet in its room. @param {{ members: Member[] }} g @param {string} self */
export const otherMembers = (g, self) => g.members.filter((m) => m.fingerprint !== self).map((m) => m.fingerprint);

/**
 * The descriptor we hand on for `g`, with each member's mailbox key as we
 * know it best: ours, then what `mailboxKeyOf` learnt (a member's own word),
 * then what the creator listed.
 * @param {Group} g @param {{ fingerprint: string, mailboxKey?: string | null }} self
 * @param {(fingerprint: string) => string | null | undefined} mailboxKeyOf
 * @returns {Descriptor}
 */
export const descriptorOf = (g, self, mailboxKeyOf) => ({
  id: g.id,
  nonce: g.nonce,
  secret: g.secret,
  name: g.name,
  creator: g.creator,
  epoch: g.epoch,
  members: g.members.map((m) => {
    const key = m.fingerprint === self.fingerprint ? self.mailboxKey : (mailboxKeyOf(m.fingerprint) ?? m.mailbox);
    return key ? { fingerprint: m.fingerprint, spki: m.spki, mailbox: key } : { fingerprint: m.fingerprint, spki: m.spki };
  }),
});

/** What the roaming profile keeps of `g`: its descriptor as its creator made it, and whether we left. @param {Group} g */
export const profileValueOf = (g) => ({
  descriptor: { id: g.id, nonce: g.nonce, secret: g.secret, name: g.name, creator: g.creator, epoch: g.epoch, members: g.members },
  left: !!g.removed,
});

/**
 * What a group backlog sync states of `g` (chat/backlog.js): its epoch, and
 * that it is unconfirmed while provisional; nothing once we are out of it.
 * @param {Group | undefined} g
 */
export function syncStateOf(g) {
  if (!g || g.removed) return null;
  return g.provisional ? { epoch: g.epoch, unconfirmed: true } : { epoch: g.epoch };
}

/**
 * Throws unless a group named `name` can be made with the contacts
 * `picked`: it needs a name, someone else, and room for us all.
 * @param {string} name @param {Contact[]} picked
 */
export function checkNewGroup(name, picked) {
  if (!name.trim()) throw groupError('Give the group a name.', 'no-name');
  if (!picked.length) throw groupError('Pick at least one contact.', 'no-members');
  if (picked.length + 1 > MAX_GROUP_MEMBERS) throw groupError(`Groups hold at most ${MAX_GROUP_MEMBERS} members.`, 'too-many');
}

/**
 * A new group of ours (`self`, its creator) with the contacts `picked`, at
 * its first epoch.
 * @param {{ id: string, nonce: string, secret: string, name: string, self: Contact, picked: Contact[] }} fields
 * @returns {Group}
 */
export function newGroup({ id, nonce, secret, name, self, picked }) {
  return {
    id,
    nonce,
    secret,
    name: name.trim().slice(0, 100),
    creator: self.fingerprint,
    epoch: 1,
    members: [self, ...picked].map((c) => ({ fingerprint: c.fingerprint, spki: toBase64url(c.spki) })),
  };
}

/**
 * Throws while `g` is provisional: our own group restored from the profile,
 * whose member list changed now could fork its epochs.
 * @param {Group} g
 */
export function checkConfirmed(g) {
  if (g.provisional)
    throw groupError(`This group's member list is still being checked with its members; change it once most of them have been online.`, 'unconfirmed');
}

/** Throws when `g` has no room for another member. @param {Group} g */
export function checkCapacity(g) {
  if (g.members.length >= MAX_GROUP_MEMBERS) throw groupError(`Groups hold at most ${MAX_GROUP_MEMBERS} members.`, 'too-many');
}

/**
 * Why a descriptor (already well formed: content.js) from `from` cannot be
 * adopted, or null when it can: it must come from its creator, its id must
 * derive from that creator (worker/src/identity.rs `group_id`), and each
 * member's key must be the one its fingerprint names.
 * @param {{ groupId: (creator: string, nonce: Uint8Array) => Promise<string>, inspectKey: (spki: Uint8Array) => Promise<{ fingerprint: string }> }} cryptoClient
 * @param {Descriptor} incoming @param {string} from
 * @returns {Promise<string | null>}
 */
export async function refusal(cryptoClient, incoming, from) {
  if (from !== incoming.creator) return 'sent by someone other than its creator';
  const id = await cryptoClient.groupId(incoming.creator, fromHex(incoming.nonce));
  if (id !== incoming.id) return 'its id does not belong to its creator';
  for (const member of incoming.members) {
    let fingerprint;
    try {
      ({ fingerprint } = await cryptoClient.inspectKey(fromBase64url(member.spki)));
    } catch {
      return 'a member key is not valid';
    }
    if (fingerprint !== member.fingerprint) return 'a member key does not match its fingerprint';
  }
  return null;
}

/**
 * Keeps a refused descriptor for the UI, newest first, the last few only.
 * @param {Refusal[]} refused @param {Refusal} refusal
 */
export function noteRefusal(refused, refusal) {
  refused.unshift(refusal);
  refused.length = Math.min(refused.length, REFUSED_KEPT);
}

/**
 * Whether `incoming` is news for the group we hold as `current` (a later
 * epoch; any epoch for a group new here).
 * @param {Group | undefined} current @param {Descriptor} incoming
 */
export const isNewer = (current, incoming) => !(current && incoming.epoch <= current.epoch);

/**
 * Adopts an accepted descriptor into `current` (a new group when there is
 * none: provisional when `restored` from the roaming profile; a known group
 * keeps its standing). We are out of it when it no longer lists us (`self`);
 * `secretChanged`: its room moved (someone was removed).
 * @param {Group | undefined} current @param {Descriptor} incoming @param {string} self @param {boolean} restored
 * @returns {{ g: Group, secretChanged: boolean }}
 */
export function applyDescriptor(current, incoming, self, restored) {
  const g = current ?? /** @type {Group} */ ({ id: incoming.id, provisional: restored });
  const secretChanged = !!current && current.secret !== incoming.secret;
  Object.assign(g, {
    nonce: incoming.nonce,
    secret: incoming.secret,
    name: incoming.name.slice(0, 100),
    creator: incoming.creator,
    epoch: incoming.epoch,
    members: incoming.members,
    removed: !hasMember(incoming, self),
  });
  return { g, secretChanged };
}

/**
 * Whether what members stated confirms a provisional group's epoch: its
 * creator says the same, or more than half the other members do and none
 * says later (a removed member alone, replaying the old list, is never
 * enough). A later epoch from anyone means ours is old: we wait for it.
 * @param {Group} g @param {string} self
 */
export function confirms(g, self) {
  const members = otherMembers(g, self);
  if (!members.length) return true; // nobody to hand a key to
  const said = (/** @type {string} */ fp) => g.heard?.get(fp);
  if (g.creator !== self && said(g.creator) === g.epoch) return true;
  if (members.some((fp) => (said(fp) ?? -Infinity) > g.epoch)) return false;
  return members.filter((fp) => said(fp) === g.epoch).length * 2 > members.length;
}

/**
 * Whether we, `g`'s creator (`self`), send our current list to `fingerprint`,
 * which stated the older `epoch`: once per epoch and page load (noted in
 * `g.resent`), and never from a list still provisional.
 * @param {Group} g @param {string} self @param {string} fingerprint @param {number} epoch
 */
export function owesUpdate(g, self, fingerprint, epoch) {
  if (g.creator !== self || g.provisional || !(epoch < g.epoch)) return false;
  const resent = (g.resent ??= new Set());
  const key = `${fingerprint} ${g.epoch}`;
  if (resent.has(key)) return false;
  resent.add(key);
  return true;
}
