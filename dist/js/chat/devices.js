// @ts-check
// This identity's devices, as the roaming profile knows them: each browser
// that logged in has a device record (a name its user gave it, when it was
// last seen). A device can be forgotten from another one: its record is
// removed everywhere, and when that device learns it — at its next start, or
// at once if it is online — it deletes what it kept and logs out.
//
// This is housekeeping, not security: anyone with the username and password
// *is* every device, and can log in again anywhere. The only way to cut a
// device off for good is a new identity (the UI says so).

import { createEvents } from '../core/events.js';

/** How often "last seen" is refreshed while a device stays logged in. */
const SEEN_EVERY_MS = 6 * 3600_000;
const MAX_NAME = 60;

/**
 * 'devices-changed': a device came, went, was renamed or seen (read list()).
 * @typedef {{ 'devices-changed': {} }} DevicesEventMap
 */

/**
 * deps: profile (chat/profile-sync.js, loaded), onForgotten() (this device
 * was forgotten elsewhere). Its `events` (DevicesEventMap) say what changed.
 * @param {{ profile: import('./profile-sync.js').ProfileSync, onForgotten: () => unknown }} deps
 */
export function createDevices({ profile, onForgotten }) {
  /** @type {import('../core/events.js').Events<DevicesEventMap>} */
  const events = createEvents();
  const changed = () => events.emit('devices-changed', {});
  const self = profile.device();
  /** @type {Map<string, {name: string, lastSeen: number}>} device id -> what we know of it */
  const devices = new Map([[self, { name: '', lastSeen: Date.now() }]]);
  let forgotten = false;
  const timer = setInterval(() => {
    const mine = devices.get(self);
    if (!mine) return;
    mine.lastSeen = Date.now();
    profile.noteLocal('device').catch(() => {});
  }, SEEN_EVERY_MS);

  const collection = {
    list: () => new Map([...devices].map(([id, d]) => [id, { ...d }])),
    async apply(/** @type {string} */ id, /** @type {Record<string, unknown> | null} */ values) {
      if (!values) {
        devices.delete(id);
        changed();
        if (id === self && !forgotten) {
          forgotten = true;
          clearInterval(timer);
          await onForgotten();
        }
        return;
      }
      const known = devices.get(id) ?? { name: '', lastSeen: 0 };
      if (typeof values.name === 'string') known.name = values.name.slice(0, MAX_NAME);
      if (Number.isSafeInteger(values.lastSeen)) known.lastSeen = Math.max(known.lastSeen, /** @type {number} */ (values.lastSeen));
      devices.set(id, known);
      changed();
    },
  };

  return {
    collection,
    events,
    self,
    /** Devices, this one first, then the most recently seen. */
    list: () => [...devices].map(([id, d]) => ({ id, ...d, self: id === self })).sort((a, b) => Number(b.self) - Number(a.self) || b.lastSeen - a.lastSeen),
    /** Names this device (what the other devices show). */
    async rename(/** @type {string} */ name) {
      const mine = devices.get(self);
      if (!mine) return;
      mine.name = name.trim().slice(0, MAX_NAME);
      await profile.noteLocal('device');
      changed();
    },
    /** Forgets another device: its record goes everywhere; it wipes itself when it learns. */
    async forget(/** @type {string} */ id) {
      if (id === self || !devices.has(id)) return;
      devices.delete(id);
      await profile.noteLocal('device');
      changed();
    },
    close() {
      clearInterval(timer);
      events.clear();
    },
  };
}
