// @ts-check
// Network settings: which trackers, relays and ICE servers to use. Stored
// sealed in the vault; editable in the settings view.

/** Public WebTorrent trackers (the ones WebTorrent clients use). */
export const DEFAULT_TRACKERS = [
  'wss://tracker.openwebtorrent.com',
  'wss://tracker.webtorrent.dev',
  'wss://tracker.btorrent.xyz',
  'wss://tracker.files.fm:7073/announce',
];

/** Public Nostr relays: signalling (ephemeral events) and the mailbox (wraps, kind 1059). */
export const DEFAULT_RELAYS = ['wss://relay.damus.io', 'wss://nos.lol', 'wss://relay.snort.social', 'wss://relay.primal.net'];

/**
 * @typedef {{ urls: string[], username?: string, credential?: string }} IceServer
 * @typedef {{ trackers: string[], relays: string[], iceServers: IceServer[], useTrackers: boolean, useNostr: boolean, useLocalTracker: boolean,
 *   mailboxDays: number, groupConnections: number }} Settings
 * @typedef {Settings & { mailboxRelays: string[] }} EffectiveSettings  as the network and the mailbox use them (effectiveSettings)
 * @typedef {{ tracker: string | null, relay: string | null }} LocalServer  what `builder serve` offers (discoverLocalServer)
 * @typedef {{ readReceipts: boolean, typingIndicators: boolean, notifications: boolean, notificationPreview: boolean, sound: boolean,
 *   maxRooms: number, displayName: string }} Preferences
 * @typedef {import('./store.js').Store} Store
 */

/** A public STUN server helps peers behind NATs; not needed on a LAN. @type {IceServer[]} */
export const DEFAULT_ICE_SERVERS = [{ urls: ['stun:stun.l.google.com:19302'] }];

/** @type {Readonly<Settings>} */
export const DEFAULT_SETTINGS = Object.freeze({
  trackers: DEFAULT_TRACKERS,
  relays: DEFAULT_RELAYS,
  iceServers: DEFAULT_ICE_SERVERS,
  useTrackers: true,
  useNostr: true,
  useLocalTracker: true,
  // How long a message waits on relays for a contact who is away (NIP-40
  // expiration): one of MAILBOX_RETENTION_DAYS.
  mailboxDays: 14,
  // Direct connections each member of a group seeks (and takes up to twice
  // as many); the other members are reached through them (chat/forwarding.js).
  groupConnections: 6,
});
/** The range the settings form allows for `groupConnections`. */
export const GROUP_CONNECTIONS_RANGE = Object.freeze({ min: 2, max: 12 });

/**
 * The direct connections a group's room seeks, within the range whatever was stored (another version's device may have written it).
 * @param {{ groupConnections?: unknown } | null | undefined} settings
 */
export function groupConnectionsOf(settings) {
  const value = Number(settings?.groupConnections);
  if (!Number.isFinite(value)) return DEFAULT_SETTINGS.groupConnections;
  return Math.min(GROUP_CONNECTIONS_RANGE.max, Math.max(GROUP_CONNECTIONS_RANGE.min, Math.round(value)));
}

/**
 * The only numbers of days mail may wait on relays. Every wrap shows its
 * retention to relays (expiration − created_at), so everyone chooses from
 * the same few values: a day, a week, two weeks (the default), a month.
 * The worker refuses any other (worker/src/mailbox.rs RETENTION_DAYS, the
 * same list in tests/vectors/mailbox.json, checked against this one).
 */
export const MAILBOX_RETENTION_DAYS = Object.freeze([1, 7, 14, 30]);

/**
 * The retention mail is sent with: the allowed value nearest to the stored
 * one (an older version allowed any whole number from 1 to 60, and another
 * device of ours may have written anything); halfway between two, the
 * longer, so that mail waits at least as long as was asked where it can.
 * Not a number at all: the default.
 * @param {{ mailboxDays?: unknown } | null | undefined} settings
 */
export function mailboxDaysOf(settings) {
  const value = settings?.mailboxDays;
  if (typeof value !== 'number' || !Number.isFinite(value)) return DEFAULT_SETTINGS.mailboxDays;
  // Within the range first: distances to a huge number all round to one.
  const within = Math.min(MAILBOX_RETENTION_DAYS[MAILBOX_RETENTION_DAYS.length - 1], Math.max(MAILBOX_RETENTION_DAYS[0], value));
  let nearest = MAILBOX_RETENTION_DAYS[0];
  for (const days of MAILBOX_RETENTION_DAYS) if (Math.abs(days - within) <= Math.abs(nearest - within)) nearest = days;
  return nearest;
}

const SETTINGS_KEY = 'settings';

/** @param {string} text */
function isSocketUrl(text) {
  try {
    const url = new URL(text);
    return (url.protocol === 'wss:' || url.protocol === 'ws:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Parses one URL per line; returns {urls, errors}. @param {string} text @param {string} what */
export function parseUrls(text, what) {
  /** @type {string[]} */
  const urls = [];
  /** @type {string[]} */
  const errors = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    if (isSocketUrl(line)) {
      if (!urls.includes(line)) urls.push(line);
    } else {
      errors.push(`${what}: “${line}” is not a ws:// or wss:// address`);
    }
  }
  return { urls, errors };
}

/**
 * ICE servers, one per line: `stun:host:port` or
 * `turn:host:port username credential` (also turns:).
 * @param {string} text
 */
export function parseIceServers(text) {
  /** @type {IceServer[]} */
  const servers = [];
  /** @type {string[]} */
  const errors = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const [url, username, credential, ...extra] = line.split(/\s+/);
    if (extra.length || !/^(stun|turns?):[^\s]+$/.test(url)) {
      errors.push(`ICE server: “${line}” should be “stun:host:port” or “turn:host:port username credential”`);
    } else if (url.startsWith('turn') && (!username || !credential)) {
      errors.push(`ICE server: ${url} needs a username and a credential`);
    } else if (url.startsWith('stun') && username) {
      errors.push(`ICE server: ${url} takes no credentials`);
    } else {
      servers.push(username ? { urls: [url], username, credential } : { urls: [url] });
    }
  }
  return { servers, errors };
}

/** @param {IceServer[]} servers */
export function formatIceServers(servers) {
  return servers.map((s) => [s.urls[0], s.username, s.credential].filter(Boolean).join(' ')).join('\n');
}

/** @param {Store} store @returns {Promise<Settings>} */
export async function loadSettings(store) {
  const saved = await store.get(SETTINGS_KEY);
  return { ...DEFAULT_SETTINGS, ...(saved ?? {}) };
}

/** @param {Store} store @param {Settings} settings */
export async function saveSettings(store, settings) {
  await store.put(SETTINGS_KEY, settings);
}

/**
 * The tracker and mailbox relay built into `builder serve`, if this page
 * came from one: {tracker, relay} (each a URL or null), or null.
 * @returns {Promise<LocalServer | null>}
 */
export async function discoverLocalServer() {
  // A page opened from disk came from no server (and may fetch nothing).
  if (location.protocol === 'file:') return null;
  try {
    const response = await fetch('local-tracker', { cache: 'no-store', credentials: 'omit' });
    if (!response.ok) return null;
    const { announce, relay } = await response.json();
    const tracker = isSocketUrl(announce) ? announce : null;
    const mailbox = isSocketUrl(relay) ? relay : null;
    return tracker || mailbox ? { tracker, relay: mailbox } : null;
  } catch {
    return null;
  }
}

/**
 * Settings as the network and the mailbox use them: with the server's own
 * tracker and relay added when enabled. The server's relay keeps only
 * mailbox wraps, so it joins `mailboxRelays` (where our mail is read from),
 * not the signalling relays.
 * @param {Settings} settings
 * @param {LocalServer | null} local
 * @returns {EffectiveSettings}
 */
export function effectiveSettings(settings, local) {
  const trackers = [...settings.trackers];
  const mailboxRelays = settings.useNostr ? [...settings.relays] : [];
  if (settings.useLocalTracker && local?.tracker && !trackers.includes(local.tracker)) trackers.unshift(local.tracker);
  if (settings.useLocalTracker && local?.relay && !mailboxRelays.includes(local.relay)) mailboxRelays.unshift(local.relay);
  return { ...settings, trackers, mailboxRelays };
}

/** Chat preferences (sealed in the vault like everything else). */
/** @type {Readonly<Preferences>} */
export const DEFAULT_PREFERENCES = Object.freeze({
  readReceipts: true,
  typingIndicators: true,
  notifications: false,
  notificationPreview: true,
  sound: false,
  maxRooms: 50,
  // What contacts and group members see as your name ('' = "a contact").
  // Never derived from the login username, which stays in the crypto worker.
  displayName: '',
});

/** @param {Store} store @returns {Promise<Preferences>} */
export async function loadPreferences(store) {
  return { ...DEFAULT_PREFERENCES, ...((await store.get('preferences')) ?? {}) };
}

/** @param {Store} store @param {Preferences} preferences */
export async function savePreferences(store, preferences) {
  await store.put('preferences', preferences);
}

/**
 * Settings or preferences another device of ours saved, taken field by field
 * over `current`: only fields the defaults know, each of the defaults' type
 * (a record from our own devices is still checked like any input).
 * @template {object} T
 * @param {object} defaults
 * @param {T} current
 * @param {Record<string, unknown> | null | undefined} values  another device's record, unchecked
 * @returns {T}
 */
export function adoptKnown(defaults, current, values) {
  /** @type {Record<string, unknown>} */
  const next = { .../** @type {object} */ (current) };
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = values?.[key];
    if (value === undefined) continue;
    const sameKind = Array.isArray(fallback) ? Array.isArray(value) : typeof value === typeof fallback && value !== null;
    if (sameKind) next[key] = value;
  }
  return /** @type {T} */ (next);
}
