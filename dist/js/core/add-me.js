// @ts-check
// The "add me" link, written and read in one place: this page's address
// with the public key (`add=`, base64url SPKI) and, since version 2, the
// mailbox key (`mb=`, where mail waits while its owner is away) in the
// fragment, which browsers never send to a server. The username is
// deliberately left out: it is half of the login.

import { decode as fromBase64url, encode as toBase64url } from './encoding.js';

const ADD = /[#&]add=([A-Za-z0-9_-]+)/;
const MAILBOX = /[#&]mb=([0-9a-f]{64})(?:&|$)/;

/**
 * The link for `spki` and `mailboxKey` on the page at `pageHref`; with
 * `pageHref` null (a page opened from disk has no address others can
 * open), the fragment alone, which "Add contact" in any copy accepts.
 * @param {Uint8Array} spki @param {string | null | undefined} mailboxKey @param {string | null} pageHref
 */
export function formatAddMe(spki, mailboxKey, pageHref) {
  const fragment = `add=${toBase64url(spki)}${mailboxKey ? `&mb=${mailboxKey}` : ''}`;
  if (pageHref === null) return `#${fragment}`;
  const page = new URL(pageHref);
  page.hash = fragment;
  return page.href;
}

/** Whether an address (or its fragment) carries an "add me" key. */
export const carriesAddMe = (/** @type {string} */ text) => ADD.test(text);

/**
 * The mailbox key an "add me" link carries (version 2 links: `&mb=`), or
 * null (a bare key, or a link from before the mailbox: those still work, and
 * the contact's mailbox key arrives over the first session instead).
 */
export function parseMailboxKey(/** @type {string | null | undefined} */ text) {
  return MAILBOX.exec((text ?? '').trim())?.[1] ?? null;
}

/** A public key from what a user pastes: base64url SPKI or an "add me" link. */
export function parsePublicKey(/** @type {string | null | undefined} */ text) {
  const trimmed = (text ?? '').trim();
  const fromLink = ADD.exec(trimmed);
  const encoded = fromLink ? fromLink[1] : trimmed.replace(/\s+/g, '');
  if (!encoded) throw Object.assign(new Error('Paste a public key or an “add me” link.'), { code: 'empty' });
  try {
    return fromBase64url(encoded);
  } catch {
    throw Object.assign(new Error('That is not a Trustero public key or “add me” link.'), { code: 'invalid-public-key' });
  }
}
