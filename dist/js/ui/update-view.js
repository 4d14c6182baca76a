// The offer of a different bundle (core/bundle-cache.js): both hashes, how
// to verify, and the user's choice. Nothing switches until they choose.

import { el } from './dom.js';

/**
 * Shows `offer` above the app, replacing an earlier offer.
 * @param {HTMLElement} host  where the banner goes (the page's body)
 * @param {import('../core/bundle-cache.js').Offer} offer
 */
export function showUpdateOffer(host, offer) {
  host.querySelector('#update-offer')?.remove();
  const message = el('p', { id: 'update-message', role: 'status' });
  const updateButton = el('button', {
    type: 'button',
    className: 'primary',
    id: 'update-now',
    text: 'Update now',
    onclick: async () => {
      updateButton.disabled = true;
      keepButton.disabled = true;
      message.textContent = 'Fetching the new bundle and checking every file against its MANIFEST…';
      try {
        await offer.update();
      } catch (error) {
        message.textContent = `Not updated: ${/** @type {Error} */ (error).message}. You keep running the current version.`;
        updateButton.disabled = false;
        keepButton.disabled = false;
      }
    },
  });
  const keepButton = el('button', {
    type: 'button',
    className: 'ghost',
    id: 'update-keep',
    text: 'Keep the current version for now',
    onclick: () => {
      offer.keep();
      banner.remove();
    },
  });
  const banner = el(
    'section',
    { id: 'update-offer', className: 'card warning', role: 'alert' },
    el('h2', { text: 'This mirror now serves a different version of Trustero' }),
    el('p', {
      text: 'You keep running the version below until you choose to update. Compare the offered hash with the one the project publishes (or rebuild from source) before you trust it.',
    }),
    el('p', {}, 'Running: ', el('code', { id: 'update-running', className: 'hash', text: offer.running })),
    el('p', {}, 'Offered: ', el('code', { id: 'update-offered', className: 'hash', text: offer.offered })),
    offer.first && offer.first !== offer.running ? el('p', {}, 'First run in this browser: ', el('code', { className: 'hash', text: offer.first })) : null,
    el('p', {}, el('a', { href: '#verify', text: 'How to verify a bundle' })),
    el('div', { className: 'row' }, updateButton, keepButton),
    message,
  );
  host.prepend(banner);
}
