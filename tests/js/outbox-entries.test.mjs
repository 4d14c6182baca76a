// The outbox's bookkeeping (chat/outbox-entries.js) without a browser: what
// an entry keeps across reloads (and entries saved by older versions), and
// when an unacknowledged envelope is due again over a session or through
// the mailbox.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAILBOX_RESEND_MS,
  RELAY_AFTER_MS,
  RELAY_RETRY_MS,
  awaitedBy,
  newEntry,
  noteSent,
  relayDue,
  resendDue,
  restoredEntry,
  savedEntry,
} from '../../templates/js/chat/outbox-entries.js';
import { MAILBOX_RESEND_MS as OUTBOX_MAILBOX_RESEND_MS, RELAY_AFTER_MS as OUTBOX_RELAY_AFTER_MS } from '../../templates/js/chat/outbox.js';

const BOB = 'b'.repeat(64);
const CAROL = 'c'.repeat(64);
const T0 = 1_700_000_000_000;

const entry = (fields = {}) => ({ ...newEntry({ id: 'm1', conv: 'conv', seq: 4, at: T0, recipients: [BOB, CAROL] }), ...fields });

test('a new entry is queued for each recipient, and only what outlives the page is saved', () => {
  const e = entry();
  assert.deepEqual(e.recipients, { [BOB]: 'queued', [CAROL]: 'queued' });
  assert.deepEqual(e.wraps, {});
  noteSent(e, BOB, T0 + 1);
  e.relaying.add(CAROL);
  e.relayTried.set(CAROL, T0 + 2);
  assert.deepEqual(savedEntry(e), { id: 'm1', conv: 'conv', seq: 4, at: T0, recipients: e.recipients, wraps: {} });
  assert.deepEqual(Object.keys(newEntry({ id: 'm2', conv: 'conv', seq: 5, at: T0, recipients: [] }).recipients), [], 'a note to ourselves');
});

test('a saved entry comes back with its states and wraps, and nothing of the page that saved it', () => {
  const wraps = { [BOB]: { at: T0, list: [{ id: 'w', nonce: 'n' }] } };
  const saved = savedEntry({ ...entry(), recipients: { [BOB]: 'relayed', [CAROL]: 'read' }, wraps });
  const back = restoredEntry(JSON.parse(JSON.stringify(saved)));
  assert.deepEqual(savedEntry(back), saved);
  assert.equal(back.lastSent.size + back.attempts.size + back.relaying.size + back.relayTried.size, 0);
  // Saved before delivery states: the pending fingerprints only, no time, no wraps.
  const old = restoredEntry({ id: 'm0', conv: 'conv', seq: 1, pending: [BOB] });
  assert.deepEqual(old.recipients, { [BOB]: 'queued' });
  assert.equal(old.at, 0);
  assert.deepEqual(old.wraps, {});
  assert.deepEqual(restoredEntry({ id: 'm0', conv: 'conv', seq: 1 }).recipients, {}, 'neither list: nobody waits');
});

test('whether a recipient still lacks a message: no entry, or a stranger, means no', () => {
  const e = entry({ recipients: { [BOB]: 'sent', [CAROL]: 'delivered' } });
  assert.equal(awaitedBy(e, BOB), true);
  assert.equal(awaitedBy(e, CAROL), false);
  assert.equal(awaitedBy(e, 'd'.repeat(64)), false);
  assert.equal(awaitedBy(undefined, BOB), false);
  for (const name of ['__proto__', 'toString', 'constructor']) assert.equal(awaitedBy(e, name), false, name);
});

test('an envelope goes to a session again 4 s after the first try, twice as long after each further one, at most a minute apart', () => {
  const e = entry();
  assert.equal(resendDue(e, BOB, T0), true, 'never sent');
  const waits = [];
  let now = T0;
  for (let attempt = 0; attempt < 8; attempt++) {
    noteSent(e, BOB, now);
    let wait = 0;
    while (!resendDue(e, BOB, now + wait)) wait += 1_000;
    waits.push(wait);
    now += wait;
  }
  assert.deepEqual(waits, [4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  assert.equal(e.attempts.get(BOB), 8);
  assert.equal(resendDue(e, CAROL, T0), true, 'each recipient has its own backoff');
});

test('the mailbox: after a bounded wait for a session, once, then only to replace old wraps', () => {
  assert.equal(OUTBOX_RELAY_AFTER_MS, RELAY_AFTER_MS, 'outbox.js still exports the same waits');
  assert.equal(OUTBOX_MAILBOX_RESEND_MS, MAILBOX_RESEND_MS);
  const e = entry();
  assert.equal(relayDue(e, BOB, T0 + RELAY_AFTER_MS - 1, false), false, 'waiting for a direct session');
  assert.equal(relayDue(e, BOB, T0 + RELAY_AFTER_MS, false), true);
  assert.equal(relayDue(e, BOB, T0, true), true, 'no wait for someone we reach only through relays lately');
  assert.equal(relayDue(e, BOB, T0 + 999, false, 1_000), false, 'a timing profile shortens the wait (core/timing.js)');
  assert.equal(relayDue(e, BOB, T0 + 1_000, false, 1_000), true);
  // A post under way is not doubled; one no relay accepted waits RELAY_RETRY_MS.
  e.relaying.add(BOB);
  assert.equal(relayDue(e, BOB, T0 + RELAY_AFTER_MS, false), false);
  e.relaying.delete(BOB);
  e.relayTried.set(BOB, T0 + RELAY_AFTER_MS);
  assert.equal(relayDue(e, BOB, T0 + RELAY_AFTER_MS + RELAY_RETRY_MS - 1, false), false);
  assert.equal(relayDue(e, BOB, T0 + RELAY_AFTER_MS + RELAY_RETRY_MS, false), true);
  // Wraps on the relays are replaced only once they are old.
  const posted = T0 + RELAY_AFTER_MS + RELAY_RETRY_MS;
  e.relayTried.set(BOB, posted);
  e.wraps[BOB] = { at: posted, list: [] };
  e.recipients[BOB] = 'relayed';
  assert.equal(relayDue(e, BOB, posted + MAILBOX_RESEND_MS - 1, true), false);
  assert.equal(relayDue(e, BOB, posted + MAILBOX_RESEND_MS, true), true);
});

test('nothing goes to the mailbox of a recipient who has it, or who is not one', () => {
  const e = entry({ recipients: { [BOB]: 'delivered', [CAROL]: 'read' } });
  const later = T0 + MAILBOX_RESEND_MS * 2;
  assert.equal(relayDue(e, BOB, later, true), false);
  assert.equal(relayDue(e, CAROL, later, true), false);
  for (const name of ['d'.repeat(64), '__proto__', 'toString']) assert.equal(relayDue(entry(), name, later, true), false, name);
});
