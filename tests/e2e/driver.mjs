// The browser tests' driver: the steps a test takes through the running
// app's test façade (templates/js/facade.js) instead of its screens, one
// named function each, shared by the e2e tests, the benchmarks and the soak.
//
// Use it for the setup a test is not about (settings, contacts, reading
// what was stored); a test about a form or a journey goes through the page
// itself, as a user does (network-helpers.mjs: configureInForm,
// addContactInForm). Every function takes the page of a logged-in person.

// ---- who we are, what we set ----

/** Our fingerprint and public key (base64, as the contact form takes it). */
export function identityOf(page) {
  return page.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    const { encode } = await import('./js/core/encoding.js');
    return { fingerprint: app.identity.fingerprint, spki: encode(app.identity.spki) };
  });
}

/**
 * Saves network settings as the settings form does (stored, in force,
 * roaming): trackers and relays (arrays of URLs), ICE servers (the form's
 * text), whether builder serve's own tracker and relay are used and, if
 * given, the direct connections per group.
 */
export function saveSettings(page, { trackers = [], relays = [], local = false, ice = '', groupConnections = null }) {
  return page.evaluate(
    async ({ trackers, relays, local, ice, groupConnections }) => {
      const { app } = await import('./js/facade.js');
      const { parseIceServers, parseUrls } = await import('./js/core/settings.js');
      const parsed = { trackers: parseUrls(trackers.join('\n'), 'Tracker'), relays: parseUrls(relays.join('\n'), 'Relay'), ice: parseIceServers(ice) };
      const errors = Object.values(parsed).flatMap((p) => p.errors);
      if (errors.length) throw new Error(`settings the form would refuse: ${errors.join(' ')}`);
      await app.saveSettings({
        ...app.settings,
        trackers: parsed.trackers.urls,
        relays: parsed.relays.urls,
        iceServers: parsed.ice.servers,
        useTrackers: true,
        useNostr: true,
        useLocalTracker: local,
        ...(groupConnections === null ? {} : { groupConnections }),
      });
    },
    { trackers, relays, local, ice, groupConnections },
  );
}

/** Adds `who` ({spki} of the vectors or identityOf) as a contact, as the contact form does. */
export function addContact(page, who, nickname, { roomPassword = '' } = {}) {
  return page.evaluate(
    async ({ keyText, nickname, roomPassword }) => {
      const { app } = await import('./js/facade.js');
      await app.contacts.add({ keyText, nickname, roomPassword });
    },
    { keyText: who.spki, nickname, roomPassword },
  );
}

// ---- what the app knows ----

/** Whether a session with `who` is up. */
export function isOnline(page, who) {
  return page.evaluate(async (fp) => (await import('./js/facade.js')).app.sessions.isOnline(fp), who.fingerprint);
}

/** The id of our conversation with the contact `who`. */
export function conversationWith(page, who) {
  return page.evaluate(async (fp) => (await import('./js/facade.js')).app.contacts.get(fp).conversationId, who.fingerprint);
}

/** The conversation id of our first group, or null. */
export function firstGroup(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.groups.list()[0]?.conversationId ?? null);
}

/** Whether we are a member of the group whose conversation is `conversationId`. */
export function hasGroup(page, conversationId) {
  return page.evaluate(async (id) => (await import('./js/facade.js')).app.groups.byConversation(id) !== undefined, conversationId);
}

// ---- messages ----

/** Sends a text through the messenger (fast loops); resolves to its message id. */
export function send(page, conversationId, body) {
  return page.evaluate(
    async ({ conversationId, body }) => {
      const { app } = await import('./js/facade.js');
      return (await app.chat.send(conversationId, { t: 'text', body })).id;
    },
    { conversationId, body },
  );
}

/**
 * The chat events that change what a conversation's stored messages read
 * as (templates/js/chat/chat-events.js). Each page counts them per
 * conversation (from the first wait on), so a wait reads the history again
 * only after one came, never on a timer.
 */
const CHANGES = ['message-stored', 'state-changed', 'message-copied', 'copy-merged', 'unread-changed'];

/** Resolves to the number of changes seen in `conversationId` once it exceeds `seen` (or after `ms`, whatever the number). */
function changesAfter(page, conversationId, seen, ms) {
  return page.evaluate(
    async ({ id, seen, ms, names }) => {
      const { app } = await import('./js/facade.js');
      /** One counter per chat service of this page (a logout and login makes a new one). */
      const counters = (globalThis.trusteroDriverCounters ??= new WeakMap());
      let counter = counters.get(app.chat);
      if (!counter) {
        counter = { counts: new Map(), waiters: new Set() };
        const { counts, waiters } = counter;
        for (const name of names) {
          app.chat.events.on(name, (event) => {
            counts.set(event.conversation, (counts.get(event.conversation) ?? 0) + 1);
            for (const wake of waiters) wake();
          });
        }
        counters.set(app.chat, counter);
      }
      const count = () => counter.counts.get(id) ?? 0;
      if (count() > seen) return count();
      await new Promise((resolve) => {
        const wake = () => count() > seen && done();
        const timer = setTimeout(() => done(), ms);
        function done() {
          clearTimeout(timer);
          counter.waiters.delete(wake);
          resolve();
        }
        counter.waiters.add(wake);
      });
      return count();
    },
    { id: conversationId, seen, ms, names: CHANGES },
  );
}

/**
 * Waits until `check(messages)` holds for the stored messages of a
 * conversation (as `stored` gives them) and returns them. The history is
 * read again only after a chat event about that conversation.
 */
export async function untilStored(page, conversationId, check, { timeout = 30_000, what = 'a condition on the stored messages' } = {}) {
  const deadline = Date.now() + timeout;
  let seen = await changesAfter(page, conversationId, Infinity, 0);
  for (;;) {
    const messages = await stored(page, conversationId);
    if (check(messages)) return messages;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeout} ms waiting for ${what}; last seen ${JSON.stringify(messages).slice(0, 400)}`);
    seen = await changesAfter(page, conversationId, seen, Math.min(left, 5_000));
  }
}

/** Every stored message of a conversation: [{id, body, t, mine, state, sender}]. */
export function stored(page, conversationId) {
  return page.evaluate(async (id) => {
    const { app } = await import('./js/facade.js');
    const messages = await app.chat.history(id, { limit: 100_000 });
    return messages.map((m) => ({ id: m.id, body: m.content.body, t: m.content.t, mine: m.mine, state: m.state, sender: m.sender }));
  }, conversationId);
}

// ---- calls ----

/**
 * How many remote descriptions the page's WebRTC connections have taken
 * (each offer or answer of a negotiation), counted from this page's first
 * call of it on: the browser's own API, wrapped by the test.
 */
export function remoteDescriptions(page) {
  return page.evaluate(() => {
    const prototype = RTCPeerConnection.prototype;
    if (!globalThis.trusteroCountsDescriptions) {
      globalThis.trusteroCountsDescriptions = true;
      globalThis.trusteroRemoteDescriptions = 0;
      const original = prototype.setRemoteDescription;
      prototype.setRemoteDescription = function counted(...args) {
        globalThis.trusteroRemoteDescriptions += 1;
        return original.apply(this, args);
      };
    }
    return globalThis.trusteroRemoteDescriptions;
  });
}

/** What `page` receives in the current call from participant `who`: {state, streams, framesDecoded, audioEnergy, …}, or null. */
export function received(page, who) {
  return page.evaluate(async (fp) => {
    const { app } = await import('./js/facade.js');
    const participant = app.calls.current()?.participants.get(fp);
    return participant ? { state: participant.state, streams: participant.streams.size, ...participant.stats } : null;
  }, who.fingerprint);
}
