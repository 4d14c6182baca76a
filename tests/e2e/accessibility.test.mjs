// axe-core on the screens the metadata work changed (issue 22), as a user
// reaches them: the settings form (the mailbox retention choice), the
// network status (relays we only write to), the new-group form, a group's members panel, and the
// question before saving a received file that opens as a web page — which
// is also answered with the keyboard alone. The update offer and the
// service-worker warning are checked in install.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserAndServerPerFile, closeAll } from './harness.mjs';
import { ALICE, BOB, CAROL, addContact, befriend, loggedIn, tab } from './network-helpers.mjs';
import { createGroupInUI, openChat } from './chat-helpers.mjs';
import { assertAccessible } from './axe.mjs';

let browser;
let server;
browserAndServerPerFile((b, s) => {
  browser = b;
  server = s;
});

const LOCAL = { local: true };

test('settings, network status and a group’s members panel: axe finds nothing', async () => {
  // The app's default relays (unreachable here) are only written to once a contact lists them.
  const alice = await loggedIn(browser, server.url, ALICE, LOCAL);
  await tab(alice, 'settings');
  if (!(await alice.$eval('#settings', (d) => d.open))) await alice.click('#settings summary');
  await alice.waitForSelector('#settings-mailbox-days');
  await assertAccessible(alice, 'the settings form');
  await tab(alice, 'network');
  await assertAccessible(alice, 'the network status');

  const bob = await loggedIn(browser, server.url, BOB, LOCAL);
  const carol = await loggedIn(browser, server.url, CAROL, LOCAL);
  for (const [page, who, name] of [
    [alice, BOB, 'Bob'],
    [alice, CAROL, 'Carol'],
    [bob, ALICE, 'Alice'],
    [carol, ALICE, 'Alice'],
  ])
    await addContact(page, who, name);
  // The new-group form, open with its members picked.
  await tab(alice, 'chats');
  await alice.click('#new-group summary');
  await alice.check(`#group-members input[value="${BOB.fingerprint}"]`);
  await assertAccessible(alice, 'the new-group form');
  await alice.click('#new-group summary');
  await createGroupInUI(alice, 'Hikers', [BOB, CAROL], [bob, carol]);
  await alice.click('.conversation[data-kind="group"] .members-button');
  await alice.waitForSelector('.members-panel:not([hidden]) .members');
  await assertAccessible(alice, 'a group conversation with its members panel');
  await closeAll([alice, bob, carol]);
});

test('a received web page asks before it is saved; the question is accessible and answered with the keyboard', async () => {
  const [alice, bob] = await befriend(browser, server.url, LOCAL);
  const id = await openChat(alice, BOB);
  await alice.setInputFiles(`.conversation[data-conversation="${id}"] .attach-input`, {
    name: 'invitation.html',
    mimeType: 'text/html',
    buffer: Buffer.from('<p>hello</p>'),
  });
  await openChat(bob, ALICE);
  const save = bob.locator('.message.theirs [data-open-file]');
  await save.waitFor();
  await save.focus();
  await bob.keyboard.press('Enter');
  await bob.waitForSelector('.file-warning');
  // Focus goes to the safe answer; the question passes axe.
  assert.equal(await bob.evaluate(() => document.activeElement?.classList.contains('file-warning-cancel')), true, 'focus on “Don’t save”');
  await assertAccessible(bob, 'the question before saving a web page');
  // Escape answers “Don’t save” and puts focus back on the button that asked.
  await bob.keyboard.press('Escape');
  await bob.waitForSelector('.file-warning', { state: 'detached' });
  assert.equal(await bob.evaluate(() => document.activeElement?.hasAttribute('data-open-file')), true, 'focus back on Save');
  // The sender's side: her own message, its time and ticks on the accent colour.
  await alice.waitForSelector('.message.mine .state[data-state="read"]');
  await assertAccessible(alice, 'a conversation with a file of one’s own, read');
  await closeAll([alice, bob]);
});
