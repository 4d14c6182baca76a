// @ts-check
// Our history on the relays, for devices that are never online together
// (chat/mirror.js says why): what this device stores first-hand and what
// was read here are left on our own mailbox as 'history' mail, and what the
// relays bring back is kept like a record from a device online. A record or
// read of a conversation not known here yet waits for it (the roaming
// profile may name it later), bounded.

import { utf8 } from '../core/encoding.js';
import { collectHistory, isRead, mayWait, relayReads } from './mirror-merge.js';

/** History left on the relays goes in seals of about this many bytes (one large mailbox fragment)... */
const HISTORY_BYTES = 24 * 1024;
/** ... gathered for this long (each seal costs an RSA signature). */
const HISTORY_MS = 500;

/**
 * deps: mailbox (chat/mailbox.js; null: nothing is left on the relays),
 * conversations, and records (chat/mirror-records.js: reads and keeps the
 * records, one batch after the other).
 * @param {{
 *   mailbox?: import('./mailbox.js').Mailbox | null,
 *   conversations: import('./conversations.js').Conversations,
 *   records: import('./mirror-records.js').MirrorRecords,
 * }} deps
 */
export function createMirrorRelays({ mailbox = null, conversations, records }) {
  /** @type {Set<string>} message keys waiting to be left on the relays */
  const forRelays = new Set();
  /** @type {Array<{conv: string, keys: string[], at: number}>} reads waiting to be left on the relays */
  const readsForRelays = [];
  let timer = /** @type {ReturnType<typeof setTimeout> | null} */ (null);
  let publishing = 0;
  let closed = false;
  /** @type {Map<string, {records: any[], reads: any[]}>} conversation id -> what came from the relays before it was known */
  const waiting = new Map();
  let waitingCount = 0;

  function schedule() {
    if (closed || !mailbox) return;
    timer ??= setTimeout(() => {
      timer = null;
      publishHistory().catch(() => {});
    }, HISTORY_MS);
  }

  /**
   * Leaves what waits on the relays, in seals of about HISTORY_BYTES. A relay
   * that is down gets it when it is back (net/mailbox-relays.js queues it);
   * what no relay takes is only missing from the relays' copy, never from
   * this device.
   */
  async function publishHistory() {
    publishing += 1;
    try {
      await publishPending();
    } finally {
      publishing -= 1;
    }
  }

  async function publishPending() {
    const keys = [...forRelays];
    forRelays.clear();
    const reads = readsForRelays.splice(0);
    const post = (/** @type {object} */ body) => mailbox?.postHistory(utf8(JSON.stringify(body))).catch(() => false);
    const last = await records.inBatches(keys, HISTORY_BYTES, (/** @type {object[]} */ batch) => post({ records: batch }));
    if (last.length || reads.length) await post({ records: last, reads });
  }

  /** Something from the relays for a conversation not known here yet: it waits (bounded). */
  function wait(/** @type {unknown} */ convId, /** @type {{records: any[], reads: any[]}} */ what) {
    if (!mayWait(convId, waitingCount)) return;
    const id = /** @type {string} */ (convId);
    const entry = waiting.get(id) ?? { records: [], reads: [] };
    entry.records.push(...what.records);
    entry.reads.push(...what.reads);
    waitingCount += what.records.length + what.reads.length;
    waiting.set(id, entry);
  }

  /** Records and reads from the relays: the records first (a read may name them). */
  async function absorb(/** @type {unknown[]} */ items, /** @type {any[]} */ reads) {
    await records.keepAll(items, { onUnknown: (/** @type {any} */ item) => wait(item.conv, { records: [item], reads: [] }) });
    for (const read of reads) {
      if (!isRead(read)) continue;
      const conv = conversations.get(read.conv);
      if (!conv) wait(read.conv, { records: [], reads: [read] });
      else await records.applyRead(conv, read, false).catch(() => {});
    }
  }

  return {
    /** Message `key`, stored first-hand (or ours, delivered or read), is left on the relays. */
    noteRecord(/** @type {string} */ key) {
      forRelays.add(key);
      schedule();
    },

    /** The user read these messages here at `at`: the devices that are offline learn it from the relays. */
    noteRead(/** @type {string} */ conversationId, /** @type {string[]} */ keys, /** @type {number} */ at) {
      readsForRelays.push(...relayReads(conversationId, keys, at));
      if (keys.length) schedule();
    },

    /** Our own history from the relays: kept after what is being kept. */
    receive(/** @type {Uint8Array[]} */ payloads) {
      return records.inTurn(
        () => {
          const { records: items, reads } = collectHistory(payloads);
          return absorb(items, reads);
        },
        { settled: true },
      );
    },

    /** A conversation became known here: what the relays brought for it before is kept now. */
    conversationKnown(/** @type {string} */ conversationId) {
      const entry = waiting.get(conversationId);
      if (!entry) return records.kept();
      waiting.delete(conversationId);
      waitingCount -= entry.records.length + entry.reads.length;
      return records.inTurn(() => absorb(entry.records, entry.reads), { settled: true });
    },

    /** Records and reads not yet handed to the relays (waiting, or being sealed and published). */
    pending: () => forRelays.size + readsForRelays.length + publishing,

    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
