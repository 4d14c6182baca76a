// @ts-check
// The mailbox (DESIGN.md §6, docs/mailbox.md): the second path of the one
// outbox. When a contact has no direct session, what the direct path would
// carry — envelopes, acknowledgements, read receipts, small files' chunks,
// our mailbox address — is sealed with our identity key, wrapped by
// one-time keys (worker/src/mailbox.rs) and left on Nostr relays under the
// contact's mailbox key; our own mail comes back the same way.
//
// Who has which mailbox key (the directory) is learnt from three places, the
// most trustworthy winning: the contact's own authenticated word (a profile
// frame over a session, or a sealed profile through the mailbox), the "add
// me" link the user pasted, and a group descriptor made by a group's creator.

import { fromUtf8, utf8 } from '../core/encoding.js';
import { mailboxDaysOf } from '../core/settings.js';
import { createMailboxRelays } from '../net/mailbox-relays.js';
import { watchWake } from '../net/backoff.js';
import { frameLimit } from '../net/protocol.js';
import { createEvents } from '../core/events.js';

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
/** Relays a contact is told to write our mail to, at most. */
export const MAX_INBOX_RELAYS = 4;
/** Relays we write to for all contacts together, at most (ours come first). */
const MAX_WRITE_RELAYS = 12;
const DIRECTORY_KEY = 'mailbox-directory';
const CURSORS_KEY = 'mailbox-cursors';
/** Fragments of one seal wait this long for the others. */
const BUNDLE_TTL_MS = 10 * 60_000;
/** Incomplete seals held at once; past it, the one with the fewest fragments in gives way. */
export const MAX_BUNDLES = 64;
const SEEN_LIMIT = 10_000;
/** Someone we heard from through relays this recently, and not directly since, is reached "via relays". */
export const VIA_RELAYS_MS = 15 * 60_000;
/** Envelopes held for ordering during a catch-up, at most. */
const MAX_HELD = 1000;
/** Seals and envelopes waiting for their sender or conversation to become known, at most and how long. */
export const MAX_PARKED = 256;
/** Parked items one claimed sender may hold (a stranger claiming one name cannot push out the rest). */
export const MAX_PARKED_PER_SENDER = 16;
const PARK_TTL_MS = 30 * 60_000;
/** A deletion of delivered wraps leaves this long after delivery, at random (docs/mailbox.md "Deletions"). */
export const DELETION_DELAY_MS = Object.freeze({ min: 10 * 60_000, max: 2 * 3600_000 });
/** Deletions waiting to leave, at most (the wraps expire by themselves anyway). */
const MAX_DELETIONS = 2000;
const DELETIONS_KEY = 'mailbox-deletions';
/** How far back a deletion's created_at goes, at random, like a wrap's (worker/src/web/bindings/mailbox.rs). */
const DELETION_BACKDATE_S = 2 * 24 * 3600;
/** Where a directory entry came from: a better source replaces a worse one, never the reverse. */
const RANK = Object.freeze({ group: 1, link: 2, self: 3 });

/**
 * @typedef {{ key: string, relays: string[], rank: number, at?: number }} Address
 * @typedef {ReturnType<typeof createMailbox>} Mailbox
 */

const isKey = (/** @type {unknown} */ key) => typeof key === 'string' && /^[0-9a-f]{64}$/.test(key);
const isRelayUrl = (/** @type {unknown} */ url) => typeof url === 'string' && url.length <= 200 && /^wss?:\/\/[^\s"\\]+$/.test(url);

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
 * deps: cryptoClient, store, identity ({fingerprint, mailboxKey}), sessions
 * (each new session is told our address), spkiOf(fingerprint) → the key of a
 * contact or group member (else null),
 * dispatch(fingerprint, link, type, data) → the frame handlers (may return
 * a promise, awaited before the wrap counts as handled). Our own history
 * from the relays goes to whoever registered with handleHistory (chat's
 * mirror), awaited before a catch-up counts as done. What else happens is
 * said on `events` (MailboxEventMap).
 */
export function createMailbox({
  cryptoClient,
  store,
  identity,
  sessions,
  spkiOf,
  dispatch,
  timing = /** @type {{deletionDelay?: () => number, courier?: object}} */ ({}),
}) {
  /** @type {import('../core/events.js').Events<MailboxEventMap>} */
  const events = createEvents();
  /** @type {((payloads: Uint8Array[]) => unknown) | null} takes our own history from the relays (handleHistory) */
  let historyHandler = null;
  /** @type {Map<string, Address>} fingerprint -> where their mail goes */
  const directory = new Map();
  /** @type {Map<string, number>} relay url -> seconds of its last completed catch-up */
  const cursors = new Map();
  /** @type {Map<string, {parts: Array<Uint8Array | null>, at: number, received: number, ids: string[]}>} */
  const bundles = new Map();
  /** @type {Array<{id: string, nonce: string, due: number}>} deletions waiting for their time */
  let deletions = [];
  let deletionTimer = /** @type {any} */ (null);
  /** wrap ids handled in this session (the same wrap comes from every relay) */
  const seen = new Set();
  /** @type {Map<string, number>} fingerprint -> when we last heard from them through relays */
  const heard = new Map();
  /** @type {Array<{sender: string, payload: Uint8Array}>} envelopes of a catch-up, until the relay sent all it held */
  const held = [];
  /** @type {Uint8Array[]} our own history payloads of a catch-up, handed over together once it is complete */
  const heldHistory = [];
  let heldHistoryBytes = 0;
  /** @type {Array<{seal?: Uint8Array, sender?: string, type?: string, payload?: Uint8Array, claimed: string, at: number, createdAt: number, wrapIds?: string[]}>} */
  const parked = [];
  /** @type {Map<string, number>} claimed sender -> oldest created_at of its unchecked seals we had to let go */
  const letGo = new Map();
  let retrying = false;
  /** contacts told our address through the mailbox in this session */
  const toldProfile = new Set();
  let ownRelays = /** @type {string[]} */ ([]);
  let retentionDays = DEFAULT_RETENTION_DAYS;
  const deletionDelay = timing.deletionDelay ?? (() => DELETION_DELAY_MS.min + Math.random() * (DELETION_DELAY_MS.max - DELETION_DELAY_MS.min));

  const saveDirectory = () =>
    store.put(
      DIRECTORY_KEY,
      [...directory].map(([fingerprint, a]) => ({ fingerprint, key: a.key, relays: a.relays, rank: a.rank, at: a.at ?? 0 })),
    );

  const relays = createMailboxRelays({
    mailboxKey: identity.mailboxKey,
    cursors: {
      get: (/** @type {string} */ url) => cursors.get(url),
      set(/** @type {string} */ url, /** @type {number} */ seconds) {
        cursors.set(url, seconds);
        store.put(CURSORS_KEY, Object.fromEntries(cursors)).catch(() => {});
      },
    },
    // A first catch-up looks back the retention and the two days a wrap may be dated early.
    retentionS: () => (retentionDays + 2) * 86_400,
    onEvent: receive,
    onCaughtUp: () => flushHeld(),
    authenticate: ({ relay, challenge }) => cryptoClient.mailboxAuth({ relay, challenge, now: Math.floor(Date.now() / 1000) }),
    // A relay that wants AUTH before it takes what the courier carries gets
    // it from a key made for that one answer: nothing of ours.
    signAuth: async ({ relay, challenge }) => {
      const createdAt = Math.floor(Date.now() / 1000);
      const tags = [
        ['relay', relay],
        ['challenge', challenge],
      ];
      const signed = await cryptoClient.nostrSign({ createdAt, kind: 22242, tags, content: '', signer: 'once' });
      return { ...signed, created_at: createdAt, kind: 22242, tags, content: '' };
    },
    profileAuthor: identity.profileAuthor ?? null,
    courier: timing.courier ?? {},
  });
  relays.events.on('status-changed', () => events.emit('relays-changed', {}));
  relays.events.on('profile-record', ({ event }) => events.emit('profile-record', { event }));
  relays.events.on('relay-open', ({ url }) => events.emit('relay-open', { url }));
  relays.events.on('reachable', ({ url }) => events.emit('relay-open', { url }));

  function writeRelays() {
    const extra = [...directory.values()].flatMap((a) => a.relays);
    return [...new Set([...ownRelays, ...extra])].slice(0, MAX_WRITE_RELAYS);
  }

  /** Our address, as contacts need it (a loopback relay means another machine on theirs: not shared). */
  const profile = () => ({
    mailbox: identity.mailboxKey,
    relays: ownRelays.filter((url) => !isLoopback(url)).slice(0, MAX_INBOX_RELAYS),
    // Its time: a relay replaying an older profile of ours changes nothing.
    at: Date.now(),
  });

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
    const whole = reassemble(fragment, event.id);
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
        park({ seal, claimed: sender, createdAt, wrapIds });
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
      if (live) return historyHandler?.([payload]);
      heldHistory.push(payload);
      heldHistoryBytes += payload.length;
      // Memory stays bounded on a long catch-up: what is held so far goes (sorted among itself).
      if (heldHistoryBytes > MAX_HELD_HISTORY_BYTES) await flushHistory();
      return;
    }
    if (!MAIL_TYPES.includes(type) || payload.length > frameLimit(type)) return;
    heard.set(sender, Date.now());
    events.emit('heard-from', { fingerprint: sender });
    if (type === 'profile') return learnProfile(sender, payload);
    if (type === 'env' && !live) {
      held.push({ sender, payload });
      if (held.length >= MAX_HELD) await flushEnvelopes();
      return;
    }
    const outcome = await dispatch(sender, linkFor(sender), type, payload);
    if (outcome === 'unknown') park({ sender, type, payload, claimed: sender });
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
    order.sort((a, b) => a.at - b.at || a.lamport - b.lamport);
    const outcomes = await Promise.all(order.map(({ item }) => dispatch(item.sender, linkFor(item.sender), 'env', item.payload)));
    order.forEach(({ item }, i) => outcomes[i] === 'unknown' && park({ sender: item.sender, type: 'env', payload: item.payload, claimed: item.sender }));
    if (outcomes.includes('accepted')) await retryParked();
  }

  /**
   * Keeps what waits for its sender or conversation: bounded in time, in
   * all, and per claimed sender — someone who knows our mailbox address can
   * fill the space only at the expense of the names it claims: past the
   * bound, the claimed sender holding the most gives way first (its oldest).
   */
  function park(
    /** @type {{seal?: Uint8Array, sender?: string, type?: string, payload?: Uint8Array, claimed: string, createdAt?: number, wrapIds?: string[]}} */ item,
  ) {
    const now = Date.now();
    while (parked.length && now - parked[0].at > PARK_TTL_MS) parked.shift();
    const held = (/** @type {string} */ claimed) => parked.filter((p) => p.claimed === claimed).length;
    let victim = -1;
    if (held(item.claimed) >= MAX_PARKED_PER_SENDER) {
      victim = parked.findIndex((p) => p.claimed === item.claimed);
    } else if (parked.length >= MAX_PARKED) {
      // Checked envelopes are kept over unchecked seals; among those, the
      // claimed sender holding the most gives way first.
      const counts = new Map();
      for (const p of parked) if (p.seal) counts.set(p.claimed, (counts.get(p.claimed) ?? 0) + 1);
      const most = Math.max(0, ...counts.values());
      victim = most ? parked.findIndex((p) => p.seal && counts.get(p.claimed) === most) : 0;
    }
    if (victim >= 0) {
      const [gone] = parked.splice(victim, 1);
      // An unchecked seal let go may be real: once its sender becomes known,
      // the relays are read again from its time (retryParked), and its wraps
      // are new to us again.
      if (gone.seal) {
        letGo.set(gone.claimed, Math.min(letGo.get(gone.claimed) ?? Infinity, gone.createdAt));
        for (const id of gone.wrapIds ?? []) seen.delete(id);
      }
      while (letGo.size > MAX_PARKED) letGo.delete(letGo.keys().next().value ?? '');
    }
    parked.push({ ...item, at: now, createdAt: item.createdAt ?? Math.floor(now / 1000) });
  }

  /** Something new was accepted (a contact, a group, a conversation): what waited may fit now. */
  async function retryParked() {
    // Seals we let go whose sender is known now: read the relays again from their time.
    let rewindTo = Infinity;
    for (const [claimed, createdAt] of letGo) {
      if (!spkiOf(claimed)) continue;
      letGo.delete(claimed);
      rewindTo = Math.min(rewindTo, createdAt);
    }
    if (rewindTo !== Infinity) relays.rewind(rewindTo);
    if (retrying || !parked.length) return;
    retrying = true;
    try {
      let progress = true;
      while (progress && parked.length) {
        progress = false;
        for (const item of parked.splice(0)) {
          if (item.seal) {
            if (!spkiOf(await cryptoClient.mailboxSealSender(item.seal).catch(() => ''))) {
              parked.push(item);
              continue;
            }
            // Held like a catch-up's (not live): what a new contact had
            // waiting goes to the inbox in the order it was written, not
            // in the order the relays returned it.
            await handleSeal(item.seal, false, item.createdAt, item.wrapIds);
            progress = true;
          } else if (item.sender && item.type && item.payload) {
            const outcome = await dispatch(item.sender, linkFor(item.sender), item.type, item.payload);
            if (outcome === 'unknown') parked.push(item);
            else progress = true;
          }
        }
        await flushHeld();
      }
    } finally {
      retrying = false;
    }
  }

  /**
   * Collects the fragments of one seal. Bounded: past MAX_BUNDLES, the
   * incomplete seal with the fewest fragments in gives way (the oldest of
   * those) — junk of one fragment each cannot push out a real large message
   * that is arriving.
   */
  function reassemble(
    /** @type {{bundle: string, index: number, count: number, data: Uint8Array}} */ { bundle, index, count, data },
    /** @type {string} */ wrapId,
  ) {
    if (count === 1) return { seal: data, ids: [wrapId] };
    const now = Date.now();
    // A seal that gives way may come again (a later catch-up): its wraps are new to us again.
    const drop = (/** @type {string} */ id) => {
      for (const gone of bundles.get(id)?.ids ?? []) seen.delete(gone);
      bundles.delete(id);
    };
    for (const [id, b] of bundles) if (now - b.at > BUNDLE_TTL_MS) drop(id);
    let entry = bundles.get(bundle);
    if (!entry) {
      if (bundles.size >= MAX_BUNDLES) {
        let weakest = '';
        let fewest = Infinity;
        for (const [id, b] of bundles) {
          if (b.received < fewest) [weakest, fewest] = [id, b.received];
        }
        drop(weakest);
      }
      entry = { parts: Array(count).fill(null), at: now, received: 0, ids: [] };
      bundles.set(bundle, entry);
    }
    if (entry.parts.length !== count) return null;
    if (!entry.parts[index]) entry.received += 1;
    entry.parts[index] = data;
    entry.ids.push(wrapId);
    if (entry.parts.some((p) => !p)) return null;
    bundles.delete(bundle);
    const parts = /** @type {Uint8Array[]} */ (entry.parts);
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    return { seal: whole, ids: entry.ids };
  }

  /** A profile in `fingerprint`'s own words (a frame or a seal of theirs): their address. */
  function learnProfile(/** @type {string} */ fingerprint, /** @type {Uint8Array} */ data) {
    let parsed = null;
    try {
      parsed = parseProfile(JSON.parse(fromUtf8(data)));
    } catch {
      // malformed: ignored
    }
    if (!parsed) return;
    // Their own word, but perhaps an old one a relay replays: the newest counts.
    const known = directory.get(fingerprint);
    if (known && known.rank === RANK.self && (known.at ?? 0) > parsed.at) return;
    learn(fingerprint, parsed, 'self');
  }

  /**
   * Records where `fingerprint`'s mail goes, learnt from `source` ('self',
   * 'link' or 'group'); a less trustworthy source never replaces a better one.
   */
  function learn(
    /** @type {string} */ fingerprint,
    /** @type {{key: string, relays?: string[], at?: number}} */ address,
    /** @type {keyof typeof RANK} */ source,
  ) {
    if (fingerprint === identity.fingerprint || !isKey(address.key)) return false;
    const rank = RANK[source];
    const known = directory.get(fingerprint);
    if (known && known.rank > rank) return false;
    const relaysOf = (address.relays ?? []).filter(isRelayUrl).slice(0, MAX_INBOX_RELAYS);
    const at = Math.max(address.at ?? 0, known?.rank === rank ? (known.at ?? 0) : 0);
    if (known && known.key === address.key && known.rank === rank && JSON.stringify(known.relays) === JSON.stringify(relaysOf)) {
      if ((known.at ?? 0) < at) {
        known.at = at;
        saveDirectory().catch(() => {});
      }
      return false;
    }
    directory.set(fingerprint, { key: address.key, relays: relaysOf, rank, at });
    saveDirectory().catch(() => {});
    relays.setUrls(ownRelays, writeRelays());
    // Someone new we can write to is usually someone new we can read: what waited for them may open now.
    if (!known) queueMicrotask(() => retryParked().catch(() => {}));
    return true;
  }

  /**
   * Seals `data` of frame type `type` for `fingerprint` and leaves it on the
   * relays. Resolves to {wraps: [{id, nonce}], accepted}: whether at least
   * one relay took every wrap. Rejects when their mailbox key is unknown or
   * the payload cannot travel this way.
   */
  async function post(/** @type {string} */ fingerprint, /** @type {string} */ type, /** @type {Uint8Array} */ data) {
    const address = directory.get(fingerprint);
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

  const saveDeletions = () => store.put(DELETIONS_KEY, deletions).catch(() => {});

  /** Sends the deletions whose time has come, each alone; the next wait is set for the rest. */
  function scheduleDeletions() {
    clearTimeout(deletionTimer);
    if (!deletions.length) return;
    const next = Math.min(...deletions.map((d) => d.due));
    deletionTimer = setTimeout(sendDueDeletions, Math.max(0, Math.min(next - Date.now(), 2 ** 31 - 1)));
  }

  async function sendDueDeletions() {
    const now = Date.now();
    const due = deletions.filter((d) => d.due <= now);
    if (!due.length) return scheduleDeletions();
    if (!ownRelays.length) {
      // Nowhere to send them yet: look again in a minute.
      deletionTimer = setTimeout(sendDueDeletions, 60_000);
      return;
    }
    deletions = deletions.filter((d) => d.due > now);
    saveDeletions();
    scheduleDeletions();
    for (const { id, nonce } of due) {
      try {
        const createdAt = Math.floor(now / 1000) - Math.floor(Math.random() * DELETION_BACKDATE_S);
        const deletion = await cryptoClient.mailboxDeletion({ nonce, wrapId: id, now: createdAt });
        relays.publish(deletion, writeRelays(), { alone: true });
      } catch {
        // a malformed saved entry: the wrap expires by itself
      }
    }
  }

  // Every contact or member we meet directly learns our address from us.
  const stopWake = watchWake(() => relays.wake());
  const stopUp = sessions.onUp((/** @type {string} */ fingerprint, /** @type {{send: Function}} */ link) => {
    if (spkiOf(fingerprint)) link?.send('profile', utf8(JSON.stringify(profile()))).catch(() => {});
  });

  /** A link-like route to `fingerprint` through the relays, or null without a mailbox key. */
  function linkFor(/** @type {string} */ fingerprint) {
    if (!directory.has(fingerprint)) return null;
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
      const saved = await store.get(DELETIONS_KEY);
      if (Array.isArray(saved)) {
        deletions = saved.filter((d) => typeof d?.id === 'string' && typeof d?.nonce === 'string' && Number.isFinite(d?.due)).slice(-MAX_DELETIONS);
        scheduleDeletions();
      }
      for (const saved of (await store.get(DIRECTORY_KEY)) ?? []) {
        if (isKey(saved?.key))
          directory.set(saved.fingerprint, {
            key: saved.key,
            relays: (saved.relays ?? []).filter(isRelayUrl),
            rank: saved.rank ?? RANK.group,
            at: Number.isSafeInteger(saved.at) ? saved.at : 0,
          });
      }
      for (const [url, seconds] of Object.entries((await store.get(CURSORS_KEY)) ?? {})) {
        if (Number.isSafeInteger(seconds)) cursors.set(url, seconds);
      }
    },
    /** Applies settings: the relays we read from (ours) and how long wraps live. */
    /** Settings as effectiveSettings() gives them: `mailboxRelays` are the relays we read our mail from. */
    configure(/** @type {{relays: string[], useNostr: boolean, mailboxRelays?: string[], mailboxDays?: number}} */ settings) {
      ownRelays = [...(settings.mailboxRelays ?? (settings.useNostr ? settings.relays : []))];
      retentionDays = mailboxDaysOf(settings);
      relays.setUrls(ownRelays, writeRelays());
    },
    learn,
    profile,
    post,
    postHistory,
    /** Leaves one of our roaming profile's records on the relays we read from. */
    publishProfile: (/** @type {any} */ event) => relays.publish(event, ownRelays, { group: 'self' }),
    linkFor,
    /** Their mailbox key, if known. */
    keyOf: (/** @type {string} */ fingerprint) => directory.get(fingerprint)?.key ?? null,
    /** Whether they have written to us through the relays lately, with no direct session since. */
    reachedOnlyByRelays: (/** @type {string} */ fingerprint) => Date.now() - (heard.get(fingerprint) ?? 0) < VIA_RELAYS_MS && !sessions.linkTo(fingerprint),
    /**
     * Asks the relays to delete wraps of ours that were delivered (NIP-09) —
     * later, not now: a deletion sent at once would tell the relay when the
     * recipient read their mail. Each leaves alone, at a random time
     * DELETION_DELAY_MS after this call (kept across reloads), dated like a
     * wrap (up to two days back), on a connection of its own.
     */
    deleteWraps(/** @type {Array<{id: string, nonce: string}>} */ wraps) {
      const now = Date.now();
      for (const { id, nonce } of wraps) {
        if (typeof id !== 'string' || typeof nonce !== 'string' || deletions.some((d) => d.id === id)) continue;
        deletions.push({ id, nonce, due: now + deletionDelay() });
      }
      deletions = deletions.slice(-MAX_DELETIONS);
      saveDeletions();
      scheduleDeletions();
    },
    /** Deletions waiting for their time (the test façade lets time pass with sendDeletionsNow). */
    deletionsWaiting: () => deletions.length,
    /** Sends every waiting deletion now, as if their time had come. */
    sendDeletionsNow() {
      for (const deletion of deletions) deletion.due = 0;
      return sendDueDeletions();
    },
    /** A 'profile' frame over a direct session: their own word on their address. */
    receiveProfile(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
      if (spkiOf(fingerprint)) learnProfile(fingerprint, data);
    },
    connected: relays.connected,
    status: relays.status,
    wake: relays.wake,
    close() {
      clearTimeout(deletionTimer);
      stopUp();
      stopWake();
      relays.close();
      events.clear();
    },
  };
}
