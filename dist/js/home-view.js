// The screen after login: contacts, network status, settings and identity.

import { el, replaceChildren } from './dom.js';
import { identityPanel } from './identity-view.js';
import { createContactsView } from './contacts-view.js';
import { createStatusView } from './status-view.js';
import { createSettingsView } from './settings-view.js';

export function mountHome(root, { app, pendingKey, onLogout, onSaveSettings }) {
  const contacts = createContactsView({ friends: app.friends, pendingKey });
  const status = createStatusView({ network: app.network });
  const settings = createSettingsView({ settings: app.settings, localTracker: app.localTracker, onSave: onSaveSettings });
  const identity = el('details', { className: 'card', id: 'identity-details', open: true },
    el('summary', { text: 'My identity: public key, fingerprint and “add me” link' }),
    identityPanel(app.identity));
  const bar = el('div', { className: 'session-bar' },
    el('span', {}, 'Logged in as ', el('strong', { id: 'session-username', text: app.identity.username })),
    el('button', { type: 'button', id: 'logout-button', className: 'secondary', text: 'Log out', onclick: onLogout }));
  replaceChildren(root, bar, contacts.element, status.element, settings.element, identity);
  // Status texts ("online since", retry countdowns) age: refresh them now and then.
  const timer = setInterval(() => {
    contacts.render();
    status.render();
  }, 5_000);
  return {
    render() {
      contacts.render();
      status.render();
    },
    unmount: () => clearInterval(timer),
  };
}
