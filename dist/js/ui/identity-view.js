// @ts-check
// The identity panel shown after login: public key, fingerprint and an
// "add me" link with its QR code, each copyable.

import { el, copyText } from './dom.js';
import { encode as base64url } from '../core/encoding.js';
import { formatAddMe } from '../core/add-me.js';
import { cleanDisplayName, MAX_DISPLAY_NAME } from '../chat/content.js';
import * as qr from './qr.js';

/** 64 hex digits in groups of four, as people compare them. @param {string} hex */
export function groupFingerprint(hex) {
  return /** @type {RegExpMatchArray} */ (hex.match(/.{4}/g)).join(' ');
}

/** Our "add me" link (core/add-me.js): from disk, the fragment alone. @param {Uint8Array} spki @param {string} mailboxKey */
const addMeLink = (spki, mailboxKey) => formatAddMe(spki, mailboxKey, location.protocol === 'file:' ? null : location.href);

/** A labelled read-only field and its copy button. @param {string} id @param {string} label @param {string} value @param {{ multiline?: boolean }} [options] */
function copyRow(id, label, value, { multiline = false } = {}) {
  const field = multiline
    ? el('textarea', { id, readOnly: true, rows: 4, spellcheck: false, value })
    : el('input', { id, readOnly: true, spellcheck: false, value });
  const done = el('span', { className: 'copied', 'aria-live': 'polite' });
  const button = el('button', {
    type: 'button',
    className: 'ghost',
    'data-copy': id,
    text: 'Copy',
    onclick: async () => {
      const ok = await copyText(value, field);
      done.textContent = ok ? 'Copied' : 'Press Ctrl+C to copy';
      setTimeout(() => {
        done.textContent = '';
      }, 2000);
    },
  });
  return [el('label', { for: id, text: label }), el('div', { className: 'row' }, field, button, done)];
}

/**
 * The display name form: what others see as your name. `show(name)` puts a
 * name that changed elsewhere (another device of ours) in the field, unless
 * the user is editing it.
 * @param {{ displayName?: string }} preferences @param {(displayName: string) => Promise<void>} onSave
 */
function displayNameForm(preferences, onSave) {
  const input = el('input', {
    id: 'display-name',
    maxLength: MAX_DISPLAY_NAME,
    value: preferences.displayName ?? '',
    placeholder: 'a contact',
    autocomplete: 'off',
    spellcheck: false,
  });
  const message = el('span', { id: 'display-name-message', className: 'hint', role: 'status' });
  /** Typed in since the last save: a name from elsewhere does not overwrite it. */
  let edited = false;
  const save = el('button', {
    type: 'button',
    className: 'ghost',
    id: 'display-name-save',
    text: 'Save',
    onclick: async () => {
      const name = cleanDisplayName(input.value);
      input.value = name;
      await onSave(name);
      edited = false;
      message.textContent = 'Saved';
    },
  });
  input.addEventListener('input', () => {
    edited = true;
  });
  const show = (/** @type {string} */ name) => {
    if (edited || document.activeElement === input || input.value === name) return;
    input.value = name;
  };
  const nodes = [
    el('label', { for: 'display-name', text: 'Display name (shown to your contacts and group members with your messages)' }),
    el('div', { className: 'row' }, input, save, message),
    el('p', {
      className: 'hint',
      text: 'Pick any name: it is not your login. Your username never leaves this tab’s crypto worker. Empty shows you as “a contact”.',
    }),
  ];
  return { nodes, show };
}

/**
 * The identity panel: display name, fingerprint, public key, add-me link and
 * QR code. `showDisplayName(name)`: the name changed elsewhere. Without
 * `preferences`, no display name form.
 * @param {import('./login-view.js').Identity} identity
 * @param {{ preferences?: { displayName?: string }, onSaveDisplayName?: (displayName: string) => Promise<void> }} [options]
 */
export function identityPanel(identity, { preferences, onSaveDisplayName } = {}) {
  const nameForm = preferences && onSaveDisplayName ? displayNameForm(preferences, onSaveDisplayName) : null;
  const spkiText = base64url(identity.spki);
  const link = addMeLink(identity.spki, identity.mailboxKey);
  const code = qr.encode(link, 'M');
  const canvas = qr.toCanvas(code, 3);
  canvas.id = 'add-me-qr';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'QR code of your add-me link');

  const panel = el(
    'section',
    { id: 'identity', className: 'card' },
    el('h2', { text: 'Your identity' }),
    ...(nameForm?.nodes ?? []),
    el('p', {
      className: 'hint',
      text: `RSA-${identity.bits} identity, derived in ${(identity.derivedMs / 1000).toFixed(1)} s. Your private key stays inside this tab's crypto worker and is forgotten when you log out or close the tab.`,
    }),
    el('label', { text: 'Fingerprint' }),
    el('p', { id: 'fingerprint', className: 'fingerprint', text: groupFingerprint(identity.fingerprint) }),
    ...copyRow('fingerprint-hex', 'Fingerprint (for copying)', identity.fingerprint),
    ...copyRow('public-key', 'Public key (share it with friends)', spkiText, { multiline: true }),
    ...copyRow('add-me-link', location.protocol === 'file:' ? '“Add me” code' : '“Add me” link', link),
    location.protocol === 'file:'
      ? el('p', {
          className: 'hint',
          id: 'add-me-from-disk',
          text: 'This copy runs from your disk, so it has no web address to share: friends paste this code into “Add contact” in their copy of Trustero, or scan it.',
        })
      : null,
    el(
      'figure',
      { className: 'qr' },
      canvas,
      el('figcaption', { text: 'Friends can scan this to add you. It holds your public key and the address of your mailbox on relays, nothing else.' }),
    ),
  );
  return { element: panel, showDisplayName: (/** @type {string} */ name) => nameForm?.show(name) };
}
