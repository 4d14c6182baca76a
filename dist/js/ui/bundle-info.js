// @ts-check
// The footer's bundle hash: SHA-256 of the MANIFEST this copy was served with,
// computed in the crypto worker. It tells a user which build they are running;
// `builder verify --url` checks every file against a rebuild from source.

/**
 * Shows the hash; resolves to it (null when it could not be read).
 * @param {import('../core/crypto-client.js').CryptoClient} cryptoClient
 * @param {{ hash: HTMLElement, url?: HTMLElement | null }} where  the hash's element, and the element that shows this copy's address
 */
export async function showBundleHash(cryptoClient, { hash, url }) {
  if (url) url.textContent = new URL('.', location.href).href;
  if (location.protocol === 'file:') {
    // A page on disk can read no file beside it: the user checks the folder.
    hash.textContent = 'of this folder: run sha256sum MANIFEST there';
    hash.title = 'A page opened from disk cannot read its MANIFEST; sha256sum -c MANIFEST checks every file';
    return null;
  }
  try {
    const response = await fetch('MANIFEST', { cache: 'no-cache', credentials: 'omit' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const digest = await cryptoClient.sha256(new Uint8Array(await response.arrayBuffer()));
    hash.textContent = digest;
    hash.title = 'SHA-256 of MANIFEST';
    return digest;
  } catch (error) {
    hash.textContent = 'unknown (MANIFEST could not be read)';
    hash.title = String(error.message ?? error);
    return null;
  }
}
