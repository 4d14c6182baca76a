// @ts-check
// Settings: the trackers, relays and ICE servers this identity uses. Saved
// sealed in the vault; applied at once.

import { el } from './dom.js';
import {
  DEFAULT_SETTINGS,
  GROUP_CONNECTIONS_RANGE,
  MAILBOX_RETENTION_DAYS,
  formatIceServers,
  mailboxDaysOf,
  parseIceServers,
  parseUrls,
} from '../core/settings.js';

/**
 * @typedef {import('./home-view.js').Services} Services
 * @typedef {import('../core/settings.js').Settings} Settings
 * @typedef {import('../core/settings.js').Preferences} Preferences
 */

/**
 * The chat preferences, each saved as it changes. requestNotifications():
 * asks the browser (turning notifications on).
 * @param {{ preferences: Preferences, requestNotifications: Services['requestNotifications'], onSavePreferences: (preferences: Preferences) => Promise<void> }} options
 */
function preferencesForm({ preferences, requestNotifications, onSavePreferences }) {
  const box = (
    /** @type {string} */ id,
    /** @type {'readReceipts' | 'typingIndicators' | 'notifications' | 'notificationPreview' | 'sound'} */ key,
    /** @type {string} */ label,
  ) => {
    const input = el('input', { type: 'checkbox', id, checked: !!preferences[key] });
    input.addEventListener('change', async () => {
      if (key === 'notifications' && input.checked) {
        const permission = await requestNotifications();
        if (permission !== 'granted') {
          input.checked = false;
          // Browsers often refuse notifications to pages opened from disk.
          message.textContent =
            location.protocol === 'file:'
              ? 'This browser does not allow notifications to a page opened from disk. The number of unread messages still shows in the tab’s title.'
              : 'The browser did not allow notifications. The number of unread messages still shows in the tab’s title.';
        }
      }
      await onSavePreferences({ ...preferences, [key]: input.checked });
      preferences[key] = input.checked;
    });
    return el('label', { className: 'check' }, input, ` ${label}`);
  };
  const maxRooms = el('input', { type: 'number', id: 'pref-max-rooms', min: 5, max: 500, value: preferences.maxRooms });
  maxRooms.addEventListener('change', async () => {
    const value = Math.max(5, Math.min(500, Number(maxRooms.value) || 50));
    preferences.maxRooms = value;
    await onSavePreferences({ ...preferences, maxRooms: value });
  });
  const message = el('p', { className: 'hint', role: 'status' });
  return el(
    'section',
    { className: 'card', id: 'preferences' },
    el('h2', { text: 'Chat preferences' }),
    box('pref-read-receipts', 'readReceipts', 'Send read receipts'),
    box('pref-typing', 'typingIndicators', 'Send typing indicators'),
    box('pref-notifications', 'notifications', 'Desktop notifications while this tab is hidden'),
    box('pref-notification-preview', 'notificationPreview', 'Show message text in notifications'),
    box('pref-sound', 'sound', 'Play a sound for new messages'),
    el('label', { for: 'pref-max-rooms', text: 'Rooms joined at once (contacts and groups take turns beyond this)' }),
    maxRooms,
    message,
  );
}

/**
 * backup: { exportFile() → Blob, importFile(file) }; importFile throws a
 * readable error for a refused backup, and on success closes the session
 * (the login form then says what was restored).
 * @param {{ backup: Services['backup'] }} options
 */
function backupForm({ backup }) {
  const message = el('p', { id: 'backup-message', role: 'status' });
  const input = el('input', { type: 'file', id: 'backup-file', accept: '.tbk,application/octet-stream' });
  return el(
    'section',
    { className: 'card', id: 'backup' },
    el('h2', { text: 'Encrypted backup' }),
    el('p', {
      className: 'hint',
      text: 'A backup holds your contacts, groups, settings and history exactly as stored: sealed with your vault key. Only the same username and password can restore it.',
    }),
    el('button', {
      type: 'button',
      className: 'ghost',
      id: 'backup-export',
      text: 'Export backup',
      onclick: async () => {
        const blob = await backup.exportFile();
        const url = URL.createObjectURL(blob);
        el('a', { href: url, download: `trustero-backup-${new Date().toISOString().slice(0, 10)}.tbk` }).click();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
        message.className = 'hint';
        message.textContent = `Exported ${Math.round(blob.size / 1024)} KB.`;
      },
    }),
    el('label', { for: 'backup-file', text: 'Restore a backup' }),
    input,
    el('button', {
      type: 'button',
      className: 'ghost',
      id: 'backup-import',
      text: 'Restore',
      onclick: async (event) => {
        const file = input.files?.[0];
        if (!file) return;
        // Every record is checked before the first is written; say so while it runs.
        const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
        button.disabled = true;
        message.className = 'hint checking';
        message.textContent = 'Checking every record of the backup…';
        try {
          await backup.importFile(file);
        } catch (error) {
          message.className = 'error';
          message.textContent = error.message;
        } finally {
          button.disabled = false;
        }
      },
    }),
    message,
  );
}

/**
 * settings and preferences as loaded; localTracker, localRelay: builder serve's tracker and mailbox relay
 * (or null); requestNotifications(); backup (see backupForm); onSave and
 * onSavePreferences persist and apply.
 * @param {{ settings: Settings, preferences: Preferences, localTracker: string | null, localRelay: string | null,
 *   requestNotifications: Services['requestNotifications'], backup: Services['backup'],
 *   onSave: (settings: Settings) => Promise<void>, onSavePreferences: (preferences: Preferences) => Promise<void> }} options
 */
export function createSettingsView({ settings, preferences, localTracker, localRelay, requestNotifications, backup, onSave, onSavePreferences }) {
  const trackers = el('textarea', { id: 'settings-trackers', rows: 4, spellcheck: false, value: settings.trackers.join('\n') });
  const relays = el('textarea', { id: 'settings-relays', rows: 4, spellcheck: false, value: settings.relays.join('\n') });
  const ice = el('textarea', { id: 'settings-ice', rows: 3, spellcheck: false, value: formatIceServers(settings.iceServers) });
  const useTrackers = el('input', { type: 'checkbox', id: 'settings-use-trackers', checked: settings.useTrackers });
  const useNostr = el('input', { type: 'checkbox', id: 'settings-use-nostr', checked: settings.useNostr });
  const useLocal = el('input', { type: 'checkbox', id: 'settings-use-local-tracker', checked: settings.useLocalTracker });
  // A choice among the few retentions everyone shares (any other would
  // single the user out on every wrap): a stored value outside them shows,
  // and is saved, as the nearest.
  const mailboxDays = el(
    'select',
    { id: 'settings-mailbox-days' },
    MAILBOX_RETENTION_DAYS.map((days) => el('option', { value: String(days), text: days === 1 ? '1 day' : `${days} days` })),
  );
  mailboxDays.value = String(mailboxDaysOf(settings));
  const groupConnections = el('input', {
    type: 'number',
    id: 'settings-group-connections',
    min: GROUP_CONNECTIONS_RANGE.min,
    max: GROUP_CONNECTIONS_RANGE.max,
    value: settings.groupConnections ?? DEFAULT_SETTINGS.groupConnections,
  });
  const message = el('p', { id: 'settings-message', role: 'status' });

  const form = el(
    'form',
    {
      id: 'settings-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const parsedTrackers = parseUrls(trackers.value, 'Tracker');
        const parsedRelays = parseUrls(relays.value, 'Relay');
        const parsedIce = parseIceServers(ice.value);
        const days = Number(mailboxDays.value);
        const errors = [...parsedTrackers.errors, ...parsedRelays.errors, ...parsedIce.errors];
        if (!MAILBOX_RETENTION_DAYS.includes(days)) errors.push(`Mail on relays: choose ${MAILBOX_RETENTION_DAYS.join(', ')} days.`);
        const connections = Number(groupConnections.value);
        const { min, max } = GROUP_CONNECTIONS_RANGE;
        if (!Number.isInteger(connections) || connections < min || connections > max)
          errors.push(`Connections per group: give a whole number from ${min} to ${max}.`);
        if (errors.length) {
          message.className = 'error';
          message.textContent = errors.join(' ');
          return;
        }
        await onSave({
          trackers: parsedTrackers.urls,
          relays: parsedRelays.urls,
          iceServers: parsedIce.servers,
          useTrackers: useTrackers.checked,
          useNostr: useNostr.checked,
          useLocalTracker: useLocal.checked,
          mailboxDays: days,
          groupConnections: connections,
        });
        message.className = 'hint';
        message.textContent = 'Saved and applied.';
      },
    },
    el('label', { className: 'check' }, useTrackers, ' Use WebTorrent trackers'),
    el('label', { for: 'settings-trackers', text: 'Trackers (one wss:// address per line)' }),
    trackers,
    el(
      'label',
      { className: 'check' },
      useLocal,
      localTracker
        ? ` Also use this server’s tracker (${localTracker})${localRelay ? ` and mailbox relay (${localRelay})` : ''}`
        : ' Also use the tracker and mailbox relay of the server this page came from, when it has them',
    ),
    el('label', { className: 'check' }, useNostr, ' Use Nostr relays'),
    el('label', { for: 'settings-relays', text: 'Relays (one wss:// address per line)' }),
    relays,
    el('label', {
      for: 'settings-mailbox-days',
      text: 'How long your messages wait on relays for a contact who is away (the relays are asked to delete them once delivered; everyone chooses from these same few, so your choice does not single you out)',
    }),
    mailboxDays,
    el('label', {
      for: 'settings-group-connections',
      text: 'Direct connections per group (members beyond them are reached through each other; up to twice as many are accepted)',
    }),
    groupConnections,
    el('label', { for: 'settings-ice', text: 'ICE servers: “stun:host:port” or “turn:host:port username credential”, one per line (none needed on a LAN)' }),
    ice,
    el(
      'div',
      { className: 'row' },
      el('button', { type: 'submit', className: 'primary', id: 'settings-save', text: 'Save' }),
      el('button', {
        type: 'button',
        className: 'ghost',
        text: 'Restore defaults',
        onclick: () => {
          trackers.value = DEFAULT_SETTINGS.trackers.join('\n');
          relays.value = DEFAULT_SETTINGS.relays.join('\n');
          ice.value = formatIceServers(DEFAULT_SETTINGS.iceServers);
          mailboxDays.value = String(DEFAULT_SETTINGS.mailboxDays);
          groupConnections.value = String(DEFAULT_SETTINGS.groupConnections);
        },
      }),
    ),
    message,
  );

  const network = el('details', { id: 'settings', className: 'card', open: true }, el('summary', { text: 'Network settings' }), form);
  return { element: el('div', {}, preferencesForm({ preferences, requestNotifications, onSavePreferences }), network, backupForm({ backup })) };
}
