// Entry point: start the crypto worker, show the login screen, then the
// home screen of whoever logs in, with its contacts online.

import { createCryptoClient } from './crypto-client.js';
import { mountLogin } from './login.js';
import { mountHome } from './home-view.js';
import { showBundleHash } from './bundle-info.js';
import { app } from './app-state.js';
import { openStore } from './store.js';
import { discoverLocalTracker, effectiveSettings, loadSettings, saveSettings } from './settings.js';
import { createNetwork } from './network.js';
import { createFriends } from './friends.js';

const root = document.getElementById('app');
app.cryptoClient = createCryptoClient(document.documentElement.dataset.workerIntegrity);
const localTracker = discoverLocalTracker();

// An "add me" link opened before login: keep the key for the contact form,
// and take it out of the address bar.
let pendingKey = /[#&]add=[A-Za-z0-9_-]+/.test(location.hash) ? location.href : null;
if (pendingKey) history.replaceState(null, '', location.pathname + location.search);

function showLogin() {
  mountLogin(root, { cryptoClient: app.cryptoClient, onLogin: startSession });
}

async function startSession(identity) {
  app.identity = identity;
  app.store = await openStore(app.cryptoClient, identity.storeName);
  app.settings = await loadSettings(app.store);
  app.localTracker = await localTracker;
  let home = null;
  const refresh = () => home?.render();
  app.network = createNetwork({ cryptoClient: app.cryptoClient, onChange: refresh });
  app.network.configure(effectiveSettings(app.settings, app.localTracker));
  app.friends = createFriends({ cryptoClient: app.cryptoClient, store: app.store, network: app.network, identity, onChange: refresh });
  await app.friends.load();
  home = mountHome(root, {
    app,
    pendingKey,
    onLogout: logout,
    async onSaveSettings(settings) {
      app.settings = settings;
      await saveSettings(app.store, settings);
      app.network.configure(effectiveSettings(settings, app.localTracker));
    },
  });
  pendingKey = null;
  app.home = home;
}

async function logout() {
  app.home?.unmount();
  app.friends?.close();
  app.network?.close();
  app.store?.close();
  await app.cryptoClient.logout();
  Object.assign(app, { identity: null, store: null, network: null, friends: null, settings: null, home: null });
  showLogin();
}

showBundleHash(app.cryptoClient, {
  hash: document.getElementById('bundle-hash'),
  url: document.getElementById('verify-url'),
});
showLogin();
