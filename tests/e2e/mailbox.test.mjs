// The mailbox (issue 10): people who are never online together, or who
// cannot connect directly, still hold a conversation — through a real Nostr
// relay (nostr-rs-relay) on loopback, with nothing lost, nothing twice and
// nothing readable on the relay. Each person has their own browser context
// (mailbox-helpers.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, serve, until } from './harness.mjs';
import { ALICE, BOB, CAROL, tab } from './network-helpers.mjs';
import * as helpers from './mailbox-helpers.mjs';
import { leave, relaysOnly, untilStates } from './mailbox-helpers.mjs';
import { conversationWith, send, stored, untilStored } from './chat-helpers.mjs';
import { attach, createGroup, deletionsWaiting, mailboxStatus, sendDeletionsNow, settled, transferStatus } from './driver.mjs';
import { startNostrRelay } from './servers.mjs';
import { WebSocketServer } from 'ws';
import { freePort } from './harness.mjs';

let browser;
let server;
// Mail goes to the relays 2 s after a message found no session (5 s in a release).
browserAndServerPerFile(
  (b, s) => {
    browser = b;
    server = s;
  },
  { timing: { relayAfterMs: 2_000 } },
);

const person = (who, options) => helpers.person(browser, who, options);
const arrive = (someone, network) => helpers.arrive(someone, server.url, network);
const addByLink = (page, who, nickname) => helpers.addByLink(page, server.url, who, nickname);

/**
 * Bob, then Alice — never together — each add the other from an "add me"
 * link, reading mail from `relays`; Bob leaves, Alice stays in their
 * conversation `conv`.
 */
async function meetThroughLinks(relays) {
  const alice = await person(ALICE);
  const bob = await person(BOB);
  await addByLink(await arrive(bob, relaysOnly(relays)), ALICE, 'Alice');
  await leave(bob);
  await addByLink(await arrive(alice, relaysOnly(relays)), BOB, 'Bob');
  return { alice, bob, conv: await conversationWith(alice.page, BOB) };
}

test('never online together: three messages and a 100 KiB image arrive once, in order; ticks go "on relays" then "delivered"; the relay keeps nothing readable', async () => {
  const relay = await startNostrRelay();
  try {
    const { alice, bob, conv } = await meetThroughLinks([relay.url]);

    const bodies = ['plaintext-one-7f3a', 'plaintext-two-7f3a', 'plaintext-three-7f3a'];
    for (const body of bodies) await send(alice.page, conv, body);
    const image = await attach(alice.page, conv, {
      name: 'holiday-photo-7f3a.png',
      type: 'image/png',
      bytes: new Uint8Array(100 * 1024).map((_, i) => (i * 7) % 251),
    });
    const mine = await untilStates(alice.page, conv, ['relayed'], 'every message "on relays"');
    assert.equal(mine.length, 4);
    // The image's chunk follows its message through the relays (posted right
    // after it): 100 KiB sealed travel in four 32 KiB fragments.
    await until(
      () => relay.query({ kinds: [1059], '#p': [BOB.mailbox_key] }),
      (events) => events.length >= 4 + 4,
      {
        what: 'the wraps of three messages, the image message and its chunk on the relay',
      },
    );
    // Alice's own history goes to her own mailbox too: once it is out, every
    // wrap that appears there later is Bob's.
    await until(() => settled(alice.page), Boolean, { what: 'Alice’s history on the relay' });
    const idsOf = async (key) => new Set((await relay.query({ kinds: [1059], '#p': [key] })).map((e) => e.id));
    const aliceHad = await idsOf(ALICE.mailbox_key);
    const forBob = await idsOf(BOB.mailbox_key);
    await leave(alice);

    // Bob comes back hours later (here: now), with Alice long gone.
    await arrive(bob);
    const bobConv = await conversationWith(bob.page, ALICE);
    const got = await untilStored(bob.page, bobConv, (m) => m.length === 4, { timeout: 60_000, what: 'all four messages at Bob' });
    assert.deepEqual(
      got.map((m) => m.body ?? m.t),
      [...bodies, 'file'],
      'once each, in the order Alice wrote them',
    );
    await until(
      () => transferStatus(bob.page, ALICE.fingerprint, image.fileId),
      (s) => s?.state === 'complete',
      { timeout: 60_000, what: 'the image complete at Bob' },
    );
    // Bob's acknowledgements leave through the relays too.
    await until(() => settled(bob.page), Boolean, { what: 'Bob’s acknowledgements sent' });
    await until(idsOf.bind(null, ALICE.mailbox_key), (ids) => [...ids].some((id) => !aliceHad.has(id)), { what: 'Bob’s acknowledgements on the relay' });
    await leave(bob);

    // Alice comes back: her ticks show delivered, and her wraps were deleted.
    await arrive(alice);
    await untilStates(alice.page, conv, ['delivered', 'read'], 'every message delivered at Alice');
    // The deletions wait 10 min to 2 h (a deletion at once would tell the
    // relay when Bob read his mail): queued, and the relay still serves the wraps.
    await until(() => deletionsWaiting(alice.page), (n) => n >= 4, { what: 'deletions waiting' });
    assert.ok(
      [...(await idsOf(BOB.mailbox_key))].some((id) => forBob.has(id)),
      'nothing deleted at once',
    );
    // Their time comes (the façade lets it pass).
    await sendDeletionsNow(alice.page);
    // (Bob's own history, left on his mailbox meanwhile, stays: it is not Alice's.)
    await until(idsOf.bind(null, BOB.mailbox_key), (ids) => ![...ids].some((id) => forBob.has(id)), {
      what: 'the relay to stop serving Alice’s delivered wraps (NIP-09)',
    });

    // What the relay stored: opaque wraps by one-time keys, each expiring;
    // and each person's roaming-profile records (their contact), by a key of
    // their own unrelated to their identity and mailbox, under an opaque d.
    const everything = await relay.query({});
    assert.ok(everything.length > 0);
    const mailboxKeys = [ALICE.mailbox_key, BOB.mailbox_key];
    const profileKeys = [ALICE.profile_author, BOB.profile_author];
    for (const event of everything) {
      assert.ok([1059, 5, 30078].includes(event.kind), `only wraps, deletions and profile records, not kind ${event.kind}`);
      assert.ok(!mailboxKeys.includes(event.pubkey), 'never published by a mailbox key');
      if (event.kind === 1059) assert.ok(Number(event.tags.find((t) => t[0] === 'expiration')?.[1]) > Date.now() / 1000, 'every wrap expires');
      if (event.kind !== 30078) assert.ok(!profileKeys.includes(event.pubkey), 'mail is never published by a profile key');
      else {
        assert.ok(profileKeys.includes(event.pubkey), 'profile records only by profile keys');
        assert.match(event.tags.find((t) => t[0] === 'd')?.[1] ?? '', /^[0-9a-f]{64}$/, 'an opaque d');
      }
    }
    // Nothing but contents is free text: no username there either.
    const visible = JSON.stringify(everything.map(({ content, ...rest }) => rest));
    for (const name of [ALICE.username, BOB.username]) assert.ok(!visible.includes(name), `${name} outside the ciphertexts`);
    // The raw database: no long identifier or plaintext anywhere (usernames
    // this short occur by chance in base64 ciphertext, so they are checked
    // above instead). Mailbox keys appear only as the recipient tag of mail
    // to their owner (checked above: never as an author).
    const disk = relay.diskText();
    const secrets = [ALICE.fingerprint, BOB.fingerprint, conv, ...bodies, 'holiday-photo-7f3a', ...mine.map((m) => m.id)];
    for (const secret of secrets) assert.ok(!disk.includes(secret), `the relay's database holds ${secret.slice(0, 20)}`);
  } finally {
    await relay.stop();
  }
});

test('with default settings and no direct connection possible (WebRTC fails), chat works both ways through the mailbox and says "via relays"', async () => {
  const relay = await startNostrRelay();
  try {
    // A page whose every RTCPeerConnection fails (symmetric NAT, a policy).
    const noWebRtc = () => {
      window.RTCPeerConnection = class {
        constructor() {
          throw new DOMException('WebRTC is disabled by policy', 'NotSupportedError');
        }
      };
    };
    const alice = await person(ALICE, { init: noWebRtc });
    const bob = await person(BOB, { init: noWebRtc });
    // The default trackers, relays and STUN server (unreachable here), plus the loopback relay.
    for (const someone of [alice, bob]) {
      const page = await arrive(someone);
      await tab(page, 'settings');
      if (!(await page.$eval('#settings', (d) => d.open))) await page.click('#settings summary');
      await page.fill('#settings-relays', `${await page.inputValue('#settings-relays')}\n${relay.url}`);
      await page.click('#settings-save');
      await page.waitForSelector('#settings-message:text("Saved")');
    }
    await addByLink(alice.page, BOB, 'Bob');
    await addByLink(bob.page, ALICE, 'Alice');
    const conv = await conversationWith(alice.page, BOB);
    const bobConv = await conversationWith(bob.page, ALICE);

    await send(alice.page, conv, 'hello through the relays');
    await untilStored(bob.page, bobConv, (m) => m.some((x) => x.body === 'hello through the relays'), { timeout: 60_000, what: 'Alice’s message at Bob' });
    await send(bob.page, bobConv, 'and back');
    await untilStored(alice.page, conv, (m) => m.some((x) => x.body === 'and back'), { timeout: 60_000, what: 'Bob’s answer at Alice' });
    await untilStates(alice.page, conv, ['delivered', 'read'], 'Alice’s message delivered');
    await untilStates(bob.page, bobConv, ['delivered', 'read'], 'Bob’s message delivered');
    // The header says how they are talking.
    await tab(alice.page, 'chats');
    await alice.page.click(`.chat-item[data-conversation="${conv}"]`);
    await alice.page.waitForSelector(`.conversation[data-conversation="${conv}"] .conv-status[data-status="relays"]`);
    assert.equal(await alice.page.textContent(`.conversation[data-conversation="${conv}"] .conv-status`), 'via relays');
  } finally {
    await relay.stop();
  }
});

test('a group whose three members are online at different, non-overlapping times: every message reaches every member exactly once', async () => {
  const relay = await startNostrRelay();
  try {
    const people = [await person(ALICE), await person(BOB), await person(CAROL)];
    const [alice, bob, carol] = people;
    // Bob and Carol know Alice (not each other); Alice knows both.
    for (const someone of [bob, carol]) {
      await addByLink(await arrive(someone, relaysOnly([relay.url])), ALICE, 'Alice');
      await leave(someone);
    }
    await arrive(alice, relaysOnly([relay.url]));
    await addByLink(alice.page, BOB, 'Bob');
    await addByLink(alice.page, CAROL, 'Carol');
    const groupConv = (await createGroup(alice.page, 'Never together', [BOB, CAROL])).conversationId;
    await send(alice.page, groupConv, 'from alice');
    await untilStates(alice.page, groupConv, ['relayed'], 'Alice’s group message on relays');
    await leave(alice);

    await arrive(bob);
    await untilStored(bob.page, groupConv, (m) => m.some((x) => x.body === 'from alice'), {
      timeout: 60_000,
      what: 'the invitation and Alice’s message at Bob',
    });
    await send(bob.page, groupConv, 'from bob');
    await untilStates(bob.page, groupConv, ['relayed', 'delivered', 'read'], 'Bob’s group message on relays');
    await leave(bob);

    await arrive(carol);
    await untilStored(carol.page, groupConv, (m) => ['from alice', 'from bob'].every((b) => m.some((x) => x.body === b)), {
      timeout: 60_000,
      what: 'both group messages at Carol, who is not Bob’s contact',
    });
    await send(carol.page, groupConv, 'from carol');
    await untilStates(carol.page, groupConv, ['relayed', 'delivered', 'read'], 'Carol’s message on relays');
    await leave(carol);

    for (const someone of [alice, bob]) {
      await arrive(someone);
      await untilStored(someone.page, groupConv, (m) => ['from alice', 'from bob', 'from carol'].every((b) => m.some((x) => x.body === b)), {
        timeout: 60_000,
        what: `every group message at ${someone.who.username}`,
      });
      await leave(someone);
    }
    // Exactly once each, everywhere.
    for (const someone of people) {
      await arrive(someone);
      const bodies = (await stored(someone.page, groupConv))
        .map((m) => m.body)
        .filter(Boolean)
        .sort();
      assert.deepEqual(bodies, ['from alice', 'from bob', 'from carol'], `${someone.who.username} holds each message once`);
      await leave(someone);
    }
  } finally {
    await relay.stop();
  }
});

test('the relay restarts between send and fetch and one of two relays is dead: nothing is lost', async () => {
  let relay = await startNostrRelay();
  const dead = 'ws://127.0.0.1:9/'; // nothing listens on the discard port
  try {
    const { alice, bob, conv } = await meetThroughLinks([dead, relay.url]);
    await send(alice.page, conv, 'survives a restart');
    await untilStates(alice.page, conv, ['relayed'], 'on relays');
    await leave(alice);

    // The relay goes down and comes back on the same port and database.
    await relay.stop();
    relay = await startNostrRelay({ port: relay.port, dir: relay.dir });

    await arrive(bob);
    const bobConv = await conversationWith(bob.page, ALICE);
    const got = await untilStored(bob.page, bobConv, (m) => m.some((x) => x.body === 'survives a restart'), {
      timeout: 60_000,
      what: 'the message after the restart',
    });
    assert.equal(got.length, 1);
    // The Network section names the dead relay's error.
    await until(
      () => mailboxStatus(bob.page),
      (relays) => relays.some((r) => r.url === dead && r.state !== 'open' && r.lastError),
      {
        what: 'the dead relay reported',
      },
    );
  } finally {
    await relay.stop();
  }
});

test('with default settings, builder serve’s own relay carries the mail of people never online together, across a restart of builder serve', async () => {
  const alice = await person(ALICE);
  const bob = await person(BOB);
  // Default settings: public trackers, relays and STUN (unreachable here) plus this server's tracker and relay.
  await addByLink(await arrive(bob), ALICE, 'Alice');
  await leave(bob);
  await addByLink(await arrive(alice), BOB, 'Bob');
  const conv = await conversationWith(alice.page, BOB);
  await send(alice.page, conv, 'kept by builder serve');
  await untilStates(alice.page, conv, ['relayed'], 'on builder serve’s relay');
  await leave(alice);

  // builder serve stops and starts again on the same port and data directory.
  await server.stop();
  const restarted = await serve({ port: server.port, dataDir: server.dataDir });
  try {
    const page = await arrive(bob);
    const bobConv = await conversationWith(page, ALICE);
    const got = await untilStored(page, bobConv, (m) => m.some((x) => x.body === 'kept by builder serve'), {
      timeout: 60_000,
      what: 'the message after the restart',
    });
    assert.equal(got.filter((m) => !m.mine).length, 1);
    // Bob read it from the server's relay after proving his mailbox key (NIP-42); the Network tab says so.
    await tab(page, 'network');
    await page.waitForSelector(
      `#mailbox-status li[data-url="${restarted.url.replace('http', 'ws').replace('/index.htm', '/relay')}"][data-auth="ok"][data-subscription="live"]`,
      { timeout: 30_000 },
    );
    await until(() => settled(page), Boolean, { what: 'Bob’s acknowledgement sent' });
    await leave(bob);

    await arrive(alice);
    await untilStates(alice.page, conv, ['delivered', 'read'], 'delivered, seen at Alice’s next login');
  } finally {
    await restarted.stop();
  }
});

/**
 * A relay that stores and serves what it is given, and around it serves
 * everything a hostile or broken relay could: garbage, truncated and
 * oversized messages, events of other kinds and subscriptions, forged,
 * altered and re-addressed copies of the real wraps, each real wrap three
 * times, and more after its end of stored events. It is also strict, as
 * public relays may be: it refuses a wrap as "rate-limited" when told
 * to, and serves wraps only after NIP-42 AUTH.
 */
async function startHostileRelay() {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  const events = [];
  const rateLimited = [];
  const authKeys = [];
  let limitNext = false;
  wss.on('connection', (socket) => {
    const send = (value) => socket.send(typeof value === 'string' ? value : JSON.stringify(value));
    const challenge = `challenge-${Math.random()}`;
    let authenticated = null;
    socket.on('message', (data) => {
      let message;
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (message[0] === 'EVENT' && limitNext && message[1]?.kind === 1059) {
        limitNext = false;
        rateLimited.push(message[1].id);
        send(['OK', message[1].id, false, 'rate-limited: slow down']);
      } else if (message[0] === 'EVENT') {
        events.push(message[1]);
        send(['OK', message[1].id, true, '']);
      } else if (message[0] === 'AUTH') {
        const auth = message[1];
        const tag = (name) => auth?.tags?.find((t) => t[0] === name)?.[1];
        const ok = auth?.kind === 22242 && tag('challenge') === challenge && tag('relay') === `ws://127.0.0.1:${port}`;
        if (ok) {
          authenticated = auth.pubkey;
          authKeys.push(auth.pubkey);
        }
        send(['OK', auth?.id, ok, ok ? '' : 'auth-required: wrong challenge']);
      } else if (message[0] === 'REQ' && !message[2]?.['#p']?.includes(authenticated)) {
        send(['AUTH', challenge]);
        send(['CLOSED', message[1], 'auth-required: wraps are served to their recipient only']);
      } else if (message[0] === 'REQ') {
        const [, sub, filter] = message;
        const mine = events.filter((e) => e.kind === 1059 && e.tags.some((t) => t[0] === 'p' && filter['#p']?.includes(t[1])));
        const real = mine[0] ?? { id: 'a'.repeat(64), pubkey: 'b'.repeat(64), created_at: 1, kind: 1059, tags: [], content: 'AA==', sig: 'c'.repeat(128) };
        const flip = (text) => text.slice(0, 20) + (text[20] === 'A' ? 'B' : 'A') + text.slice(21);
        for (const junk of [
          'not json',
          '{"an": "object"}',
          [],
          ['EVENT'],
          ['EVENT', sub],
          ['EVENT', sub, null],
          ['EVENT', sub, 'a string'],
          ['EVENT', sub, { id: 42, kind: '1059', tags: 'p', content: 7 }],
          ['EVENT', sub, { ...real, id: 'zz' }],
          ['EVENT', sub, { ...real, content: flip(real.content) }],
          ['EVENT', sub, { ...real, sig: flip(real.sig) }],
          ['EVENT', sub, { ...real, tags: [['p', '0'.repeat(64)], ...real.tags.slice(1)] }],
          ['EVENT', sub, { ...real, kind: 1 }],
          ['EVENT', sub, { ...real, content: 'A'.repeat(200_000) }],
          ['EVENT', sub, { ...real, tags: Array.from({ length: 5000 }, () => ['p', real.pubkey]) }],
          ['EVENT', 'someone-else', real],
          ['OK', 'f'.repeat(64), true, ''],
          ['NOTICE', 'n'.repeat(10_000)],
          ['EOSE', 'someone-else'],
        ]) {
          send(junk);
        }
        for (const event of mine) for (let i = 0; i < 3; i++) send(['EVENT', sub, event]);
        send(['EOSE', sub]);
        for (const event of mine) send(['EVENT', sub, event]);
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    events,
    rateLimited,
    authKeys,
    /** The next wrap sent is refused as "rate-limited". */
    limitNext: () => {
      limitNext = true;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

test('a hostile relay’s garbage, forgeries and replays are dropped, its rate limit and AUTH are honoured; the real mail it also carries arrives exactly once', async () => {
  const relay = await startHostileRelay();
  try {
    const { alice, bob, conv } = await meetThroughLinks([relay.url]);
    relay.limitNext();
    await send(alice.page, conv, 'first through a bad relay');
    await send(alice.page, conv, 'second through a bad relay');
    await untilStates(alice.page, conv, ['relayed'], 'on the hostile relay');
    // What the relay refused as rate-limited went again after the pause.
    await until(() => mailboxStatus(alice.page), (relays) => relays.every((r) => r.waiting === 0 && !r.pausedUntil), {
      what: 'nothing left waiting for the rate-limited relay',
    });
    assert.equal(relay.rateLimited.length, 1);
    assert.ok(
      relay.events.some((e) => e.id === relay.rateLimited[0]),
      'the refused event was sent again',
    );
    await leave(alice);

    const page = await arrive(bob);
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const bobConv = await conversationWith(page, ALICE);
    await untilStored(page, bobConv, (m) => m.length >= 2, { timeout: 60_000, what: 'both messages at Bob' });
    // A sentinel through the same relay: everything served before it was handled by then.
    await send(page, bobConv, 'bob is fine');
    await untilStates(page, bobConv, ['relayed'], 'Bob’s answer on the relay');
    const got = await stored(page, bobConv);
    assert.deepEqual(
      got.filter((m) => !m.mine).map((m) => m.body),
      ['first through a bad relay', 'second through a bad relay'],
      'each once, nothing forged',
    );
    assert.deepEqual(errors, [], 'no uncaught error in the page');
    // Each authenticated with its own mailbox key only (the relay reads their mail from it).
    assert.ok(relay.authKeys.includes(BOB.mailbox_key), 'Bob authenticated to read his mail');
    assert.ok(
      relay.authKeys.every((key) => [ALICE.mailbox_key, BOB.mailbox_key].includes(key)),
      'no other key was ever shown',
    );
  } finally {
    await relay.stop();
  }
});
