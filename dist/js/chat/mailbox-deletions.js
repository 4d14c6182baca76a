// @ts-check
// Deleting our delivered wraps from the relays (NIP-09) — later, not now: a
// deletion sent at once would tell the relay when the recipient read their
// mail. Each deletion leaves alone, at a random time DELETION_DELAY_MS after
// it was asked for (kept across reloads), dated like a wrap (up to two days
// back), on a connection of its own (chat/mailbox.js publishes it).

/** How long after delivery a deletion leaves, at random between these (docs/mailbox.md "Deletions"). */
export const DELETION_DELAY_MS = Object.freeze({ min: 10 * 60_000, max: 2 * 3600_000 });
/** Deletions kept waiting at most (the oldest go: their wraps expire by themselves). */
const MAX_DELETIONS = 2000;
const DELETIONS_KEY = 'mailbox-deletions';
/** A deletion is dated up to this far back, as wraps are (worker/src/web/bindings/mailbox.rs). */
const DELETION_BACKDATE_S = 2 * 24 * 3600;

/**
 * @typedef {{ id: string, nonce: string, due: number }} Deletion  a wrap of ours to delete once `due`
 */

/**
 * deps: store, cryptoClient (mailboxDeletion), publish(deletion) → sends one
 * deletion event alone, canSend() → whether there are relays to send to,
 * delay() → ms to wait before a new deletion leaves.
 * @param {{
 *   store: import('../core/store.js').Store,
 *   cryptoClient: import('../core/crypto-client.js').CryptoClient,
 *   publish: (event: unknown) => unknown,
 *   canSend: () => boolean,
 *   delay?: () => number,
 * }} deps
 */
export function createDeletions({ store, cryptoClient, publish, canSend, delay = randomDelay }) {
  /** @type {Deletion[]} deletions waiting for their time */
  let deletions = [];
  let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  const save = () => store.put(DELETIONS_KEY, deletions).catch(() => {});

  /** Sends the deletions whose time has come, each alone; the next wait is set for the rest. */
  function schedule() {
    clearTimeout(timer);
    if (!deletions.length) return;
    const next = Math.min(...deletions.map((d) => d.due));
    timer = setTimeout(sendDue, Math.max(0, Math.min(next - Date.now(), 2 ** 31 - 1)));
  }

  async function sendDue() {
    const now = Date.now();
    const due = deletions.filter((d) => d.due <= now);
    if (!due.length) return schedule();
    if (!canSend()) {
      // Nowhere to send them yet: look again in a minute.
      timer = setTimeout(sendDue, 60_000);
      return;
    }
    deletions = deletions.filter((d) => d.due > now);
    save();
    schedule();
    for (const { id, nonce } of due) {
      try {
        const createdAt = Math.floor(now / 1000) - Math.floor(Math.random() * DELETION_BACKDATE_S);
        publish(await cryptoClient.mailboxDeletion({ nonce, wrapId: id, now: createdAt }));
      } catch {
        // a malformed saved entry: the wrap expires by itself
      }
    }
  }

  return {
    /** Loads what waited in an earlier session, and waits for it again. */
    async load() {
      const saved = await store.get(DELETIONS_KEY);
      if (!Array.isArray(saved)) return;
      deletions = saved.filter((d) => typeof d?.id === 'string' && typeof d?.nonce === 'string' && Number.isFinite(d?.due)).slice(-MAX_DELETIONS);
      schedule();
    },
    /** These wraps of ours were delivered: each is deleted at a random time from now. */
    add(/** @type {Array<{id: string, nonce: string}>} */ wraps) {
      const now = Date.now();
      for (const { id, nonce } of wraps) {
        if (typeof id !== 'string' || typeof nonce !== 'string' || deletions.some((d) => d.id === id)) continue;
        deletions.push({ id, nonce, due: now + delay() });
      }
      deletions = deletions.slice(-MAX_DELETIONS);
      save();
      schedule();
    },
    waiting: () => deletions.length,
    /** Sends every waiting deletion now, as if their time had come (the test façade lets time pass). */
    sendNow() {
      for (const deletion of deletions) deletion.due = 0;
      return sendDue();
    },
    close() {
      clearTimeout(timer);
    },
  };
}

const randomDelay = () => DELETION_DELAY_MS.min + Math.random() * (DELETION_DELAY_MS.max - DELETION_DELAY_MS.min);
