// What the bundle watcher (core/bundle-cache.js) finds: the offer of a
// different bundle (both hashes, how to verify, and the user's choice;
// nothing switches until they choose), and the warning that the mirror
// serves a service worker the pinned bundle does not list (which the browser
// may start without asking anyone).

import { el } from './dom.js';

/**
 * Shows what the watcher found above the app, replacing an earlier one of its kind.
 * @param {HTMLElement} host  where the banner goes (the page's body)
 * @param {import('../core/bundle-cache.js').Offer | import('../core/bundle-cache.js').ServiceWorkerChange} found
 */
export function showUpdateOffer(host, found) {
  if (found.kind === 'service-worker') showServiceWorkerWarning(host, found);
  else showBundleOffer(host, found);
}

/**
 * The mirror serves another sw.js than the pinned bundle lists: a loud warning with both hashes.
 * @param {HTMLElement} host
 * @param {import('../core/bundle-cache.js').ServiceWorkerChange} change
 */
function showServiceWorkerWarning(host, change) {
  host.querySelector('#sw-warning')?.remove();
  const banner = el(
    'section',
    { id: 'sw-warning', className: 'card warning', role: 'alert' },
    el('h2', { text: 'Warning: this mirror changed the code that guards your installed Trustero' }),
    el('p', {
      text: 'The mirror now serves a different service worker than the bundle you installed: it could change what runs after all Trustero tabs close.',
    }),
    el(
      'p',
      {},
      'Your bundle lists sw.js as: ',
      el('code', { id: 'sw-warning-pinned', className: 'hash', text: change.pinned ?? 'nothing (its MANIFEST lists no sw.js)' }),
    ),
    el('p', {}, 'The mirror serves sw.js as: ', el('code', { id: 'sw-warning-served', className: 'hash', text: change.served })),
    change.waiting
      ? el('p', {
          id: 'sw-warning-waiting',
          text: 'Your browser has already fetched a new service worker from this mirror: it waits, and may start once every Trustero tab is closed.',
        })
      : null,
    el('p', {
      text: 'If the served hash is not the sw.js of a release you trust (compare it with the MANIFEST the project publishes), stop using this mirror: run Trustero from a copy on your own disk, which no server can change.',
    }),
    el('p', {}, el('a', { href: '#verify', text: 'How to verify a bundle' })),
    el(
      'div',
      { className: 'row' },
      el('button', { type: 'button', className: 'ghost', id: 'sw-warning-hide', text: 'Hide until the next check', onclick: () => banner.remove() }),
    ),
  );
  host.prepend(banner);
}

/**
 * Shows `offer` above the app, replacing an earlier offer.
 * @param {HTMLElement} host
 * @param {import('../core/bundle-cache.js').Offer} offer
 */
function showBundleOffer(host, offer) {
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
