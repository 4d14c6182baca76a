// `builder serve --tls`: another machine on a LAN needs https for the secure
// context WebCrypto requires. The server makes a self-signed certificate,
// prints its fingerprint and keeps it; a browser that accepts exactly that
// certificate logs in over https and chats through the wss tracker.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { BUILDER, ROOT, freePort, launch, login, openPage, until } from './harness.mjs';
import { ALICE, BOB, addContact, tab, waitOnline } from './network-helpers.mjs';
import { conversationWith, send, untilStored } from './chat-helpers.mjs';

/** Starts `builder serve --tls` and reads what it prints. */
async function serveTls(dataDir) {
  const port = await freePort();
  const child = spawn(BUILDER, ['--root', ROOT, 'serve', '--no-build', '--tls', '--data-dir', dataDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const printed = await until(() => {
    if (child.exitCode !== null) throw new Error(`builder serve --tls stopped: ${output}`);
    const fingerprint = /TLS certificate SHA-256 ([0-9a-f]{64})/.exec(output)?.[1];
    const spki = /TLS public key SHA-256 \(base64\) (\S+)/.exec(output)?.[1];
    return fingerprint && spki && output.includes('https://') ? { fingerprint, spki } : null;
  }, Boolean, { what: 'builder serve --tls to start' });
  return { ...printed, port, url: `https://127.0.0.1:${port}/index.htm`, stop: () => child.kill() };
}

/** The SHA-256 fingerprint of the certificate the server really presents. */
function presented(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256.replaceAll(':', '').toLowerCase());
      socket.end();
    });
    socket.on('error', reject);
  });
}

test('over https with the printed certificate, two people log in and chat through the wss tracker', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trustero-tls-'));
  const server = await serveTls(dataDir);
  const browser = await launch({ extraArgs: [`--ignore-certificate-errors-spki-list=${server.spki}`] });
  try {
    assert.equal(await until(() => presented(server.port).catch(() => null), Boolean, { what: 'a TLS handshake' }), server.fingerprint,
      'the certificate served is the one whose fingerprint was printed');
    const pages = [];
    for (const who of [ALICE, BOB]) {
      const page = await openPage(browser, server.url);
      await login(page, who.username, who.password);
      // A secure context: WebCrypto worked (the identity is derived and imported).
      assert.equal(await page.evaluate(() => window.isSecureContext), true);
      pages.push(page);
    }
    const [alice, bob] = pages;
    for (const page of pages) {
      await tab(page, 'network');
      await page.waitForSelector('#tracker-status [data-state="open"]', { state: 'attached' });
      assert.match(await page.textContent('#tracker-status'), new RegExp(`wss://127\\.0\\.0\\.1:${server.port}/announce`));
    }
    await addContact(alice, BOB, 'Bob');
    await addContact(bob, ALICE, 'Alice');
    await Promise.all([waitOnline(alice, BOB), waitOnline(bob, ALICE)]);
    const id = await conversationWith(alice, BOB);
    await send(alice, id, 'over https and wss');
    await untilStored(bob, id, (m) => m.some((x) => x.body === 'over https and wss'), { what: 'the message at Bob' });
  } finally {
    await browser.close();
    server.stop();
  }
  // Restarted, the server keeps its certificate: users accept it once.
  const again = await serveTls(dataDir);
  try {
    assert.equal(again.fingerprint, server.fingerprint);
  } finally {
    again.stop();
  }
});
