// @ts-check
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
 * Puts an alert banner `id` above the app, replacing an earlier one: its
 * `title`, its `lead` paragraph, then `parts`.
 * @param {HTMLElement} host
 * @param {string} id
 * @param {string} title
 * @param {string} lead
 * @param {...(Node | null)} parts
 * @returns {HTMLElement} the banner
 */
function showBanner(host, id, title, lead, ...parts) {
  host.querySelector(`#${id}`)?.remove();
  const banner = el('section', { id, className: 'card warning', role: 'alert' }, el('h2', { text: title }), el('p', { text: lead }), ...parts);
  host.prepend(banner);
  return banner;
}

/**
 * A paragraph of `label` and a bundle or file `hash` (in a code element with `id`, if given).
 * @param {string} label
 * @param {string | undefined} id
 * @param {string} hash
 */
const hashLine = (label, id, hash) => el('p', {}, label, el('code', { id, className: 'hash', text: hash }));

/** The paragraph that links to how a bundle is verified. */
const verifyLink = () => el('p', {}, el('a', { href: '#verify', text: 'How to verify a bundle' }));

/**
 * The mirror serves another sw.js than the pinned bundle lists: a loud warning with both hashes.
 * @param {HTMLElement} host
 * @param {import('../core/bundle-cache.js').ServiceWorkerChange} change
 */
function showServiceWorkerWarning(host, change) {
  const banner = showBanner(
    host,
    'sw-warning',
    'Warning: this mirror changed the code that guards your installed Trustero',
    'The mirror now serves a different service worker than the bundle you installed: it could change what runs after all Trustero tabs close.',
    hashLine('Your bundle lists sw.js as: ', 'sw-warning-pinned', change.pinned ?? 'nothing (its MANIFEST lists no sw.js)'),
    hashLine('The mirror serves sw.js as: ', 'sw-warning-served', change.served),
    change.waiting
      ? el('p', {
          id: 'sw-warning-waiting',
          text: 'Your browser has already fetched a new service worker from this mirror: it waits, and may start once every Trustero tab is closed.',
        })
      : null,
    el('p', {
      text: 'If the served hash is not the sw.js of a release you trust (compare it with the MANIFEST the project publishes), stop using this mirror: run Trustero from a copy on your own disk, which no server can change.',
    }),
    verifyLink(),
    el(
      'div',
      { className: 'row' },
      el('button', { type: 'button', className: 'ghost', id: 'sw-warning-hide', text: 'Hide until the next check', onclick: () => banner.remove() }),
    ),
  );
}

/**
 * Shows `offer` above the app, replacing an earlier offer.
 * @param {HTMLElement} host
 * @param {import('../core/bundle-cache.js').Offer} offer
 */
function showBundleOffer(host, offer) {
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
  const banner = showBanner(
    host,
    'update-offer',
    'This mirror now serves a different version of Trustero',
    'You keep running the version below until you choose to update. Compare the offered hash with the one the project publishes (or rebuild from source) before you trust it.',
    hashLine('Running: ', 'update-running', offer.running),
    hashLine('Offered: ', 'update-offered', offer.offered),
    offer.first && offer.first !== offer.running ? hashLine('First run in this browser: ', undefined, offer.first) : null,
    verifyLink(),
    el('div', { className: 'row' }, updateButton, keepButton),
    message,
  );
}
