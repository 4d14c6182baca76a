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

/** This device's id (as "My identity" lists it) and the name of our identity's database on it. */
export function thisDevice(page) {
  return page.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    return { id: app.devices.self, storeName: app.identity.storeName };
  });
}

/** What the session keeps of our identity, as JSON text (its byte fields left out). */
export function identityText(page) {
  return page.evaluate(async () => {
    const { app } = await import('./js/facade.js');
    return JSON.stringify(app.identity, (k, v) => (v instanceof Uint8Array ? undefined : v));
  });
}

/** The network settings in force ({trackers, relays, iceServers, mailboxDays, …}). */
export function settings(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.settings);
}

/** The chat preferences in force ({displayName, maxRooms, readReceipts, …}). */
export function preferences(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.preferences);
}

/** How many changes of our roaming profile are not yet on the relays (0: published). */
export function profilePending(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.profile.pending());
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

/** Adds many contacts at once ([{spki, nickname}]), one after the other, as the contact form does. */
export function addContacts(page, contacts) {
  return page.evaluate(async (contacts) => {
    const { app } = await import('./js/facade.js');
    for (const { spki, nickname } of contacts) await app.contacts.add({ keyText: spki, nickname });
  }, contacts);
}

/** Marks the contact `who` verified (or not). */
export function setVerified(page, who, verified) {
  return page.evaluate(async ({ fp, verified }) => (await import('./js/facade.js')).app.contacts.setVerified(fp, verified), { fp: who.fingerprint, verified });
}

/** Gives the contact `who` another nickname. */
export function renameContact(page, who, nickname) {
  return page.evaluate(async ({ fp, nickname }) => (await import('./js/facade.js')).app.contacts.rename(fp, nickname), { fp: who.fingerprint, nickname });
}

/** Removes the contact `who`. */
export function removeContact(page, who) {
  return page.evaluate(async (fp) => (await import('./js/facade.js')).app.contacts.remove(fp), who.fingerprint);
}

// ---- what the app knows ----

/** Whether a session with `who` is up. */
export function isOnline(page, who) {
  return page.evaluate(async (fp) => (await import('./js/facade.js')).app.sessions.isOnline(fp), who.fingerprint);
}

/** The id of our conversation with the contact `who` (throws if `who` is not a contact). */
export async function conversationWith(page, who) {
  const id = await conversationIfContact(page, who);
  if (id === null) throw new Error(`${who.username ?? who.fingerprint} is not a contact here`);
  return id;
}

/** The conversation id of our first group, or null. */
export async function firstGroup(page) {
  return (await groupList(page))[0]?.conversationId ?? null;
}

/** Whether we are a member of the group whose conversation is `conversationId`. */
export async function hasGroup(page, conversationId) {
  return (await groupList(page)).some((g) => g.conversationId === conversationId);
}

/** How many of `who`'s devices we have a ready session with. */
export function sessionsWith(page, who) {
  return page.evaluate(async (fp) => (await import('./js/facade.js')).app.sessions.linksTo(fp).length, who.fingerprint);
}

/** The fingerprints of those among `people` we have no ready session with. */
export function withoutSession(page, people) {
  return page.evaluate(
    async (fps) => {
      const { app } = await import('./js/facade.js');
      return fps.filter((fp) => !app.sessions.linkTo(fp));
    },
    people.map((p) => p.fingerprint),
  );
}

/** How many other devices of ours we have a session with. */
export function ownDevicesOnline(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.chat.ownDevicesOnline());
}

/** How many refused connection attempts the contact list shows. */
export function failedAttempts(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.contacts.failedAttempts().length);
}

/** What we know of the contact `who` ({nickname, roomPassword, verified}), or null if `who` is not a contact. */
export function contactOf(page, who) {
  return page.evaluate(async (fp) => {
    const friend = (await import('./js/facade.js')).app.contacts.get(fp);
    return friend ? { nickname: friend.nickname, roomPassword: friend.roomPassword, verified: friend.verified } : null;
  }, who.fingerprint);
}

/** The id of our conversation with `who`, or null while `who` is not a contact. */
export function conversationIfContact(page, who) {
  return page.evaluate(async (fp) => (await import('./js/facade.js')).app.contacts.get(fp)?.conversationId ?? null, who.fingerprint);
}

/** The ids of our conversations, in the chat service's order. */
export function conversations(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.chat.conversations().map((c) => c.id));
}

/** What the network layer shows: {trackers, relays (each [{url, state, lastError, retryAt, openedAt, …}]), rooms, peers}. */
export function networkStatus(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.network.status());
}

// ---- groups ----

/** Our groups, each as {id, conversationId, secret, creator, members (fingerprints), inRoom (its room joined)}. */
export function groupList(page) {
  return page.evaluate(async () =>
    (await import('./js/facade.js')).app.groups.list().map((g) => ({
      id: g.id,
      conversationId: g.conversationId,
      secret: g.secret,
      creator: g.creator,
      members: g.members.map((m) => m.fingerprint),
      inRoom: !!g.room,
    })),
  );
}

/** Our group `groupId` as groupList gives it, or null if we do not have it. */
export async function knownGroup(page, groupId) {
  return (await groupList(page)).find((g) => g.id === groupId) ?? null;
}

/** Creates a group of `members` (contacts) named `name`, as the new-group form does; resolves to it as knownGroup gives it. */
export async function createGroup(page, name, members) {
  const id = await page.evaluate(async ({ name, fps }) => (await (await import('./js/facade.js')).app.groups.create(name, fps)).id, {
    name,
    fps: members.map((m) => m.fingerprint),
  });
  return knownGroup(page, id);
}

/** Whether the group is restored but not yet confirmed by a member (nothing can be sent in it). */
export function isProvisional(page, groupId) {
  return page.evaluate(async (id) => (await import('./js/facade.js')).app.groups.isProvisional(id), groupId);
}

/** How many connections of the group's room are not closed (0 without a room). */
export function groupConnections(page, groupId) {
  return page.evaluate(
    async (id) =>
      (await import('./js/facade.js')).app.groups
        .get(id)
        ?.room?.connections()
        .filter((c) => c.state !== 'closed').length ?? 0,
    groupId,
  );
}

/** The group descriptors refused lately, newest first: [{group, name, from, why, at}]. */
export function refusedGroups(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.groups.refusedDescriptors());
}

/** Adds the contact `who` to our group `groupId` (we are its creator). */
export function addMember(page, groupId, who) {
  return page.evaluate(async ({ id, fp }) => (await import('./js/facade.js')).app.groups.addMember(id, fp), { id: groupId, fp: who.fingerprint });
}

/** Removes `who` from our group `groupId` (we are its creator). */
export function removeMember(page, groupId, who) {
  return page.evaluate(async ({ id, fp }) => (await import('./js/facade.js')).app.groups.removeMember(id, fp), { id: groupId, fp: who.fingerprint });
}

// ---- rooms ----

/**
 * Runs the room cycler as if `later` ms had passed and resolves to what is
 * joined right after: {joined (the cycler's room keys), rooms (how many the
 * network layer holds)}.
 */
export function rotateRooms(page, later = 0) {
  return page.evaluate(async (later) => {
    const { app } = await import('./js/facade.js');
    app.cycler.apply(Date.now() + later);
    return { joined: app.cycler.joined(), rooms: app.network.status().rooms };
  }, later);
}

/**
 * Joins the room of a group through the network layer alone, from its id
 * and secret (arrays of bytes), meeting only `allowed` (fingerprints); the
 * room is left in `window.groupRoom` for the test to read.
 */
export function joinGroupRoom(page, { groupId, secret, allowed }) {
  return page.evaluate(
    async ({ groupId, secret, allowed }) => {
      const { app } = await import('./js/facade.js');
      const room = await app.cryptoClient.groupRoom(Uint8Array.from(groupId), Uint8Array.from(secret));
      window.groupRoom = app.network.join({ room, allowed: () => allowed });
    },
    { groupId, secret, allowed },
  );
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

/** The content of every stored message of a conversation, as sent ({t, body, …}). */
export function contents(page, conversationId) {
  return page.evaluate(async (id) => {
    const { app } = await import('./js/facade.js');
    return (await app.chat.history(id, { limit: 100_000 })).map((m) => m.content);
  }, conversationId);
}

/** How many messages a conversation holds (cheap: none is opened); -1 without the conversation. */
export function storedCount(page, conversationId) {
  return page.evaluate(async (id) => {
    const conversation = (await import('./js/facade.js')).app.chat.conversation(id);
    return conversation ? conversation.nextSeq - 1 : -1;
  }, conversationId);
}

/** Whether everything is out: our history on the relays for our other devices, reads under way, acknowledgements. */
export function settled(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.chat.settled());
}

/** A conversation's unread count (throws if we do not have the conversation). */
export function unread(page, conversationId) {
  return page.evaluate(async (id) => (await import('./js/facade.js')).app.chat.conversation(id).unread, conversationId);
}

/** Our Lamport counter in a conversation. */
export function lamport(page, conversationId) {
  return page.evaluate(async (id) => (await import('./js/facade.js')).app.chat.conversation(id).lamport, conversationId);
}

/** The display name `who` gave itself in a conversation ('' if none). */
export function memberName(page, conversationId, who) {
  return page.evaluate(async ({ id, fp }) => (await import('./js/facade.js')).app.chat.memberName(id, fp), { id: conversationId, fp: who.fingerprint });
}

/** The envelope of a stored message as it travelled (its bytes, as an array of numbers), by its sender and id. */
export function storedEnvelope(page, sender, messageId) {
  return page.evaluate(
    async ({ fp, id }) => {
      const { app } = await import('./js/facade.js');
      const place = await app.store.messages.locate(`${fp}:${id}`);
      return [...(await app.store.messages.get(place)).env];
    },
    { fp: sender.fingerprint, id: messageId },
  );
}

/**
 * Hands an envelope (an array of bytes) to the page as an 'env' frame from
 * `from`; resolves to what became of it: 'accepted', 'unknown' (no
 * conversation or key of ours opens it) or null (refused or already held).
 */
export function receiveEnvelope(page, from, envelope) {
  return page.evaluate(async ({ fp, bytes }) => (await import('./js/facade.js')).app.chat.frames.env(fp, null, new Uint8Array(bytes)), {
    fp: from.fingerprint,
    bytes: envelope,
  });
}

// ---- files ----

/** Sends a file (`bytes`: a Buffer or Uint8Array) as the attach button does; resolves to {id, fileId} of its message. */
export function attach(page, conversationId, { name, type, bytes }) {
  return page.evaluate(
    async ({ id, name, type, base64 }) => {
      const { app } = await import('./js/facade.js');
      const { fromBase64 } = await import('./js/core/encoding.js');
      const message = await app.transfers.attach(id, new File([fromBase64(base64)], name, { type }));
      return { id: message.id, fileId: message.content.fileId };
    },
    { id: conversationId, name, type, base64: Buffer.from(bytes).toString('base64') },
  );
}

/** The stored file messages of a conversation, oldest first: [{id, sender, name, fileId}]. */
export function files(page, conversationId) {
  return page.evaluate(async (id) => {
    const { app } = await import('./js/facade.js');
    const messages = await app.chat.history(id, { limit: 100_000 });
    return messages.filter((m) => m.content.t === 'file').map((m) => ({ id: m.id, sender: m.sender, name: m.content.name, fileId: m.content.fileId }));
  }, conversationId);
}

/** Where the transfer of a file sent by the fingerprint `sender` stands ({state, …}; 'complete': all here), or null. */
export function transferStatus(page, sender, fileId) {
  return page.evaluate(async ({ sender, fileId }) => (await import('./js/facade.js')).app.transfers.status(sender, fileId), { sender, fileId });
}

/**
 * Opens the file of `file` (a stored message, {id, sender} as `files` gives
 * it) in the page, as a download does, and resolves to its bytes in base64
 * or, with `sha256`, to their SHA-256 in hex; throws with the app's error
 * `code` when the app refuses it (incomplete, or not this message's file).
 */
async function openFile(page, conversationId, file, { sha256 = false } = {}) {
  const { value, refused } = await page.evaluate(
    async ({ id, file, sha256 }) => {
      const { app } = await import('./js/facade.js');
      const { toBase64, toHex } = await import('./js/core/encoding.js');
      const message = (await app.chat.history(id, { limit: 100_000 })).find((m) => m.id === file.id && m.sender === file.sender);
      try {
        const bytes = new Uint8Array(await (await app.transfers.blob(message.sender, message.content)).arrayBuffer());
        return { value: sha256 ? toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))) : toBase64(bytes) };
      } catch (error) {
        if (!error.code) throw error;
        return { refused: error.code };
      }
    },
    { id: conversationId, file: { id: file.id, sender: file.sender }, sha256 },
  );
  if (refused) throw Object.assign(new Error(`the app refuses the file: ${refused}`), { code: refused });
  return value;
}

/** The bytes (a Buffer) of the file of `file` (a stored message, as `files` gives it); rejects with the app's error `code` when it refuses them. */
export async function fileBytes(page, conversationId, file) {
  return Buffer.from(await openFile(page, conversationId, file), 'base64');
}

/** The SHA-256 (hex) of the file of `file` (as `files` gives it), computed in the page; rejects as fileBytes does. */
export function fileDigest(page, conversationId, file) {
  return openFile(page, conversationId, file, { sha256: true });
}

// ---- mailbox ----

/** Each mailbox relay's line of the Network section: [{url, state, lastError, waiting, pausedUntil, …}]. */
export function mailboxStatus(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.mailbox.status());
}

/** How many deletions of delivered mail wait for their time (10 min to 2 h). */
export function deletionsWaiting(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.mailbox.deletionsWaiting());
}

/** Sends the waiting deletions now, as if their time had come. */
export function sendDeletionsNow(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.mailbox.sendDeletionsNow());
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

/** The id of the call in progress, or null. */
export function currentCall(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.calls.current()?.id ?? null);
}

/** Starts a call in a conversation (a contact's or a group's) through the calls service. */
export async function startCallIn(page, conversationId, { video }) {
  await page.evaluate(
    async ({ id, video }) => {
      await (await import('./js/facade.js')).app.calls.start(id, { video });
    },
    { id: conversationId, video },
  );
}

/** Leaves the call (or stops ringing it), as the hang-up button does. */
export function hangUp(page) {
  return page.evaluate(async () => (await import('./js/facade.js')).app.calls.hangup());
}
