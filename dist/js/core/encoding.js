// @ts-check
// Byte encodings used on the wire and in links: base64url (RFC 4648 §5,
// unpadded) for public keys in links, base64 for sealed signalling blobs,
// hex for ids, UTF-8 for JSON.

/** @param {Uint8Array} bytes */
function toBinary(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return binary;
}

/** base64url, unpadded. @param {Uint8Array} bytes */
export function encode(bytes) {
  return btoa(toBinary(bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** @param {string} text  base64url, unpadded */
export function decode(text) {
  const clean = text.trim();
  if (!/^[A-Za-z0-9_-]*$/.test(clean) || clean.length % 4 === 1) {
    throw new Error('base64url: not a base64url string');
  }
  const binary = atob(clean.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** @param {Uint8Array} bytes */
export function toBase64(bytes) {
  return btoa(toBinary(bytes));
}

/** @param {unknown} text  checked: anything but a base64 string throws */
export function fromBase64(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Error('base64: not a base64 string');
  }
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** @param {Uint8Array} bytes */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @param {unknown} text  checked: anything but a hex string throws */
export function fromHex(text) {
  if (typeof text !== 'string' || !/^([0-9a-f]{2})*$/i.test(text)) throw new Error('hex: not a hex string');
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
export const utf8 = (/** @type {string} */ text) => encoder.encode(text);
export const fromUtf8 = (/** @type {Uint8Array} */ bytes) => decoder.decode(bytes);

/** Random bytes from the platform RNG (ids, not keys: keys live in the worker). */
/** @param {number} length */
export function randomBytes(length) {
  return crypto.getRandomValues(new Uint8Array(length));
}
