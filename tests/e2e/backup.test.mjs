// Encrypted backups as a user meets them: exported from Settings, restored
// only by the same identity, and checked record by record before anything is
// written — a damaged backup changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserAndServerPerFile, changedEntries, dumpDatabase, login, openPage, until } from './harness.mjs';
import { ALICE, BOB, addContact, loggedIn, tab } from './network-helpers.mjs';
import { conversationWith, send, stored, untilStored } from './chat-helpers.mjs';
import { contactOf, profilePending } from './driver.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

async function exportBackup(page) {
  await tab(page, 'settings');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#backup-export')]);
  const path = join(mkdtempSync(join(tmpdir(), 'trustero-backup-')), 'backup.tbk');
  await download.saveAs(path);
  return path;
}

async function restore(page, path) {
  await tab(page, 'settings');
  await page.setInputFiles('#backup-file', path);
  await page.click('#backup-import');
  // The status first says it is checking, then gives the outcome.
  await page.waitForFunction(() => {
    const message = document.getElementById('backup-message');
    return message?.textContent && !message.classList.contains('checking');
  });
  return { text: await page.textContent('#backup-message'), error: (await page.getAttribute('#backup-message', 'class')) === 'error' };
}

/**
 * The database once a freshly logged-in page has done its own writing (its
 * roaming profile's first records and their publication, relay cursors,
 * history from the relays and the conversation list it updates): three
 * dumps a second apart that are the same (every sealed write uses a new
 * nonce, so any write in between shows).
 */
async function settledDump(page) {
  await until(() => profilePending(page), (n) => n === 0, { what: 'the profile published' });
  let last = await dumpDatabase(page);
  let quiet = 0;
  return until(
    async () => {
      const next = await dumpDatabase(page);
      quiet = next.text === last.text ? quiet + 1 : 0;
      last = next;
      return quiet >= 2 && next;
    },
    Boolean,
    { interval: 1_000, what: 'the page to stop writing' },
  );
}

test('a backup restores only for its own identity, and a damaged one writes nothing', async () => {
  const alice = await loggedIn(browser, server.url, ALICE, { local: true });
  await addContact(alice, BOB, 'Bob from the backup');
  const id = await conversationWith(alice, BOB);
  await send(alice, id, 'kept in the backup');
  const path = await exportBackup(alice);

  // Someone else's identity cannot restore it.
  const bob = await loggedIn(browser, server.url, BOB, { local: true });
  const before = await settledDump(bob);
  const other = await restore(bob, path);
  assert.ok(other.error);
  assert.match(other.text, /another identity/);
  assert.equal((await dumpDatabase(bob)).text, before.text, 'nothing was written');

  // A copy with one message altered is refused as a whole.
  const backup = JSON.parse(readFileSync(path, 'utf8'));
  const [, message] = backup.stores.messages[0];
  const env = Buffer.from(message.env.b, 'base64');
  env[env.length - 1] ^= 1;
  message.env.b = env.toString('base64');
  const damaged = path.replace('.tbk', '-damaged.tbk');
  writeFileSync(damaged, JSON.stringify(backup));
  // Nobody else online: a session coming up would write (their mailbox address) mid-comparison.
  await bob.close();
  await alice.close();
  const fresh = await openPage(browser, server.url);
  await login(fresh, ALICE.username, ALICE.password);
  // A second device of Alice's: her contact arrives through the roaming
  // profile first, then her history through the relays.
  await until(() => contactOf(fresh, BOB), Boolean, { what: 'Bob restored by the profile' });
  await untilStored(fresh, id, (m) => m.length === 1, { what: 'Alice’s history from the relays' });
  const empty = await settledDump(fresh);
  const refused = await restore(fresh, damaged);
  assert.ok(refused.error);
  const afterRefusal = await dumpDatabase(fresh);
  assert.equal(afterRefusal.text, empty.text, `a damaged backup writes nothing, not even its good records (changed: ${changedEntries(empty, afterRefusal).join(', ')})`);

  // The genuine one restores contacts and history: the session closes without
  // saving its own (empty) lists over the restored ones, and the login form
  // says what was restored.
  await tab(fresh, 'settings');
  await fresh.setInputFiles('#backup-file', path);
  await fresh.click('#backup-import');
  await fresh.waitForSelector('#login-notice');
  assert.match(await fresh.textContent('#login-notice'), /^Restored \d+ records from the backup/);
  await login(fresh, ALICE.username, ALICE.password);
  await fresh.waitForSelector(`.contact[data-fingerprint="${BOB.fingerprint}"]`, { state: 'attached' });
  assert.deepEqual((await stored(fresh, id)).map((m) => m.body), ['kept in the backup']);
});
