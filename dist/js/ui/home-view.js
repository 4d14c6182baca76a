// @ts-check
// The screen after login: conversations (several open side by side),
// contacts, network status, settings and identity, one tab each.

import { el, replaceChildren } from './dom.js';
import { identityPanel } from './identity-view.js';
import { createDevicesView } from './devices-view.js';
import { createContactsView } from './contacts-view.js';
import { createStatusView } from './status-view.js';
import { createSettingsView } from './settings-view.js';
import { createChatList } from './chat-list-view.js';
import { createConversationView } from './conversation-view.js';

/**
 * The settings and preferences in force changed (saved here, or roamed in
 * from another device of ours); the views that show them redraw.
 * @typedef {{ 'settings-changed': { settings: Record<string, any> }, 'preferences-changed': { preferences: Record<string, any> } }} SettingsEventMap
 */

/**
 * What the views are given (session.js builds it; this view and
 * ui/call-view.js take it whole, the others the part they use): the session's
 * services, the settings in force, and what the user may do to them.
 * localTracker, localRelay: builder serve's tracker and mailbox relay (null:
 * none); backup: exportFile() → the backup, importFile(file) restores one
 * (and closes the session); roomsChanged(): the rooms to join may have
 * changed (the cycler looks again).
 * @typedef {object} Services
 * @property {import('./login-view.js').Identity} identity
 * @property {import('../chat/chat.js').Chat} chat
 * @property {ReturnType<typeof import('../chat/devices.js').createDevices>} devices
 * @property {ReturnType<typeof import('../chat/contacts.js').createContacts>} contacts
 * @property {ReturnType<typeof import('../chat/groups.js').createGroups>} groups
 * @property {ReturnType<typeof import('../chat/transfers.js').createTransfers>} transfers
 * @property {ReturnType<typeof import('../calls/calls.js').createCalls>} calls
 * @property {ReturnType<typeof import('../net/network.js').createNetwork>} network
 * @property {import('../chat/mailbox.js').Mailbox} mailbox
 * @property {import('../core/settings.js').Settings} settings
 * @property {() => import('../core/settings.js').Preferences} preferences
 * @property {import('../core/events.js').Events<SettingsEventMap>} settingsEvents
 * @property {string | null} localTracker
 * @property {string | null} localRelay
 * @property {() => Promise<NotificationPermission | 'unsupported'>} requestNotifications
 * @property {{ exportFile: () => Promise<Blob>, importFile: (file: File) => Promise<void> }} backup
 * @property {() => void} roomsChanged
 * @property {(spki: Uint8Array) => Promise<string>} safetyNumber
 */

/**
 * @typedef {import('../core/settings.js').Settings} Settings
 * @typedef {import('../core/settings.js').Preferences} Preferences
 * @typedef {NonNullable<ReturnType<Services['contacts']['get']>>} Contact
 */

/** Conversations shown side by side at most (narrow screens show one). */
export const MAX_OPEN = 3;

/**
 * services: { identity, chat, contacts, groups, transfers, calls, network,
 * mailbox, devices, settings, preferences(), settingsEvents (session.js:
 * 'settings-changed', 'preferences-changed'), localTracker, localRelay,
 * requestNotifications, backup, roomsChanged() }; the handlers persist what
 * the user changes. The view redraws from the events of what it shows, and
 * tells `onScreen` (ui/on-screen.js) which conversations are open.
 * @param {HTMLElement} root
 * @param {{ services: Services, onScreen: import('./on-screen.js').OnScreen, pendingKey: string | null, onLogout: () => void,
 *   onSaveSettings: (settings: Settings) => Promise<void>, onSavePreferences: (preferences: Preferences) => Promise<void> }} options
 */
export function mountHome(root, { services, onScreen, pendingKey, onLogout, onSaveSettings, onSavePreferences }) {
  /** @type {ReturnType<typeof createConversationView>[]} conversation views, most recent last */
  const open = [];
  const panes = el('div', { className: 'panes', id: 'panes' });
  const { contacts, roomsChanged } = services;
  const chatList = createChatList(services, { onOpen: openConversation });
  const contactsView = createContactsView({
    contacts,
    groups: services.groups,
    pendingKey,
    // (from a contact's row: a contact held here)
    onChat: (fp) => openConversation(/** @type {Contact} */ (contacts.get(fp)).conversationId),
  });
  const status = createStatusView({ network: services.network, mailbox: services.mailbox });
  const settingsView = () =>
    createSettingsView({
      settings: services.settings,
      preferences: services.preferences(),
      localTracker: services.localTracker,
      localRelay: services.localRelay,
      requestNotifications: services.requestNotifications,
      backup: services.backup,
      onSave: onSaveSettings,
      onSavePreferences,
    });
  const settings = settingsView();
  const identityCard = identityPanel(services.identity, {
    preferences: services.preferences(),
    onSaveDisplayName: (displayName) => onSavePreferences({ ...services.preferences(), displayName }),
  });
  const identity = el('section', { className: 'card', id: 'identity-view' }, identityCard.element);
  // Settings or preferences changed (here, or roamed in from another device
  // of ours): the forms show them — the settings form unless the user is in it.
  const redrawSettings = () => {
    if (views.settings.contains(document.activeElement)) return;
    views.settings.replaceChildren(settingsView().element);
  };
  const stopListening = [
    services.settingsEvents.on('settings-changed', redrawSettings),
    services.settingsEvents.on('preferences-changed', ({ preferences }) => {
      redrawSettings();
      identityCard.showDisplayName(preferences.displayName ?? '');
    }),
  ];
  const devicesView = services.devices ? createDevicesView({ devices: services.devices }) : null;
  if (devicesView) identity.append(devicesView.element);

  const views = {
    chats: el('section', { className: 'view chats', id: 'view-chats' }, chatList.element, panes),
    contacts: el('section', { className: 'view', id: 'view-contacts' }, contactsView.element),
    network: el('section', { className: 'view', id: 'view-network' }, status.element),
    settings: el('section', { className: 'view', id: 'view-settings' }, settings.element),
    identity: el('section', { className: 'view', id: 'view-identity' }, identity),
  };
  const labels = { chats: 'Chats', contacts: 'Contacts', network: 'Network', settings: 'Settings', identity: 'My identity' };
  const nav = el(
    'nav',
    { className: 'tabs', 'aria-label': 'Sections' },
    Object.keys(views).map((name) =>
      el('button', {
        type: 'button',
        id: `nav-${name}`,
        className: 'tab',
        'data-view': name,
        text: labels[name],
        onclick: () => show(name),
      }),
    ),
  );

  const tellOnScreen = () => onScreen.set({ open: open.map((v) => v.id), chatsShown: !views.chats.hidden });

  /** Shows the tab `name` (a key of `views`). @param {string} name */
  function show(name) {
    for (const [key, view] of Object.entries(views)) view.hidden = key !== name;
    tellOnScreen();
    ({ chats: chatList, contacts: contactsView, network: status, identity: devicesView })[name]?.render();
    for (const button of /** @type {HTMLCollectionOf<HTMLElement>} */ (nav.children))
      button.setAttribute('aria-current', button.dataset.view === name ? 'page' : 'false');
    for (const view of open) view.markRead();
  }

  /** @param {string} conversationId */
  function openConversation(conversationId) {
    show('chats');
    let view = open.find((v) => v.id === conversationId);
    if (view) {
      open.splice(open.indexOf(view), 1);
    } else {
      view = createConversationView(conversationId, services, { onClose: closeConversation, onFocus: () => {} });
      if (open.length >= MAX_OPEN) closeConversation(open[0].id);
    }
    open.push(view);
    tellOnScreen();
    replaceChildren(
      panes,
      open.map((v) => v.element),
    );
    view.focus();
    roomsChanged();
    chatList.render();
    return view;
  }

  /** @param {string} conversationId */
  function closeConversation(conversationId) {
    const view = open.find((v) => v.id === conversationId);
    if (!view) return;
    view.close();
    open.splice(open.indexOf(view), 1);
    tellOnScreen();
    replaceChildren(
      panes,
      open.map((v) => v.element),
    );
    roomsChanged();
  }

  const bar = el(
    'div',
    { className: 'session-bar' },
    el(
      'span',
      {},
      'Logged in · fingerprint ',
      el('strong', { id: 'session-fingerprint', className: 'fingerprint', text: services.identity.fingerprint.slice(0, 16) }),
    ),
    el('button', { type: 'button', id: 'logout-button', className: 'secondary', text: 'Log out', onclick: onLogout }),
  );
  replaceChildren(root, bar, nav, ...Object.values(views));
  show(contacts.list().length ? 'chats' : 'identity');
  if (pendingKey) show('contacts');

  const visibility = () => {
    for (const view of open) view.markRead();
  };
  document.addEventListener('visibilitychange', visibility);
  // Status texts ("online since", retry countdowns) age: refresh what is on
  // screen now and then (nothing while the tab is hidden).
  const timer = setInterval(() => {
    if (document.hidden) return;
    if (!views.contacts.hidden) contactsView.render();
    if (!views.network.hidden) status.render();
  }, 5_000);

  let renderQueued = false;
  /** Something shown changed: the open conversations' headers now, the lists at the next frame. */
  function redraw() {
    for (const view of open) view.update();
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      if (!views.chats.hidden) chatList.render();
      if (!views.contacts.hidden) contactsView.render();
      if (!views.network.hidden) status.render();
      if (!views.identity.hidden) devicesView?.render();
    });
  }
  /** Transfer events waiting for the next frame, the latest per file. */
  /** @type {Map<string, { file: string, owner: string, conversation: string }>} */
  const progressQueued = new Map();
  /**
   * A file's transfer moved on: redraw that file's message in the open
   * conversations, at most once a frame. Nothing else on screen shows
   * transfers, and a 1 GB file makes thousands of these (redrawing the
   * lists for each took the main thread from the transfer).
   * @param {{ file: string, owner: string, conversation: string }} event
   */
  function progress(event) {
    const first = progressQueued.size === 0;
    progressQueued.set(`${event.owner} ${event.file}`, event);
    if (!first) return;
    requestAnimationFrame(() => {
      const events = [...progressQueued.values()];
      progressQueued.clear();
      for (const queued of events) for (const view of open) view.update(queued);
    });
  }
  // What the lists, the headers and the status show. (The open
  // conversations draw their messages and ticks from chat's events
  // themselves: ui/conversation-view.js.)
  const { chat, groups, network, mailbox, devices, transfers } = services;
  stopListening.push(
    .../** @type {const} */ (['message-stored', 'state-changed', 'message-copied', 'copy-merged', 'typing', 'unread-changed', 'conversation-changed']).map(
      (name) => chat.events.on(name, redraw),
    ),
    .../** @type {const} */ (['contact-added', 'contact-removed', 'contact-changed', 'attempts-changed']).map((name) => contacts.events.on(name, redraw)),
    .../** @type {const} */ (['group-added', 'group-changed', 'group-refused']).map((name) => groups.events.on(name, redraw)),
    network.events.on('status-changed', redraw),
    .../** @type {const} */ (['relays-changed', 'heard-from']).map((name) => mailbox.events.on(name, redraw)),
    ...(devices ? [devices.events.on('devices-changed', redraw)] : []),
    transfers.events.on('progress', progress),
  );
  return {
    openConversation,
    show,
    unmount() {
      for (const stop of stopListening) stop();
      clearInterval(timer);
      document.removeEventListener('visibilitychange', visibility);
      for (const view of open) view.close();
    },
  };
}
