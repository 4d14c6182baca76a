// @ts-check
// The mailbox's words with a relay it reads from (NIP-01, NIP-42), without
// the socket: the requests it sends, and what a message the relay sent
// means to it. net/mailbox-relays.js acts on them.

/** NIP-59 gift-wrap kind. */
export const WRAP_KIND = 1059;
/** NIP-78 addressable application data: the roaming profile's records. */
export const PROFILE_KIND = 30078;
/** The subscription to our mailbox: a catch-up's first page, then new wraps live. */
const SUBSCRIPTION = 'trustero-mailbox';
/** The second subscription per relay: our roaming profile's records. */
const PROFILE_SUBSCRIPTION = 'trustero-profile';
/** The third, short-lived: one older page of a catch-up at a time. */
const PAGE_SUBSCRIPTION = 'trustero-mailbox-older';
/** A longer challenge is not one we answer. */
const MAX_CHALLENGE = 512;

/**
 * Asks for the wraps addressed to `mailboxKey` created since `since`. No
 * `until`: the same subscription brings new wraps live, whose created_at lie
 * in the past by up to two days but can be later than any bound set now
 * (the catch-up applies its bound itself).
 * @param {string} mailboxKey @param {number} since
 */
export const mailboxRequest = (mailboxKey, since) => ['REQ', SUBSCRIPTION, { kinds: [WRAP_KIND], '#p': [mailboxKey], since }];

/** Asks for one older page of a catch-up: the wraps from `since` to `until`. @param {string} mailboxKey @param {number} since @param {number} until */
export const olderPageRequest = (mailboxKey, since, until) => ['REQ', PAGE_SUBSCRIPTION, { kinds: [WRAP_KIND], '#p': [mailboxKey], since, until }];

/** Ends the older page's subscription. */
export const closeOlderPage = () => ['CLOSE', PAGE_SUBSCRIPTION];

/** Asks for our roaming profile's records (a relay keeps only the latest of each). @param {string} author */
export const profileRequest = (author) => ['REQ', PROFILE_SUBSCRIPTION, { kinds: [PROFILE_KIND], authors: [author] }];

/** Answers a NIP-42 challenge with a signed event. @param {unknown} event */
export const authMessage = (event) => ['AUTH', event];

/**
 * What a relay's message means to the mailbox: 'wrap' (a wrap on our
 * subscription), 'older-wrap' (one of an older page), 'profile-record',
 * 'stored-end' (EOSE: the relay sent all it holds for our subscription),
 * 'page-end' (for the older page), 'ok' (its answer to an event we sent
 * it: here, our AUTH), 'notice', 'closed' (it closed our subscription,
 * `reason` says why), 'page-closed' (it closed the older page's), and
 * 'challenge' (NIP-42).
 * @typedef {{ type: 'wrap' | 'older-wrap' | 'profile-record', event: unknown }
 *   | { type: 'stored-end' | 'page-end' }
 *   | { type: 'ok', id: string, accepted: boolean, message: unknown }
 *   | { type: 'notice', text: unknown }
 *   | { type: 'closed' | 'page-closed', reason: unknown }
 *   | { type: 'challenge', challenge: string }} RelayMessage
 */

/** Which kind of event each of our subscriptions carries. */
/** @type {Readonly<Record<string, 'wrap' | 'older-wrap' | 'profile-record'>>} */
const EVENT_TYPES = Object.freeze({ [SUBSCRIPTION]: 'wrap', [PAGE_SUBSCRIPTION]: 'older-wrap', [PROFILE_SUBSCRIPTION]: 'profile-record' });

/**
 * Interprets a message a relay sent (parsed JSON, anything at all); null
 * for whatever means nothing to the mailbox (another subscription, an
 * unknown type, a malformed message).
 * @param {unknown} message @returns {RelayMessage | null}
 */
export function interpretMessage(message) {
  if (!Array.isArray(message)) return null;
  const [type, ...rest] = message;
  if (type === 'EVENT' && typeof rest[0] === 'string' && Object.hasOwn(EVENT_TYPES, rest[0])) {
    return { type: EVENT_TYPES[rest[0]], event: rest[1] };
  }
  if (type === 'EOSE' && rest[0] === SUBSCRIPTION) return { type: 'stored-end' };
  if (type === 'EOSE' && rest[0] === PAGE_SUBSCRIPTION) return { type: 'page-end' };
  if (type === 'OK') return typeof rest[0] === 'string' ? { type: 'ok', id: rest[0], accepted: rest[1] === true, message: rest[2] } : null;
  if (type === 'NOTICE') return { type: 'notice', text: rest[0] };
  if (type === 'CLOSED' && rest[0] === SUBSCRIPTION) return { type: 'closed', reason: rest[1] };
  if (type === 'CLOSED' && rest[0] === PAGE_SUBSCRIPTION) return { type: 'page-closed', reason: rest[1] };
  if (type === 'AUTH' && typeof rest[0] === 'string' && rest[0].length <= MAX_CHALLENGE) return { type: 'challenge', challenge: rest[0] };
  return null;
}
