// @ts-check
// Who has which mailbox key, and which relays they read: the mailbox's
// address book. An address is learnt from three places, the most
// trustworthy winning: the contact's own authenticated word (a profile
// frame over a session, or a sealed profile through the mailbox), the "add
// me" link the user pasted, and a group descriptor made by a group's creator.

import { fromUtf8 } from '../core/encoding.js';

/** Inbox relays a profile may name, at most. */
export const MAX_INBOX_RELAYS = 4;
const DIRECTORY_KEY = 'mailbox-directory';
/** Where an address came from: a better source replaces a worse one, never the reverse. */
const RANK = Object.freeze({ group: 1, link: 2, self: 3 });

/**
 * @typedef {{ key: string, relays: string[], rank: number, at?: number }} Address
 * @typedef {keyof typeof RANK} AddressSource
 */

export const isKey = (/** @type {unknown} */ key) => typeof key === 'string' && /^[0-9a-f]{64}$/.test(key);
export const isRelayUrl = (/** @type {unknown} */ url) => typeof url === 'string' && url.length <= 200 && /^wss?:\/\/[^\s"\\]+$/.test(url);

/** Whether a relay URL names this machine (localhost, 127.x, ::1). */
export function isLoopback(/** @type {string} */ url) {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]';
  } catch {
    return false;
  }
}

/**
 * A profile (mailbox key, inbox relays, and when it was written: `at`, ms,
 * 0 for a profile of a version that did not say) as received, or null if
 * malformed.
 */
export function parseProfile(/** @type {unknown} */ value) {
  const profile = /** @type {{mailbox?: unknown, relays?: unknown, at?: unknown}} */ (value);
  if (!profile || !isKey(profile.mailbox)) return null;
  const relays = Array.isArray(profile.relays) ? profile.relays.filter(isRelayUrl).slice(0, MAX_INBOX_RELAYS) : [];
  const at = Number.isSafeInteger(profile.at) && /** @type {number} */ (profile.at) > 0 ? /** @type {number} */ (profile.at) : 0;
  return { key: /** @type {string} */ (profile.mailbox), relays, at };
}

/**
 * store: where the book is kept; self: our fingerprint (never in the book);
 * onNew(fingerprint, first): an address was added or changed (`first`: we
 * had none for them).
 * @param {{ store: import('../core/store.js').Store, self: string, onNew: (fingerprint: string, first: boolean) => void }} deps
 */
export function createAddresses({ store, self, onNew }) {
  /** @type {Map<string, Address>} fingerprint -> where their mail goes */
  const book = new Map();
  const save = () =>
    store
      .put(
        DIRECTORY_KEY,
        [...book].map(([fingerprint, a]) => ({ fingerprint, key: a.key, relays: a.relays, rank: a.rank, at: a.at ?? 0 })),
      )
      .catch(() => {});

  /**
   * Records where `fingerprint`'s mail goes, learnt from `source` ('self',
   * 'link' or 'group'); a less trustworthy source never replaces a better
   * one. Whether it changed anything.
   */
  function learn(/** @type {string} */ fingerprint, /** @type {{key: string, relays?: string[], at?: number}} */ address, /** @type {AddressSource} */ source) {
    if (fingerprint === self || !isKey(address.key)) return false;
    const rank = RANK[source];
    const known = book.get(fingerprint);
    if (known && known.rank > rank) return false;
    const relaysOf = (address.relays ?? []).filter(isRelayUrl).slice(0, MAX_INBOX_RELAYS);
    const at = Math.max(address.at ?? 0, known?.rank === rank ? (known.at ?? 0) : 0);
    if (known && known.key === address.key && known.rank === rank && JSON.stringify(known.relays) === JSON.stringify(relaysOf)) {
      if ((known.at ?? 0) < at) {
        known.at = at;
        save();
      }
      return false;
    }
    book.set(fingerprint, { key: address.key, relays: relaysOf, rank, at });
    save();
    onNew(fingerprint, !known);
    return true;
  }

  return {
    learn,
    /** A profile in `fingerprint`'s own words (a frame or a seal of theirs): their address. */
    learnProfile(/** @type {string} */ fingerprint, /** @type {Uint8Array} */ data) {
      let parsed = null;
      try {
        parsed = parseProfile(JSON.parse(fromUtf8(data)));
      } catch {
        // malformed: ignored
      }
      if (!parsed) return;
      // Their own word, but perhaps an old one a relay replays: the newest counts.
      const known = book.get(fingerprint);
      if (known && known.rank === RANK.self && (known.at ?? 0) > parsed.at) return;
      learn(fingerprint, parsed, 'self');
    },
    async load() {
      for (const saved of (await store.get(DIRECTORY_KEY)) ?? []) {
        if (isKey(saved?.key))
          book.set(saved.fingerprint, {
            key: saved.key,
            relays: (saved.relays ?? []).filter(isRelayUrl),
            rank: saved.rank ?? RANK.group,
            at: Number.isSafeInteger(saved.at) ? saved.at : 0,
          });
      }
    },
    get: (/** @type {string} */ fingerprint) => book.get(fingerprint),
    has: (/** @type {string} */ fingerprint) => book.has(fingerprint),
    /** Every relay someone we write to reads. */
    relays: () => [...book.values()].flatMap((a) => a.relays),
  };
}
