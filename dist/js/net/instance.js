// @ts-check
// A page's instance id, as the handshake carries it: which load of which
// device of an identity a session reaches.

import { fromHex, randomBytes, toHex } from '../core/encoding.js';

/** Bytes of an instance id that change on every page load (the peer id is made of them). */
export const LOAD_BYTES = 10;

/**
 * This page's instance id: 10 random bytes of this load, then 6 bytes naming
 * this browser (`device`, 16 hex digits kept in the vault). Peers tell a
 * reload (same device, new load: it replaces the old session) from another
 * device of the same identity (both stay). Only the random part is public:
 * the peer id trackers and relays see is made of it alone, so they cannot
 * link one device's loads; the device part travels only to a verified
 * peer, as the first frame of the session (net/link.js).
 * @param {string} device
 */
export function newInstance(device) {
  const instance = new Uint8Array(16);
  instance.set(randomBytes(LOAD_BYTES));
  instance.set(fromHex(device).slice(0, 16 - LOAD_BYTES), LOAD_BYTES);
  return instance;
}

/**
 * The device part of an instance id (hex), as peers tell devices apart: of
 * our own (16 bytes), or of an authenticated peer's (32 hex digits, as the
 * worker gives it, completed by the peer's device frame: net/link.js).
 * @param {Uint8Array | string} instance
 */
export const deviceOf = (instance) => (typeof instance === 'string' ? instance.slice(2 * LOAD_BYTES) : toHex(instance.slice(LOAD_BYTES)));

/**
 * Whether two authenticated links reach the same device of an identity (a
 * reload gives a new link from the same device). Links not yet
 * authenticated count as the same device: nothing tells them apart.
 * @param {{ peer?: { instance?: Uint8Array | string } | null } | null | undefined} a
 * @param {{ peer?: { instance?: Uint8Array | string } | null } | null | undefined} b
 */
export function sameDevice(a, b) {
  const one = a?.peer?.instance;
  const other = b?.peer?.instance;
  return !one || !other || deviceOf(one) === deviceOf(other);
}
