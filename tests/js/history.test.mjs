// Reading a page of history (chat/history.js): every stored record is
// re-opened with its receipt, and must open as what it claims to be — the
// conversation it is stored under and the message id it is stored as. A
// record that opens as another conversation's or another message's (an
// envelope moved or swapped in the database), or whose content is not well
// formed, is shown as broken, never as that other message. The worker and
// the store are stand-ins.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHistory } from '../../templates/js/chat/history.js';

const ALICE = 'b'.repeat(64);
const utf8 = (value) => new TextEncoder().encode(JSON.stringify(value));
const id = (n) => n.toString(16).padStart(32, '0');

test('a record that re-opens as another conversation or another message, or with malformed content, is shown as broken', async () => {
  const conv = { id: 'conv-1', tag: 't1', members: [{ fingerprint: ALICE }] };
  // What each stored envelope really opens to (the worker reads it from the sealed bytes).
  const envelopes = new Map([
    ['env-good', { conversationId: 'conv-1', messageId: id(1), content: { t: 'text', body: 'hello' } }],
    ['env-other-conversation', { conversationId: 'conv-2', messageId: id(2), content: { t: 'text', body: 'from elsewhere' } }],
    ['env-other-message', { conversationId: 'conv-1', messageId: id(1), content: { t: 'text', body: 'hello' } }],
    ['env-malformed', { conversationId: 'conv-1', messageId: id(4), content: { t: 'text', body: 42 } }],
  ]);
  const records = [
    { id: id(1), seq: 1, env: 'env-good' },
    { id: id(2), seq: 2, env: 'env-other-conversation' },
    { id: id(3), seq: 3, env: 'env-other-message' }, // message 1's envelope stored as message 3
    { id: id(4), seq: 4, env: 'env-malformed' },
    { id: id(5), seq: 5, env: 'env-missing' },
  ].map((r) => ({ ...r, sender: ALICE, rcpt: 'receipt', meta: JSON.stringify({ mine: false, readAt: null }) }));
  const history = createHistory({
    cryptoClient: {
      openStored: async (env) => {
        const opened = envelopes.get(env);
        if (!opened) throw Object.assign(new Error('receipt does not open'), { code: 'bad-receipt' });
        return { ...opened, sender: ALICE, timestampMs: 1, lamport: 1, content: utf8(opened.content) };
      },
    },
    store: {
      open: async (_context, sealed) => JSON.parse(sealed),
      messages: { page: async (tag) => (tag === 't1' ? [...records].reverse() : []) },
    },
    conversations: { get: (cid) => (cid === 'conv-1' ? conv : undefined) },
    stateOf: () => null,
  });
  const page = await history.page('conv-1');
  assert.deepEqual(
    page.map((m) => [m.seq, m.broken ? 'broken' : m.content.body]),
    [
      [1, 'hello'],
      [2, 'broken'],
      [3, 'broken'],
      [4, 'broken'],
      [5, 'broken'],
    ],
  );
  assert.deepEqual(await history.page('unknown'), []);
});
