// Entry point: start the crypto worker, show the login screen, then the
// home screen of whoever logs in: conversations, contacts and groups online.

import { createCryptoClient } from './crypto-client.js';
import { mountLogin } from './login.js';
import { mountHome } from './home-view.js';
import { showBundleHash } from './bundle-info.js';
import { app } from './app-state.js';
import { openStore } from './store.js';
import { discoverLocalTracker, effectiveSettings, loadSettings, saveSettings, loadPreferences, savePreferences } from './settings.js';
import { createNetwork } from './network.js';
import { createFriends } from './friends.js';
import { createGroups } from './groups.js';
import { createMessenger, preview } from './messenger.js';
import { createTransfers } from './transfers.js';
import { createCycler } from './cycling.js';
import { createNotifier } from './notify.js';
import { createCalls } from './calls.js';
import { mountCallView } from './call-view.js';
import { claimIdentity } from './tab-lock.js';
import { el, replaceChildren } from './dom.js';

const root = document.getElementById('app');
app.cryptoClient = createCryptoClient(document.documentElement.dataset.workerIntegrity);
const localTracker = discoverLocalTracker();

// An "add me" link opened before login: keep the key for the contact form,
// and take it out of the address bar.
let pendingKey = /[#&]add=[A-Za-z0-9_-]+/.test(location.hash) ? location.href : null;
if (pendingKey) history.replaceState(null, '', location.pathname + location.search);

function showLogin(notice) {
  mountLogin(root, { cryptoClient: app.cryptoClient, onLogin: startSession, notice });
}

/** Another tab already runs this identity: say so, offer to take over. */
function showConflict(claim, identity) {
  const button = el('button', {
    type: 'button', className: 'primary', id: 'take-over', text: 'Use Trustero in this tab instead',
    onclick: async () => {
      button.disabled = true;
      const held = await claim.takeOver();
      openSession(identity, held);
    },
  });
  replaceChildren(root, el('section', { className: 'card', id: 'tab-conflict' },
    el('h2', { text: 'Already open in another tab' }),
    el('p', { text: `Trustero is running with this identity (fingerprint ${identity.fingerprint.slice(0, 16)}…) in another tab or window of this browser. Two tabs would deliver the same messages twice, so only one runs at a time.` }),
    button,
    el('button', { type: 'button', className: 'ghost', text: 'Log out here', onclick: async () => {
      await app.cryptoClient.logout();
      showLogin();
    } })));
}

async function startSession(identity) {
  const claim = await claimIdentity(identity.storeName, {
    onTakenOver: () => logout('This identity was opened in another tab, so it was closed here.'),
  });
  if (!claim.held) return showConflict(claim, identity);
  return openSession(identity, claim);
}

async function openSession(identity, claim) {
  app.identity = identity;
  app.claim = claim;
  app.store = await openStore(app.cryptoClient, identity.storeName);
  app.settings = await loadSettings(app.store);
  app.preferences = await loadPreferences(app.store);
  app.localTracker = await localTracker;
  let home = null;
  const refresh = (event) => {
    home?.render(event);
    app.notifier?.badge();
  };
  app.network = createNetwork({ cryptoClient: app.cryptoClient, onChange: refresh });
  app.network.configure(effectiveSettings(app.settings, app.localTracker));
  app.notifier = createNotifier({
    preferences: () => app.preferences,
    totalUnread: () => app.messenger.totalUnread(),
    isVisible: (id) => home?.isVisible(id) ?? false,
    titleOf: (conversation) => conversation.title,
  });
  app.messenger = createMessenger({
    cryptoClient: app.cryptoClient,
    store: app.store,
    identity,
    preferences: () => app.preferences,
    displayName: () => app.preferences.displayName,
    onChange: refresh,
    onIncoming: (conversation, message) => app.notifier.incoming(conversation, message, preview(message.content)),
    onAttach: () => app.transfers?.resume(),
  });
  await app.messenger.restore();
  const frames = (fingerprint, link, type, data) => {
    if (!link) return;
    if (app.messenger.handleFrame(fingerprint, link, type, data)) return;
    if (app.transfers.handleFrame(fingerprint, link, type, data)) return;
    if (app.calls.handleFrame(fingerprint, link, type, data)) return;
    app.friends.get(fingerprint)?.onMessage?.(type, data);
  };
  app.friends = createFriends({ cryptoClient: app.cryptoClient, store: app.store, network: app.network, identity, messenger: app.messenger, frames, onChange: refresh });
  app.groups = createGroups({ cryptoClient: app.cryptoClient, store: app.store, network: app.network, identity, messenger: app.messenger, friends: app.friends, frames, onChange: refresh });
  // Any authenticated session with that identity (pair room or group room).
  const linkTo = (fingerprint) => {
    const candidates = [app.friends.get(fingerprint)?.link, ...app.groups.list().map((g) => g.links?.get(fingerprint))];
    return candidates.find((link) => link?.state === 'ready') ?? null;
  };
  app.transfers = createTransfers({
    cryptoClient: app.cryptoClient,
    store: app.store,
    messenger: app.messenger,
    identity,
    membersOf: (conversationId) => (app.messenger.conversation(conversationId)?.members ?? []).map((m) => m.fingerprint),
    onChange: refresh,
    linkTo,
    // Whoever announced the file first, then anyone else in that conversation.
    sourcesFor: (file) => {
      const conversation = app.messenger.conversation(file.conversation);
      return [...new Set([file.from, file.relay, ...(conversation?.members ?? []).map((m) => m.fingerprint)].filter(Boolean))];
    },
  });
  let callView = null;
  app.calls = createCalls({
    identity,
    membersOf: (conversationId) => app.messenger.conversation(conversationId)?.members ?? [],
    linkTo,
    record: (conversationId, content) => app.messenger.send(conversationId, content),
    onChange: (call, ended) => callView?.render(call, ended),
    onRing: (call) => app.notifier.incomingCall(app.messenger.conversation(call.conversationId), call.video),
  });
  await app.friends.load();
  await app.groups.load();
  await app.transfers.load();
  app.cycler = createCycler({
    candidates: () => [...app.friends.roomCandidates(), ...app.groups.roomCandidates()],
    isImportant: (candidate) => (home?.openIds().includes(candidate.conversationId) ?? false)
      || candidate.conversationId === app.calls.current()?.conversationId
      || candidate.fingerprints.some((fp) => app.messenger.pendingFor(fp) > 0),
    maxRooms: () => app.preferences.maxRooms,
  });
  app.cycler.apply();
  home = mountHome(root, {
    app,
    pendingKey,
    onLogout: () => logout(),
    async onSaveSettings(settings) {
      app.settings = settings;
      await saveSettings(app.store, settings);
      app.network.configure(effectiveSettings(settings, app.localTracker));
    },
    async onSavePreferences(preferences) {
      app.preferences = preferences;
      await savePreferences(app.store, preferences);
      app.cycler.apply();
    },
  });
  callView = mountCallView(document.body, app);
  app.callView = callView;
  pendingKey = null;
  app.home = home;
  app.notifier.badge();
}

async function logout(notice) {
  app.calls?.close();
  app.callView?.unmount();
  app.home?.unmount();
  app.cycler?.stop();
  app.transfers?.close();
  await app.messenger?.close().catch(() => {});
  app.groups?.close();
  app.friends?.close();
  app.network?.close();
  app.store?.close();
  app.claim?.release();
  await app.cryptoClient.logout();
  for (const key of Object.keys(app)) if (key !== 'cryptoClient') app[key] = null;
  document.title = 'Trustero';
  showLogin(notice);
}

// Closing or reloading the tab leaves a call cleanly for the others.
window.addEventListener('pagehide', () => app.calls?.close());

showBundleHash(app.cryptoClient, {
  hash: document.getElementById('bundle-hash'),
  url: document.getElementById('verify-url'),
});
showLogin();
