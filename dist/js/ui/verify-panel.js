// @ts-check
// A contact's safety number: compare it with them, and mark them verified.

import { el, replaceChildren } from './dom.js';
import { groupFingerprint } from './identity-view.js';

/** @typedef {import('./home-view.js').Services['contacts']} Contacts */

/**
 * Draws into `verifyPanel` the safety number shared with `contact`, their
 * fingerprint and the "verified" check; onChanged() after the check changed.
 * @param {HTMLElement} verifyPanel
 * @param {{ contacts: Contacts, contact: NonNullable<ReturnType<Contacts['get']>>, onChanged: () => void }} shown
 */
export async function renderVerifyPanel(verifyPanel, { contacts, contact, onChanged }) {
  const number = await contacts.safetyNumber(contact.fingerprint);
  const check = el('input', {
    type: 'checkbox',
    className: 'verified-check',
    checked: contact.verified,
    onchange: async () => {
      await contacts.setVerified(contact.fingerprint, check.checked);
      onChanged();
    },
  });
  replaceChildren(
    verifyPanel,
    el('p', {
      text: `Compare this safety number with ${contacts.title(contact)}, in person or on a call. If it is the same on both screens, nobody is in the middle.`,
    }),
    el('p', { className: 'safety-number', text: number }),
    el('p', { className: 'hint', text: `Their fingerprint: ${groupFingerprint(contact.fingerprint)}` }),
    el('label', { className: 'check' }, check, ' I compared it: mark as verified'),
  );
}
