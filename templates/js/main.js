// Entry point: start the crypto worker, show the login screen, then the
// identity of whoever logs in.

import { createCryptoClient } from './crypto-client.js';
import { mountLogin } from './login.js';
import { mountIdentity } from './identity-view.js';
import { showBundleHash } from './bundle-info.js';

const app = document.getElementById('app');
const cryptoClient = createCryptoClient(document.documentElement.dataset.workerIntegrity);

function showLogin() {
  mountLogin(app, { cryptoClient, onLogin: showIdentity });
}

function showIdentity(identity) {
  mountIdentity(app, {
    cryptoClient,
    identity,
    onLogout: async () => {
      await cryptoClient.logout();
      showLogin();
    },
  });
}

showBundleHash(cryptoClient, {
  hash: document.getElementById('bundle-hash'),
  url: document.getElementById('verify-url'),
});
showLogin();
