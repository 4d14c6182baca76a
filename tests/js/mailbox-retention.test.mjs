// How long mail waits on relays: one of a few values everyone shares. Every
// wrap shows its retention to relays (expiration − created_at,
// worker/src/mailbox.rs), so a setting outside the shared few would single
// its user out. A stored value comes from an older version (which allowed
// 1–60), from another device of ours through the roaming profile, or from
// anything that wrote the vault: it is brought to the nearest allowed value
// before the settings form shows it and before mail is sent with it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_SETTINGS, MAILBOX_RETENTION_DAYS, mailboxDaysOf } from '../../templates/js/core/settings.js';
import { DEFAULT_RETENTION_DAYS, createMailbox } from '../../templates/js/chat/mailbox.js';
import { fakeSessions, memoryStore } from './fakes.mjs';

const vectors = JSON.parse(readFileSync(new URL('../vectors/mailbox.json', import.meta.url), 'utf8'));

test('the settings offer exactly the retentions the worker accepts, the default among them', () => {
  assert.deepEqual([...MAILBOX_RETENTION_DAYS], vectors.retention.days);
  assert.ok(MAILBOX_RETENTION_DAYS.includes(DEFAULT_SETTINGS.mailboxDays));
  assert.equal(DEFAULT_RETENTION_DAYS, DEFAULT_SETTINGS.mailboxDays);
});

test('a stored retention outside the allowed few is brought to the nearest (halfway: the longer); garbage gives the default', () => {
  for (const days of MAILBOX_RETENTION_DAYS) assert.equal(mailboxDaysOf({ mailboxDays: days }), days);
  const cases = [
    [60, 30], // the old maximum
    [45, 30],
    [61, 30],
    [1e308, 30],
    [22, 30], // halfway between 14 and 30
    [21, 14],
    [11, 14],
    [10, 7],
    [4, 7], // halfway between 1 and 7
    [3, 1],
    [2, 1],
    [0, 1],
    [-5, 1],
    [-1e308, 1],
    [13.9, 14],
    [0.5, 1],
  ];
  for (const [stored, expected] of cases) assert.equal(mailboxDaysOf({ mailboxDays: stored }), expected, `stored ${stored}`);
  const garbage = [NaN, Infinity, -Infinity, '30', '7 days', null, undefined, true, {}, [14], { valueOf: () => 30 }];
  for (const stored of garbage) assert.equal(mailboxDaysOf({ mailboxDays: stored }), DEFAULT_SETTINGS.mailboxDays, String(stored));
  assert.equal(mailboxDaysOf(null), DEFAULT_SETTINGS.mailboxDays);
  assert.equal(mailboxDaysOf(undefined), DEFAULT_SETTINGS.mailboxDays);
});

test('mail is wrapped with the normalised retention, never an expiration of the page’s making', async () => {
  // A recording crypto client: what chat/mailbox.js asks the worker for.
  const calls = [];
  const cryptoClient = {
    mailboxWrap: async (args) => {
      calls.push(args);
      return [];
    },
  };
  // watchWake (net/backoff.js) listens for the page coming back.
  const globals = { document: globalThis.document, addEventListener: globalThis.addEventListener, removeEventListener: globalThis.removeEventListener };
  globalThis.document = { hidden: false, addEventListener() {}, removeEventListener() {} };
  globalThis.addEventListener = () => {};
  globalThis.removeEventListener = () => {};
  const mailbox = createMailbox({
    cryptoClient,
    store: memoryStore(),
    identity: { fingerprint: 'a'.repeat(64), mailboxKey: 'b'.repeat(64) },
    sessions: fakeSessions(),
    spkiOf: () => null,
    dispatch: () => {},
  });
  try {
    const contact = 'c'.repeat(64);
    mailbox.learn(contact, { key: 'd'.repeat(64), relays: [] }, 'link');
    for (const [stored, sent] of [
      [60, 30],
      [2, 1],
      ['60', DEFAULT_SETTINGS.mailboxDays],
      [7, 7],
    ]) {
      calls.length = 0;
      mailbox.configure({ relays: [], useNostr: false, mailboxRelays: [], mailboxDays: stored });
      await mailbox.post(contact, 'env', new Uint8Array([1, 2, 3]));
      assert.ok(calls.length > 0, 'the envelope was wrapped');
      for (const args of calls) {
        assert.equal(args.retentionDays, sent, `stored ${stored}`);
        assert.ok(!('expiration' in args), 'the worker derives each expiration from its wrap’s own created_at');
      }
    }
  } finally {
    mailbox.close();
    Object.assign(globalThis, globals);
  }
});
