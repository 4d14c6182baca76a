// @ts-check
// Group backlog: when two members of a group meet, each tells the other the
// keys of its latest messages there ('sync' frame); each then sends what the
// other lacks of what it holds and the other may read (envelopes are sealed
// per member: a forwarder learns nothing), and counts what the other holds
// of its own messages as delivered. Live, members pass new messages on as
// they arrive (chat/forwarding.js); this catches up on what a member missed.
//
// An answer can be up to SYNC_WINDOW envelopes, so answers are rationed per
// asker (docs/decisions.md "Backlog answers"): one per asker and group every
// ANSWER_INTERVAL_MS — a request that comes sooner is answered when the
// interval ends, the latest one only, so nothing a member asked for is lost —
// and at most ANSWER_BYTES_PER_MINUTE of envelopes per asker, paced (sent
// later, not dropped). A member's catch-up after meeting us is one answer per
// group and goes at once; a member asking again and again gets no more.
//
// A sync also states the sender's epoch of the group (chat/groups.js): a
// device that restored a group from the roaming profile confirms its member
// list with what members state over their direct sessions; 'sync' never
// travels through the mailbox, so a relay cannot replay a statement. A sync
// marked `unconfirmed` asks for the receiver's statement: it sends its own
// sync for that group back (once per asker and group per interval), so a
// device that restores a group while already connected to its members does
// not wait for their next session.

import { RELEASE_TIMING } from '../core/timing.js';
import { fromUtf8, utf8 } from '../core/encoding.js';
import { isMessageKey, keyId, keySender } from './keys.js';
import { SYNC_WINDOW } from './conversations.js';

/** One answer per asker and group at most this often; requests in between wait for the next. */
export const ANSWER_INTERVAL_MS = RELEASE_TIMING.syncAnswerEveryMs;
/** Envelope bytes sent to one asker per minute, at most (a whole window of text messages is well under 1 MiB). */
export const ANSWER_BYTES_PER_MINUTE = 16 * 1024 * 1024;

/**
 * @typedef {import('./conversations.js').Conversation} Conversation
 * @typedef {{ epoch: number, unconfirmed?: boolean }} GroupState  what we state of a group in our syncs
 * @typedef {{ stateOf: (conversationId: string) => GroupState | null,
 *   heard: (conversationId: string, fingerprint: string, epoch: number, confirmed: boolean) => void }} GroupHooks
 */

/**
 * deps: cryptoClient, identity, sessions, conversations, history, outbox;
 * now() and later(fn, ms) (a clock and a timer: tests pass their own);
 * answerIntervalMs (core/timing.js; ANSWER_INTERVAL_MS unless given).
 * @param {{
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   identity: import('../core/crypto-client.js').PublicSession,
 *   sessions: import('./chat.js').Sessions,
 *   conversations: import('./conversations.js').Conversations,
 *   history: import('./history.js').ChatHistory,
 *   outbox: import('./outbox.js').Outbox,
 *   now?: () => number,
 *   later?: (fn: () => void, ms: number) => void,
 *   answerIntervalMs?: number,
 * }} deps
 */
export function createBacklog({
  cryptoClient,
  identity,
  sessions,
  conversations,
  history,
  outbox,
  now = () => Date.now(),
  later = (/** @type {() => void} */ fn, /** @type {number} */ ms) => void setTimeout(fn, ms),
  answerIntervalMs = ANSWER_INTERVAL_MS,
}) {
  /** @type {GroupHooks | null} */
  let groups = null;
  /** @type {Map<string, {at: number, pending: Set<string> | null}>} "asker conversation" -> its last answer and the request waiting (for the timer set when it came) */
  const answers = new Map();
  /** @type {Map<string, {tokens: number, at: number}>} asker -> bytes it may still be sent (refilled over a minute) */
  const budgets = new Map();

  /** @type {Map<string, number>} "asker conversation" -> when we last sent our sync back to an unconfirmed one */
  const replies = new Map();

  /** Whether `conv` is a group `fingerprint` is a member of. */
  const sharedGroup = (/** @type {Conversation} */ conv, /** @type {string} */ fingerprint) =>
    conv.kind === 'group' && conv.members.some((/** @type {{fingerprint: string}} */ m) => m.fingerprint === fingerprint);

  /** Tells `fingerprint`, if connected, what we hold of a group, and our epoch there. */
  function offerOne(/** @type {string} */ fingerprint, /** @type {Conversation} */ conv) {
    const link = sessions.linkTo(fingerprint);
    if (!link) return;
    link.send('sync', utf8(JSON.stringify({ conv: conv.id, have: conv.recent.slice(-SYNC_WINDOW), ...groups?.stateOf(conv.id) }))).catch(() => {});
  }

  /** Tells `fingerprint` what we hold of every group we share with it. */
  function offer(/** @type {string} */ fingerprint) {
    for (const conv of conversations.list()) if (sharedGroup(conv, fingerprint)) offerOne(fingerprint, conv);
  }

  /** Waits until `bytes` more may go to `fingerprint` (a token bucket of ANSWER_BYTES_PER_MINUTE). */
  async function spend(/** @type {string} */ fingerprint, /** @type {number} */ bytes) {
    for (;;) {
      const at = now();
      const budget = budgets.get(fingerprint) ?? { tokens: ANSWER_BYTES_PER_MINUTE, at };
      budget.tokens = Math.min(ANSWER_BYTES_PER_MINUTE, budget.tokens + ((at - budget.at) * ANSWER_BYTES_PER_MINUTE) / 60_000);
      budget.at = at;
      budgets.set(fingerprint, budget);
      if (budget.tokens >= bytes) {
        budget.tokens -= bytes;
        return;
      }
      const wait = Math.ceil(((bytes - budget.tokens) * 60_000) / ANSWER_BYTES_PER_MINUTE);
      await new Promise((resolve) => later(() => resolve(undefined), wait));
    }
  }

  /** Sends `fingerprint` what it lacks of our recent envelopes it may read, and counts what it holds of ours. */
  async function answer(/** @type {string} */ fingerprint, /** @type {Conversation} */ conv, /** @type {Set<string>} */ theirs) {
    // What they hold of ours counts as delivered to them.
    const held = conv.recent.filter((/** @type {string} */ key) => theirs.has(key) && keySender(key) === identity.fingerprint);
    if (held.length) await outbox.acked(fingerprint, held);
    // Our own pending messages go through the outbox; the rest is forwarded.
    const missing = conv.recent
      .slice(-SYNC_WINDOW)
      .filter(
        (/** @type {string} */ key) =>
          !theirs.has(key) && keySender(key) !== fingerprint && !(keySender(key) === identity.fingerprint && outbox.has(keyId(key))),
      );
    for (const key of missing) {
      if (!sessions.linkTo(fingerprint)) return;
      const envelope = await history.envelope(key);
      if (!envelope) continue;
      const header = await cryptoClient.peekEnvelope(envelope);
      // A group message (sender key) is for every member; a key's hand-over only for those it names.
      if (!header.keyId && !header.recipients.includes(fingerprint)) continue;
      await spend(fingerprint, envelope.length);
      const link = sessions.linkTo(fingerprint);
      if (!link) return;
      await link.send('env', envelope).catch(() => {});
    }
  }

  /** A request to answer: now, or (the latest one) once the asker's interval for this group ends. */
  function request(/** @type {string} */ fingerprint, /** @type {Conversation} */ conv, /** @type {Set<string>} */ theirs) {
    const slotKey = `${fingerprint} ${conv.id}`;
    const slot = answers.get(slotKey);
    const at = now();
    if (slot && at - slot.at < answerIntervalMs) {
      const timerSet = slot.pending !== null; // a request waits only for a timer already set
      slot.pending = theirs;
      if (!timerSet) {
        later(
          () => {
            const next = slot.pending;
            slot.pending = null;
            if (next) request(fingerprint, conv, next);
          },
          answerIntervalMs - (at - slot.at),
        );
      }
      return;
    }
    if (slot) slot.at = at;
    else answers.set(slotKey, { at, pending: null });
    answer(fingerprint, conv, theirs).catch(() => {});
  }

  /** A 'sync' frame: the epoch it states goes to the groups, what it lacks is sent (rationed). */
  function receive(/** @type {string} */ fingerprint, /** @type {unknown} */ _link, /** @type {Uint8Array} */ data) {
    let body;
    try {
      body = JSON.parse(fromUtf8(data));
    } catch {
      return; // malformed: ignored
    }
    const conv = conversations.get(body?.conv);
    if (!conv || !sharedGroup(conv, fingerprint)) return;
    if (Number.isSafeInteger(body.epoch) && body.epoch >= 1) groups?.heard(conv.id, fingerprint, body.epoch, body.unconfirmed !== true);
    // They ask for our word on the group: our own sync goes back (rationed; ours never asks, so no ping-pong).
    const ours = groups?.stateOf(conv.id);
    const replyKey = `${fingerprint} ${conv.id}`;
    if (body.unconfirmed === true && ours && !ours.unconfirmed && now() - (replies.get(replyKey) ?? -Infinity) >= answerIntervalMs) {
      replies.set(replyKey, now());
      offerOne(fingerprint, conv);
    }
    const theirs = new Set(Array.isArray(body.have) ? body.have.slice(0, SYNC_WINDOW).filter(isMessageKey) : []);
    request(fingerprint, conv, theirs);
  }

  return {
    offer,
    receive,
    /**
     * chat/groups.js: what we state of a group, and what members state to
     * us. Returns `announce(conversationId)`: our sync for that group to
     * every member online now (a group restored here asks for their word).
     */
    bind(/** @type {GroupHooks} */ hooks) {
      groups = hooks;
      return {
        announce(/** @type {string} */ conversationId) {
          const conv = conversations.get(conversationId);
          if (!conv || conv.kind !== 'group') return;
          for (const { fingerprint } of conv.members) offerOne(fingerprint, conv);
        },
      };
    },
  };
}
