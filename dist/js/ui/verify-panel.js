// A contact's safety number: compare it with them, and mark them verified.

import { el, replaceChildren } from './dom.js';
import { groupFingerprint } from './identity-view.js';

/**
 * Draws into `verifyPanel` the safety number shared with `contact`, their
 * fingerprint and the "verified" check; onChanged() after the check changed.
 */
export async function renderVerifyPanel(verifyPanel, { contacts: friends, contact: friend, onChanged }) {
  const number = await friends.safetyNumber(friend.fingerprint);
  const check = el('input', {
    type: 'checkbox',
    className: 'verified-check',
    checked: friend.verified,
    onchange: async () => {
      await friends.setVerified(friend.fingerprint, check.checked);
      onChanged();
    },
  });
  replaceChildren(
    verifyPanel,
    el('p', {
      text: `Compare this safety number with ${friends.title(friend)}, in person or on a call. If it is the same on both screens, nobody is in the middle.`,
    }),
    el('p', { className: 'safety-number', text: number }),
    el('p', { className: 'hint', text: `Their fingerprint: ${groupFingerprint(friend.fingerprint)}` }),
    el('label', { className: 'check' }, check, ' I compared it: mark as verified'),
  );
}
