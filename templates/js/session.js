// @ts-check
// The logged-in half of the composition root: every service of an identity
// and the views over them, built at login and closed at logout. main.js
// loads this module (and everything it imports) in the background while the
// login form is on screen, so the form needs only a small part of the app.
//
//   ui/  →  chat/, calls/  →  net/ (net/signal/)  →  core/
//
// An incoming frame: net/link (decrypt) → net/framing (reassemble) →
// net/room → net/protocol dispatcher → the handler its table names
// (chat/inbox, chat/outbox, …) → events → the views.

import { RELEASE_TIMING } from './core/timing.js';
import { openStore } from './core/store.js';
import { exportBackup, readBackup } from './core/backup.js';
import {
  DEFAULT_PREFERENCES,
  DEFAULT_SETTINGS,
  adoptKnown,
  groupConnectionsOf,
  effectiveSettings,
  loadSettings,
  saveSettings,
  loadPreferences,
  savePreferences,
} from './core/settings.js';
import { createSessions } from './net/sessions.js';
import { createFrameRouter } from './net/protocol.js';
import { createNetwork } from './net/network.js';
import { createCycler } from './net/cycling.js';
import { createChat } from './chat/chat.js';
import { createMailbox } from './chat/mailbox.js';
import { createProfileSync, DEVICE_KEY, loadDeviceId } from './chat/profile-sync.js';
import { createDevices } from './chat/devices.js';
import { createContacts } from './chat/contacts.js';
import { createGroups } from './chat/groups.js';
import { createDirectory } from './chat/directory.js';
import { createTransfers } from './chat/transfers.js';
import { createCalls } from './calls/calls.js';
import { mountHome } from './ui/home-view.js';
import { mountCallView } from './ui/call-view.js';
import { createNotifier } from './ui/notify.js';
import { createOnScreen } from './ui/on-screen.js';
import { app } from './facade.js';
import { createEvents } from './core/events.js';

/**
 * What the views take is defined where they take it (ui/ never imports the
 * composition root, not even a type).
 * @typedef {import('./ui/home-view.js').SettingsEventMap} SettingsEventMap
 * @typedef {import('./ui/home-view.js').Services} Services
 * @typedef {import('./ui/login-view.js').Identity} Identity
 */

/**
 * The checked stores of a backup (core/backup.js readBackup), written once the session is closed.
 * @typedef {Awaited<ReturnType<typeof readBackup>>} Restored
 * @typedef {(notice?: string, options?: { restore?: Restored | null, wipe?: boolean }) => Promise<void>} Logout
 */

/**
 * Builds every service of a logged-in identity, then the views over them;
 * resolves to the running session, which closeSession() ends.
 * `logout(notice, options)` is main.js's: the session asks for it (a
 * backup restored, this device forgotten elsewhere, the logout button).
 * @param {{ root: HTMLElement, cryptoClient: import('./core/crypto-client.js').CryptoClient, identity: Identity,
 *   claim: import('./core/tab-lock.js').Held, localServer: Promise<import('./core/settings.js').LocalServer | null>,
 *   pendingKey: string | null, logout: Logout, timing?: import('./core/timing.js').Timing }} options  `timing`: the release's timers unless a test passed its own
 */
export async function openSession({ root, cryptoClient, identity, claim, localServer, pendingKey, logout, timing = RELEASE_TIMING }) {
  const store = await openStore(cryptoClient, identity.storeName);
  const state = {
    settings: await loadSettings(store),
    preferences: await loadPreferences(store),
    local: await localServer,
  };
  /** @type {import('./core/events.js').Events<SettingsEventMap>} */
  const settingsEvents = createEvents();
  /** Which conversations are on screen: the home view says, notifications and room cycling read. */
  const onScreen = createOnScreen();

  const sessions = createSessions();
  /** Sessions with our own other devices (chat/mirror.js), apart from contacts'. */
  const own = createSessions();
  /** Received frames go to the handlers of chat, transfers and calls, installed once those exist. */
  const frames = createFrameRouter();
  const network = createNetwork({ cryptoClient, device: await loadDeviceId(store), sessions, dispatch: frames.dispatch, timing });
  network.configure(effectiveSettings(state.settings, state.local));
  /** Who has which key: contacts and groups add themselves (chat/directory.js). */
  const directory = createDirectory();
  const mailbox = createMailbox({ cryptoClient, store, identity, sessions, spkiOf: directory.spkiOf, dispatch: frames.dispatch });
  // The roaming profile: contacts follow the login to every device (chat/profile-sync.js).
  const profile = createProfileSync({ cryptoClient, store, publish: (event) => mailbox.publishProfile(event) });
  mailbox.events.on('profile-record', ({ event }) => profile.receive(event));
  // A relay (re)connected: records no relay took go again.
  mailbox.events.on('relay-open', () => profile.republish());
  // Chat reads our own history from the relays through the mailbox (chat/mirror.js).
  const chat = createChat({
    cryptoClient,
    store,
    identity,
    sessions,
    network,
    own,
    mailbox,
    preferences: () => state.preferences,
    displayName: () => state.preferences.displayName,
    timing,
  });
  await chat.restore();
  await mailbox.load();
  await profile.load();
  const devices = createDevices({
    profile,
    onForgotten: () =>
      logout('This device was forgotten from another of your devices, so what it kept here was deleted. You can log in again.', { wipe: true }),
  });
  const contacts = createContacts({
    cryptoClient,
    store,
    network,
    sessions,
    mailbox,
    identity,
    chat,
    onSaved: () => profile.noteLocal('contact'),
  });
  directory.addSource((fingerprint) => contacts.get(fingerprint)?.spki);
  const groups = createGroups({
    cryptoClient,
    store,
    network,
    sessions,
    mailbox,
    identity,
    chat,
    contacts,
    onSaved: () => profile.noteLocal('group'),
    meshTarget: () => groupConnectionsOf(state.settings),
  });
  directory.addSource((fingerprint) => groups.memberSpki(fingerprint));
  const membersOf = (conversationId) => chat.conversation(conversationId)?.members ?? [];
  // Files: announced in chat, their small ones' chunks follow a message through the mailbox (chat/transfers.js).
  const transfers = createTransfers({
    cryptoClient,
    store,
    chat,
    sessions,
    own,
    mailbox,
    identity,
    membersOf: (conversationId) => membersOf(conversationId).map((m) => m.fingerprint),
  });
  const calls = createCalls({
    identity,
    sessions,
    membersOf,
    record: (conversationId, content) => chat.send(conversationId, content),
    statsEveryMs: timing.statsEveryMs,
  });
  // A member's new session, or another device of ours online: files it holds that we lack come from it.
  chat.events.on('session-caught-up', () => transfers.resume());
  own.onUp(() => transfers.resume());
  frames.install({ ...chat.frames, ...transfers.frames, ...calls.frames, profile: mailbox.receiveProfile });
  await contacts.load();
  await groups.load();
  // Before the relays are read: what arrives then has a collection to go to.
  await profile.register('contact', { list: contacts.profileValues, apply: contacts.applyProfile });
  await profile.register('group', { list: groups.profileValues, apply: groups.applyProfile });
  await profile.register('device', devices.collection);
  /** Network settings that changed (roamed in, or saved here): stored, in force, announced. */
  async function adoptSettings(/** @type {import('./core/settings.js').Settings} */ settings) {
    state.settings = settings;
    await saveSettings(store, settings);
    network.configure(effectiveSettings(settings, state.local));
    mailbox.configure(effectiveSettings(settings, state.local));
    settingsEvents.emit('settings-changed', { settings });
  }
  /** Network settings saved on this device (the settings form): adopted, and roaming to our others. */
  async function saveSettingsHere(/** @type {import('./core/settings.js').Settings} */ settings) {
    await adoptSettings(settings);
    await profile.noteLocal('settings');
  }
  // Settings and preferences roam too, field by field.
  await profile.register('settings', {
    list: () =>
      new Map([
        ['network', { ...state.settings }],
        ['preferences', { ...state.preferences }],
      ]),
    async apply(key, values) {
      if (key === 'network' && values) await adoptSettings(adoptKnown(DEFAULT_SETTINGS, state.settings, values));
      else if (key === 'preferences' && values) {
        state.preferences = adoptKnown(DEFAULT_PREFERENCES, state.preferences, values);
        await savePreferences(store, state.preferences);
        settingsEvents.emit('preferences-changed', { preferences: state.preferences });
      }
    },
  });
  await transfers.load();
  // Reading mail starts once every handler and every known key is in place.
  mailbox.configure(effectiveSettings(state.settings, state.local));
  const cycler = createCycler({
    candidates: () => [...contacts.roomCandidates(), ...groups.roomCandidates()],
    isImportant: (candidate) =>
      onScreen.openIds().includes(candidate.conversationId) ||
      candidate.conversationId === calls.current()?.conversationId ||
      candidate.fingerprints.some((fp) => chat.pendingFor(fp) > 0),
    maxRooms: () => state.preferences.maxRooms,
  });
  cycler.apply();
  // A contact or group came or went (added here, roamed in from another
  // device of ours, a group we were added to) or changed: its room is joined
  // now, not at the cycler's next tick — nothing may sit between a user's
  // action and the first announce.
  for (const name of /** @type {const} */ (['contact-added', 'contact-removed'])) contacts.events.on(name, () => cycler.apply());
  for (const name of /** @type {const} */ (['group-added', 'group-changed'])) groups.events.on(name, () => cycler.apply());
  // Our other devices: the same history on each (chat/mirror.js).
  await chat.startMirror();

  const notifier = createNotifier({ chat, calls, preferences: () => state.preferences, onScreen });
  /** @type {Services} */
  const services = {
    identity,
    chat,
    devices,
    contacts,
    groups,
    transfers,
    calls,
    network,
    mailbox,
    get settings() {
      return state.settings;
    },
    preferences: () => state.preferences,
    settingsEvents,
    localTracker: state.local?.tracker ?? null,
    localRelay: state.local?.relay ?? null,
    requestNotifications: () => notifier.requestPermission(),
    backup: {
      exportFile: () => exportBackup(store),
      // Checked first (nothing written if any record fails); then the session
      // closes without saving its lists, which would overwrite the restored ones.
      async importFile(file) {
        const stores = await readBackup(store, file, cryptoClient);
        // This browser stays the device it is: a backup made on another one
        // must not make two devices share an id.
        stores.records = stores.records.filter(([key]) => key !== DEVICE_KEY);
        await logout('', { restore: stores });
      },
    },
    roomsChanged: () => cycler.apply(),
    safetyNumber: (spki) => cryptoClient.safetyNumber(spki),
  };
  const home = mountHome(root, {
    services,
    onScreen,
    pendingKey,
    onLogout: () => logout(),
    onSaveSettings: saveSettingsHere,
    async onSavePreferences(preferences) {
      state.preferences = preferences;
      await savePreferences(store, preferences);
      settingsEvents.emit('preferences-changed', { preferences });
      cycler.apply();
      await profile.noteLocal('settings');
    },
  });
  const callView = mountCallView(document.body, services);
  // The documented test façade (facade.js): read access for the browser tests and benchmarks.
  // saveSettings is the settings form's action, for tests whose subject is not that form (tests/e2e/driver.mjs).
  Object.assign(app, {
    cryptoClient,
    identity,
    store,
    sessions,
    network,
    mailbox,
    profile,
    devices,
    chat,
    contacts,
    groups,
    transfers,
    calls,
    cycler,
    saveSettings: saveSettingsHere,
  });
  Object.defineProperties(app, {
    preferences: { get: () => state.preferences, configurable: true, enumerable: true },
    settings: { get: () => state.settings, configurable: true, enumerable: true },
  });
  return { claim, store, network, mailbox, profile, devices, chat, contacts, groups, transfers, calls, cycler, notifier, home, callView };
}

/**
 * Closes a session. With `restore` (the checked stores of a backup) nothing
 * in memory is saved; the backup is written once every writer has stopped,
 * and the notice says how much was restored. With `wipe` (this device was
 * forgotten elsewhere) the identity's database here is deleted once closed.
 * Resolves to the notice the login form shows.
 * @param {Awaited<ReturnType<typeof openSession>>} session
 * @param {import('./core/crypto-client.js').CryptoClient} cryptoClient
 * @param {string | undefined} notice
 * @param {{ restore?: Restored | null, wipe?: boolean }} [options]
 */
export async function closeSession(session, cryptoClient, notice, { restore = null, wipe = false } = {}) {
  const { claim, store, network, mailbox, profile, devices, chat, contacts, groups, transfers, calls, cycler, notifier, home, callView } = session;
  const save = !restore && !wipe;
  calls.close();
  callView.unmount();
  home.unmount();
  notifier.close();
  cycler.stop();
  await transfers.close({ save }).catch(() => {});
  await chat.close({ save }).catch(() => {});
  groups.close();
  contacts.close();
  devices.close();
  profile.close();
  mailbox.close();
  network.close();
  store.close();
  if (wipe) {
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(store.name);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
  }
  if (restore) {
    const fresh = await openStore(cryptoClient, store.name);
    try {
      const count = await fresh.restore(restore);
      notice = `Restored ${count} records from the backup. Log in again to open them.`;
    } finally {
      fresh.close();
    }
  }
  claim.release();
  for (const key of Object.keys(app)) delete app[key];
  return notice;
}
