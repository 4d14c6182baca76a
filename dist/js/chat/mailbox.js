// @ts-check
// The mailbox (DESIGN.md §6, docs/mailbox.md): the second path of the one
// outbox. When a contact has no direct session, what the direct path would
// carry — envelopes, acknowledgements, read receipts, small files' chunks,
// our mailbox address — is sealed with our identity key, wrapped by
// one-time keys (worker/src/mailbox.rs) and left on Nostr relays under the
// contact's mailbox key; our own mail comes back the same way.
//
// Who has which mailbox key is the address book's (chat/mailbox-addresses.js).

import { utf8 } from '../core/encoding.js';
import { mailboxDaysOf } from '../core/settings.js';
import { createMailboxRelays } from '../net/mailbox-relays.js';
import { watchWake } from '../net/backoff.js';
import { frameLimit } from '../net/protocol.js';
import { createEvents } from '../core/events.js';
import { createDeletions } from './mailbox-deletions.js';
import { createBundles } from './mailbox-bundles.js';
import { createParking } from './mailbox-parking.js';
import { MAX_INBOX_RELAYS, createAddresses, isLoopback } from './mailbox-addresses.js';

/**
 * What the mailbox hears from the relays: 'profile-record', an event of our
 * roaming profile (chat/profile-sync.js opens it); 'relay-open', a relay
 * (re)connected or took what we publish again (what no relay took may go
 * now); 'relays-changed', something the status shows of the relays changed;
 * 'heard-from', mail came from someone (whether they are reached only
 * through relays lately: reachedOnlyByRelays).
 * @typedef {{ 'profile-record': { event: unknown }, 'relay-open': { url: string }, 'relays-changed': {}, 'heard-from': { fingerprint: string } }} MailboxEventMap
 */

/** Frame types that may travel through the mailbox; everything else is live only. */
export const MAIL_TYPES = Object.freeze(['env', 'ack', 'read', 'file-chunk', 'profile']);
/**
 * What we leave on our own mailbox for our other devices (chat/mirror.js):
 * stored messages and what was read, sealed by our own identity. It is the
 * only type accepted from ourselves, and never accepted from anyone else.
 */
export const HISTORY_TYPE = 'history';
/** Largest history payload (the worker's limit for one seal is 260 KiB). */
const MAX_HISTORY_PAYLOAD = 256 * 1024;
/** History payloads held during a catch-up, at most (bytes), before they go anyway. */
const MAX_HELD_HISTORY_BYTES = 16 * 1024 * 1024;
/** Default days a wrap stays on relays (NIP-40 expiration). */
export const DEFAULT_RETENTION_DAYS = 14;
/** Relays we write to for all contacts together, at most (ours come first). */
const MAX_WRITE_RELAYS = 12;
const CURSORS_KEY = 'mailbox-cursors';
const SEEN_LIMIT = 10_000;
/** Someone we heard from through relays this recently, and not directly since, is reached "via relays". */
export const VIA_RELAYS_MS = 15 * 60_000;
/** Envelopes held for ordering during a catch-up, at most. */
const MAX_HELD = 1000;

/**
 * @typedef {import('./mailbox-addresses.js').Address} Address
 * @typedef {ReturnType<typeof createMailbox>} Mailbox
 * @typedef {{ id: string, nonce: string }} Wrap  a wrap of ours on the relays: its event's id, and the nonce that deletes it
 */

/**
 * deps: cryptoClient, store, identity ({fingerprint, mailboxKey}), sessions
 * (each new session is told our address), spkiOf(fingerprint) → the key of a
 * contact or group member (else null),
 * dispatch(fingerprint, link, type, data) → the frame handlers (may return
 * a promise, awaited before the wrap counts as handled). Our own history
 * from the relays goes to whoever registered with handleHistory (chat's
 * mirror), awaited before a catch-up counts as done. What else happens is
 * said on `events` (MailboxEventMap).
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   store: import('../core/store.js').Store,
 *   identity: import('../core/crypto-client.js').PublicSession,
 *   sessions: import('./chat.js').Sessions,
 *   spkiOf: (fingerprint: string) => Uint8Array | null,
 *   dispatch: (fingerprint: string, link: import('./chat.js').Link | null, type: string, data: Uint8Array) => unknown,
 *   timing?: { deletionDelay?: () => number, courier?: object },
 * }} deps
 */
export function createMailbox({ cryptoClient, store, identity, sessions, spkiOf, dispatch, timing = {} }) {
  /** @type {import('../core/events.js').Events<MailboxEventMap>} */
  const events = createEvents();
  /** @type {((payloads: Uint8Array[]) => unknown) | null} takes our own history from the relays (handleHistory) */
  let historyHandler = null;
  const cursors = savedCursors(store);
  /** wrap ids handled in this session (the same wrap comes from every relay) */
  const seen = new Set();
  /** @type {Map<string, number>} fingerprint -> when we last heard from them through relays */
  const heard = new Map();
  /** @type {Array<{sender: string, payload: Uint8Array}>} envelopes of a catch-up, until the relay sent all it held */
  const held = [];
  /** @type {Uint8Array[]} our own history payloads of a catch-up, handed over together once it is complete */
  const heldHistory = [];
  let heldHistoryBytes = 0;
  let retrying = false;
  /** contacts told our address through the mailbox in this session */
  const toldProfile = new Set();
  let ownRelays = /** @type {string[]} */ ([]);
  let retentionDays = DEFAULT_RETENTION_DAYS;
  /** The wraps of a seal that gave way (or was let go) are new to us again: a later catch-up may bring it. */
  const forget = (/** @type {string[]} */ wrapIds) => wrapIds.forEach((id) => seen.delete(id));
  const bundles = createBundles({ forget });
  const parking = createParking({ forget });
  const addresses = createAddresses({
    store,
    self: identity.fingerprint,
    onNew(_fingerprint, first) {
      relays.setUrls(ownRelays, writeRelays());
      // Someone new we can write to is usually someone new we can read: what waited for them may open now.
      if (first) queueMicrotask(() => retryParked().catch(() => {}));
    },
  });

  const relays = createMailboxRelays({
    mailboxKey: identity.mailboxKey,
    cursors,
    // A first catch-up looks back the retention and the two days a wrap may be dated early.
    retentionS: () => (retentionDays + 2) * 86_400,
    onEvent: receive,
    onCaughtUp: () => flushHeld(),
    authenticate: (/** @type {{ relay: string, challenge: string }} */ { relay, challenge }) =>
      cryptoClient.mailboxAuth({ relay, challenge, now: Math.floor(Date.now() / 1000) }),
    // A relay that wants AUTH before it takes what the courier carries gets
    // it from a key made for that one answer: nothing of ours.
    signAuth: (request) => authFromOneTimeKey(cryptoClient, request),
    profileAuthor: identity.profileAuthor ?? null,
    courier: timing.courier ?? {},
  });
  relays.events.on('status-changed', () => events.emit('relays-changed', {}));
  relays.events.on('profile-record', ({ event }) => events.emit('profile-record', { event }));
  relays.events.on('relay-open', ({ url }) => events.emit('relay-open', { url }));
  relays.events.on('reachable', ({ url }) => events.emit('relay-open', { url }));

  function writeRelays() {
    const extra = addresses.relays();
    return [...new Set([...ownRelays, ...extra])].slice(0, MAX_WRITE_RELAYS);
  }

  const profile = () => ourAddress(identity.mailboxKey, ownRelays);

  /**
   * One wrap from a relay: open, reassemble, then handle the seal it
   * completes. Resolves to false for junk (not a wrap for us, or a seal that
   * fails its check), to 'unverified' for a seal whose sender is not known
   * yet (net/mailbox-relays.js keeps the cursor where it is for pages of
   * nothing else).
   */
  async function receive(/** @type {any} */ event, /** @type {string} */ _url, /** @type {boolean} */ live) {
    if (!event || typeof event.id !== 'string' || seen.has(event.id)) return true;
    let fragment;
    try {
      fragment = await cryptoClient.mailboxUnwrap(event);
    } catch {
      return false; // not a well-formed wrap for us: a hostile or confused relay
    }
    // Seen only once its id is proven (unwrap checks id and signature): a
    // forged copy under a real wrap's id must not hide the real one.
    if (seen.has(event.id)) return true;
    seen.add(event.id);
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value ?? '');
    const whole = bundles.add(fragment, event.id);
    const createdAt = Number.isSafeInteger(event.created_at) ? event.created_at : Math.floor(Date.now() / 1000);
    return whole ? handleSeal(whole.seal, live, createdAt, whole.ids) : true;
  }

  /**
   * Checks a seal and hands its payload on. Envelopes of a catch-up are held
   * until the relay has sent all it held, then go in the order their senders
   * wrote them (relays return wraps in any order). A seal from someone we do
   * not know yet, or an envelope of a conversation we do not know yet, waits
   * (parked) for the invitation or contact that may follow.
   */
  async function handleSeal(/** @type {Uint8Array} */ seal, live = true, createdAt = Math.floor(Date.now() / 1000), wrapIds = /** @type {string[]} */ ([])) {
    let sender, opened;
    try {
      sender = await cryptoClient.mailboxSealSender(seal);
      const spki = sender === identity.fingerprint ? identity.spki : spkiOf(sender);
      if (!spki) {
        parking.park({ seal, claimed: sender, createdAt, wrapIds });
        return 'unverified';
      }
      opened = await cryptoClient.mailboxOpenSeal(seal, spki);
    } catch {
      return false; // forged or altered
    }
    const { type, payload } = opened;
    if (sender === identity.fingerprint) {
      // Our own history, from another device of ours (or this one, earlier).
      if (type !== HISTORY_TYPE || payload.length > MAX_HISTORY_PAYLOAD) return;
      if (live) {
        // Handled once the mirror has it; what the mirror resolves to is not the wrap's outcome.
        await historyHandler?.([payload]);
        return;
      }
      heldHistory.push(payload);
      heldHistoryBytes += payload.length;
      // Memory stays bounded on a long catch-up: what is held so far goes (sorted among itself).
      if (heldHistoryBytes > MAX_HELD_HISTORY_BYTES) await flushHistory();
      return;
    }
    if (!MAIL_TYPES.includes(type) || payload.length > frameLimit(type)) return;
    heard.set(sender, Date.now());
    events.emit('heard-from', { fingerprint: sender });
    if (type === 'profile') return addresses.learnProfile(sender, payload);
    if (type === 'env' && !live) {
      held.push({ sender, payload });
      if (held.length >= MAX_HELD) await flushEnvelopes();
      return;
    }
    const outcome = await dispatch(sender, linkFor(sender), type, payload);
    if (outcome === 'unknown') parking.park({ sender, type, payload, claimed: sender });
    else if (outcome === 'accepted') await retryParked();
    return true;
  }

  /** Envelopes held during a catch-up go to the inbox together, oldest first; then our own history. */
  async function flushHeld() {
    await flushEnvelopes();
    await flushHistory();
  }

  async function flushHistory() {
    const history = heldHistory.splice(0);
    heldHistoryBytes = 0;
    if (history.length) await historyHandler?.(history);
  }

  async function flushEnvelopes() {
    const batch = held.splice(0);
    if (!batch.length) return;
    const order = await inWritingOrder(cryptoClient, batch);
    const outcomes = await Promise.all(order.map(({ item }) => dispatch(item.sender, linkFor(item.sender), 'env', item.payload)));
    order.forEach(
      ({ item }, i) => outcomes[i] === 'unknown' && parking.park({ sender: item.sender, type: 'env', payload: item.payload, claimed: item.sender }),
    );
    if (outcomes.includes('accepted')) await retryParked();
  }

  /** Something new was accepted (a contact, a group, a conversation): what waited may fit now. */
  async function retryParked() {
    // Seals we let go whose sender is known now: read the relays again from their time.
    const rewindTo = parking.rewindFor((claimed) => Boolean(spkiOf(claimed)));
    if (rewindTo !== null) relays.rewind(rewindTo);
    if (retrying || !parking.size()) return;
    retrying = true;
    try {
      await parking.drain(async (item) => {
        if (item.seal) {
          if (!spkiOf(await cryptoClient.mailboxSealSender(item.seal).catch(() => ''))) return false;
          // Held like a catch-up's (not live): what a new contact had
          // waiting goes to the inbox in the order it was written, not
          // in the order the relays returned it.
          await handleSeal(item.seal, false, item.createdAt, item.wrapIds);
          return true;
        }
        if (!item.sender || !item.type || !item.payload) return true;
        return (await dispatch(item.sender, linkFor(item.sender), item.type, item.payload)) !== 'unknown';
      }, flushHeld);
    } finally {
      retrying = false;
    }
  }

  /**
   * Seals `data` of frame type `type` for `fingerprint` and leaves it on the
   * relays. Resolves to {wraps: [{id, nonce}], accepted}: whether at least
   * one relay took every wrap. Rejects when their mailbox key is unknown or
   * the payload cannot travel this way.
   */
  async function post(/** @type {string} */ fingerprint, /** @type {string} */ type, /** @type {Uint8Array} */ data) {
    const address = addresses.get(fingerprint);
    if (!address) throw Object.assign(new Error('mailbox: no mailbox key for this contact yet'), { code: 'no-mailbox' });
    if (!MAIL_TYPES.includes(type)) throw Object.assign(new Error(`mailbox: ${type} frames travel only directly`), { code: 'not-mail' });
    /** @type {Array<{id: string, nonce: string}>} */
    let companions = [];
    if (type !== 'profile' && !toldProfile.has(fingerprint)) {
      // First mail to them in this session: say where to answer. With an
      // envelope, its wraps are deleted with the envelope's once delivered.
      // Wrapped (and queued) first, but not waited for: what follows keeps
      // its place right behind it (net/courier.js keeps the order).
      toldProfile.add(fingerprint);
      try {
        const told = await wrapAndPublish(address, 'profile', utf8(JSON.stringify(profile())));
        told.accepted.then((ok) => ok || toldProfile.delete(fingerprint));
        if (type === 'env') companions = told.wraps;
      } catch {
        toldProfile.delete(fingerprint);
      }
    }
    const sent = await wrapAndPublish(address, type, data);
    return { wraps: [...sent.wraps, ...companions], accepted: await sent.accepted };
  }

  /**
   * Wraps `data` for `address` and queues the wraps for the relays at once;
   * resolves to their ids and nonces, and `accepted`: a promise of whether
   * at least one relay took every wrap.
   */
  async function wrapAndPublish(/** @type {Address} */ address, /** @type {string} */ type, /** @type {Uint8Array} */ data) {
    const now = Math.floor(Date.now() / 1000);
    const wrapped = await cryptoClient.mailboxWrap({ recipient: address.key, type, payload: data, now, retentionDays });
    const targets = [...new Set([...ownRelays, ...address.relays])];
    const published = Promise.all(wrapped.map(({ event }) => relays.publish(event, targets)));
    return {
      wraps: wrapped.map(({ event, nonce }) => ({ id: event.id, nonce })),
      accepted: published.then((results) => results.every((accepted) => accepted.length > 0)),
    };
  }

  /**
   * Leaves `data` (a history payload, chat/mirror.js) on the relays we read
   * from, for our other devices: sealed by our identity, wrapped for our own
   * mailbox key, kept as long as any mail (never deleted on delivery: every
   * device, and a fresh one, reads it). Resolves to whether a relay took it.
   */
  async function postHistory(/** @type {Uint8Array} */ data) {
    if (!ownRelays.length) return false;
    if (data.length > MAX_HISTORY_PAYLOAD) throw Object.assign(new Error('mailbox: history payload too large'), { code: 'too-large' });
    const now = Math.floor(Date.now() / 1000);
    const wrapped = await cryptoClient.mailboxWrap({
      recipient: identity.mailboxKey,
      type: HISTORY_TYPE,
      payload: data,
      now,
      retentionDays,
    });
    // Our own subscription brings them straight back: this device has them already.
    for (const { event } of wrapped) seen.add(event.id);
    // Apart from mail to contacts: beside it, our own history would name its sender.
    const results = await Promise.all(wrapped.map(({ event }) => relays.publish(event, ownRelays, { group: 'self' })));
    return results.every((accepted) => accepted.length > 0);
  }

  const deletions = createDeletions({
    store,
    cryptoClient,
    publish: (/** @type {any} */ deletion) => relays.publish(deletion, writeRelays(), { alone: true }),
    canSend: () => ownRelays.length > 0,
    delay: timing.deletionDelay,
  });

  // Every contact or member we meet directly learns our address from us.
  const stopWake = watchWake(() => relays.wake());
  const stopUp = sessions.onUp((/** @type {string} */ fingerprint, /** @type {{send: Function}} */ link) => {
    if (spkiOf(fingerprint)) link?.send('profile', utf8(JSON.stringify(profile()))).catch(() => {});
  });

  /** A link-like route to `fingerprint` through the relays, or null without a mailbox key. */
  function linkFor(/** @type {string} */ fingerprint) {
    if (!addresses.has(fingerprint)) return null;
    return {
      state: 'ready',
      via: 'relays',
      closeReason: null,
      /** @param {string} type @param {Uint8Array} data */
      send: async (type, data) => {
        const { accepted } = await post(fingerprint, type, data);
        if (!accepted) throw Object.assign(new Error('mailbox: no relay took it'), { code: 'not-accepted' });
      },
    };
  }

  return {
    /** What happens on the relays, by name (MailboxEventMap). */
    events: { on: events.on },
    /**
     * Registers who takes our own history from the relays (chat/mirror.js,
     * through chat): awaited before a catch-up counts as done; history that
     * comes before anyone registered is dropped (it stays on the relays).
     */
    handleHistory(/** @type {(payloads: Uint8Array[]) => unknown} */ handler) {
      historyHandler = handler;
    },
    /** Loads the directory and catch-up cursors, then starts reading. */
    async load() {
      await deletions.load();
      await addresses.load();
      await cursors.load();
    },
    /** Applies settings: the relays we read from (ours) and how long wraps live. */
    /** Settings as effectiveSettings() gives them: `mailboxRelays` are the relays we read our mail from. */
    configure(/** @type {{relays: string[], useNostr: boolean, mailboxRelays?: string[], mailboxDays?: number}} */ settings) {
      ownRelays = [...(settings.mailboxRelays ?? (settings.useNostr ? settings.relays : []))];
      retentionDays = mailboxDaysOf(settings);
      relays.setUrls(ownRelays, writeRelays());
    },
    /** Where `fingerprint`'s mail goes, learnt from 'self', 'link' or 'group' (chat/mailbox-addresses.js). */
    learn: addresses.learn,
    profile,
    post,
    postHistory,
    /** Leaves one of our roaming profile's records on the relays we read from. */
    publishProfile: (/** @type {any} */ event) => relays.publish(event, ownRelays, { group: 'self' }),
    linkFor,
    /** Their mailbox key, if known. */
    keyOf: (/** @type {string} */ fingerprint) => addresses.get(fingerprint)?.key ?? null,
    /** Whether they have written to us through the relays lately, with no direct session since. */
    reachedOnlyByRelays: (/** @type {string} */ fingerprint) => Date.now() - (heard.get(fingerprint) ?? 0) < VIA_RELAYS_MS && !sessions.linkTo(fingerprint),
    /**
     * Asks the relays to delete wraps of ours that were delivered (NIP-09) —
     * later, not now: a deletion sent at once would tell the relay when the
     * recipient read their mail. Each leaves alone, at a random time
     * DELETION_DELAY_MS after this call (kept across reloads), dated like a
     * wrap (up to two days back), on a connection of its own.
     */
    deleteWraps: deletions.add,
    /** Deletions waiting for their time (the test façade lets time pass with sendDeletionsNow). */
    deletionsWaiting: deletions.waiting,
    /** Sends every waiting deletion now, as if their time had come. */
    sendDeletionsNow: deletions.sendNow,
    /** A 'profile' frame over a direct session: their own word on their address. */
    receiveProfile(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      if (spkiOf(fingerprint)) addresses.learnProfile(fingerprint, data);
    },
    connected: relays.connected,
    status: relays.status,
    wake: relays.wake,
    close() {
      deletions.close();
      stopUp();
      stopWake();
      relays.close();
      events.clear();
    },
  };
}

/** A NIP-42 answer to `challenge` from `relay`, signed by a key made for it alone. */
async function authFromOneTimeKey(
  /** @type {import('../core/crypto-client.js').CryptoClient} */ cryptoClient,
  /** @type {{relay: string, challenge: string}} */ { relay, challenge },
) {
  const createdAt = Math.floor(Date.now() / 1000);
  const tags = [
    ['relay', relay],
    ['challenge', challenge],
  ];
  const signed = await cryptoClient.nostrSign({ createdAt, kind: 22242, tags, content: '', signer: 'once' });
  return { ...signed, created_at: createdAt, kind: 22242, tags, content: '' };
}

/** Envelopes of a catch-up in the order their senders wrote them (relays return wraps in any order). */
async function inWritingOrder(
  /** @type {import('../core/crypto-client.js').CryptoClient} */ cryptoClient,
  /** @type {Array<{sender: string, payload: Uint8Array}>} */ batch,
) {
  const order = await Promise.all(
    batch.map(async (item) => {
      try {
        const header = await cryptoClient.peekEnvelope(item.payload);
        return { item, at: header.timestampMs, lamport: header.lamport };
      } catch {
        return { item, at: 0, lamport: 0 };
      }
    }),
  );
  return order.sort((a, b) => a.at - b.at || a.lamport - b.lamport);
}

/** Where each relay's last completed catch-up got to (seconds), kept across sessions. */
function savedCursors(/** @type {import('../core/store.js').Store} */ store) {
  /** @type {Map<string, number>} relay url -> seconds */
  const cursors = new Map();
  return {
    get: (/** @type {string} */ url) => cursors.get(url),
    set(/** @type {string} */ url, /** @type {number} */ seconds) {
      cursors.set(url, seconds);
      store.put(CURSORS_KEY, Object.fromEntries(cursors)).catch(() => {});
    },
    async load() {
      for (const [url, seconds] of Object.entries((await store.get(CURSORS_KEY)) ?? {})) {
        if (Number.isSafeInteger(seconds)) cursors.set(url, seconds);
      }
    },
  };
}

/** Our address, as contacts need it (a loopback relay means another machine on theirs: not shared). */
const ourAddress = (/** @type {string} */ mailboxKey, /** @type {string[]} */ ownRelays) => ({
  mailbox: mailboxKey,
  relays: ownRelays.filter((url) => !isLoopback(url)).slice(0, MAX_INBOX_RELAYS),
  // Its time: a relay replaying an older profile of ours changes nothing.
  at: Date.now(),
});
