// Settings: the trackers, relays and ICE servers this identity uses. Saved
// sealed in the vault; applied at once.

import { el } from './dom.js';
import { DEFAULT_SETTINGS, formatIceServers, parseIceServers, parseUrls } from './settings.js';

export function createSettingsView({ settings, localTracker, onSave }) {
  const trackers = el('textarea', { id: 'settings-trackers', rows: 4, spellcheck: false, value: settings.trackers.join('\n') });
  const relays = el('textarea', { id: 'settings-relays', rows: 4, spellcheck: false, value: settings.relays.join('\n') });
  const ice = el('textarea', { id: 'settings-ice', rows: 3, spellcheck: false, value: formatIceServers(settings.iceServers) });
  const useTrackers = el('input', { type: 'checkbox', id: 'settings-use-trackers', checked: settings.useTrackers });
  const useNostr = el('input', { type: 'checkbox', id: 'settings-use-nostr', checked: settings.useNostr });
  const useLocal = el('input', { type: 'checkbox', id: 'settings-use-local-tracker', checked: settings.useLocalTracker });
  const message = el('p', { id: 'settings-message', role: 'status' });

  const form = el('form', {
    id: 'settings-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const parsedTrackers = parseUrls(trackers.value, 'Tracker');
      const parsedRelays = parseUrls(relays.value, 'Relay');
      const parsedIce = parseIceServers(ice.value);
      const errors = [...parsedTrackers.errors, ...parsedRelays.errors, ...parsedIce.errors];
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
      });
      message.className = 'hint';
      message.textContent = 'Saved and applied.';
    },
  },
  el('label', { className: 'check' }, useTrackers, ' Use WebTorrent trackers'),
  el('label', { for: 'settings-trackers', text: 'Trackers (one wss:// address per line)' }), trackers,
  el('label', { className: 'check' }, useLocal, localTracker ? ` Also use this server’s tracker (${localTracker})` : ' Also use the tracker of the server this page came from, when it has one'),
  el('label', { className: 'check' }, useNostr, ' Use Nostr relays'),
  el('label', { for: 'settings-relays', text: 'Relays (one wss:// address per line)' }), relays,
  el('label', { for: 'settings-ice', text: 'ICE servers: “stun:host:port” or “turn:host:port username credential”, one per line (none needed on a LAN)' }), ice,
  el('div', { className: 'row' },
    el('button', { type: 'submit', className: 'primary', id: 'settings-save', text: 'Save' }),
    el('button', {
      type: 'button', className: 'ghost', text: 'Restore defaults',
      onclick: () => {
        trackers.value = DEFAULT_SETTINGS.trackers.join('\n');
        relays.value = DEFAULT_SETTINGS.relays.join('\n');
        ice.value = formatIceServers(DEFAULT_SETTINGS.iceServers);
      },
    })),
  message);

  return { element: el('details', { id: 'settings', className: 'card' }, el('summary', { text: 'Network settings' }), form) };
}
