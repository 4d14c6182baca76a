// @ts-check
// Group backlog: when two members of a group meet, each tells the other the
// keys of its latest messages there ('sync' frame); each then sends what the
// other lacks of what it holds and the other may read (envelopes are sealed
// per member: a forwarder learns nothing), and counts what the other holds
// of its own messages as delivered. Live, members pass new messages on as
// they arrive (chat/forwarding.js); this catches up on what a member missed.

import { fromUtf8, utf8 } from '../core/encoding.js';
import { isMessageKey, keyId, keySender } from './keys.js';
import { SYNC_WINDOW } from './conversations.js';

export function createBacklog({ cryptoClient, identity, sessions, conversations, history, outbox }) {
  /** Tells `fingerprint` what we hold of every group we share with it. */
  function offer(/** @type {string} */ fingerprint) {
    const link = sessions.linkTo(fingerprint);
    if (!link) return;
    for (const conv of conversations.list()) {
      if (conv.kind !== 'group' || !conv.members.some((m) => m.fingerprint === fingerprint)) continue;
      link.send('sync', utf8(JSON.stringify({ conv: conv.id, have: conv.recent.slice(-SYNC_WINDOW) }))).catch(() => {});
    }
  }

  /** A 'sync' frame: send what the peer lacks of our recent envelopes addressed to it. */
  async function receive(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
    let body;
    try {
      body = JSON.parse(fromUtf8(data));
    } catch {
      return; // malformed: ignored
    }
    const conv = conversations.get(body?.conv);
    if (!conv || conv.kind !== 'group' || !conv.members.some((m) => m.fingerprint === fingerprint)) return;
    const theirs = new Set(Array.isArray(body.have) ? body.have.slice(0, SYNC_WINDOW).filter(isMessageKey) : []);
    // What they hold of ours counts as delivered to them.
    const held = conv.recent.filter((key) => theirs.has(key) && keySender(key) === identity.fingerprint);
    if (held.length) await outbox.acked(fingerprint, held);
    // Our own pending messages go through the outbox; the rest is forwarded.
    const missing = conv.recent
      .slice(-SYNC_WINDOW)
      .filter((key) => !theirs.has(key) && keySender(key) !== fingerprint && !(keySender(key) === identity.fingerprint && outbox.has(keyId(key))));
    for (const key of missing) {
      const link = sessions.linkTo(fingerprint);
      const envelope = await history.envelope(key);
      if (!envelope || !link) continue;
      const header = await cryptoClient.peekEnvelope(envelope);
      // A group message (sender key) is for every member; a key's hand-over only for those it names.
      if (!!header.keyId || header.recipients.includes(fingerprint)) await link.send('env', envelope).catch(() => {});
    }
  }

  return { offer, receive };
}
