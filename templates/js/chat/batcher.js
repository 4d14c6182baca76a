// @ts-check
// Durable writes that pile up while one is running go together: one
// IndexedDB transaction (and one sealed outbox snapshot) for a burst of
// messages instead of one each.

/** A queue that runs one task at a time and batches what piles up meanwhile. */
export function batcher(/** @type {(values: any[]) => Promise<any[] | void>} */ run) {
  /** @type {Array<{value: any, resolve: (v: any) => void, reject: (e: unknown) => void}>} */
  let queue = [];
  /** @type {Promise<void> | null} */
  let running = null;
  async function drain() {
    while (queue.length) {
      const batch = queue;
      queue = [];
      try {
        const results = await run(batch.map((item) => item.value));
        batch.forEach((item, i) => item.resolve(results?.[i]));
      } catch (error) {
        batch.forEach((item) => item.reject(error));
      }
    }
    running = null;
  }
  return (/** @type {any} */ value) =>
    new Promise((resolve, reject) => {
      queue.push({ value, resolve, reject });
      running ??= drain();
    });
}

/**
 * A snapshot saved a moment after the last change (`soon`), at once
 * (`now`, which also cancels a pending one), or not at all (`discard`, when
 * the session closes without writing).
 */
export function debouncedSave(/** @type {() => Promise<unknown>} */ write, delayMs = 300) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const discard = () => clearTimeout(timer);
  const now = async () => {
    discard();
    await write();
  };
  const soon = () => {
    discard();
    timer = setTimeout(now, delayMs);
  };
  return { now, soon, discard };
}

/**
 * Runs tasks one at a time per key, in call order (a task that fails does
 * not stop the next); the key is forgotten once nothing waits on it.
 */
export function keyedQueue() {
  /** @type {Map<string, Promise<void>>} */
  const tails = new Map();
  return (/** @type {string} */ key, /** @type {() => Promise<any>} */ task) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const settled = run.then(
      () => {},
      () => {},
    );
    tails.set(key, settled);
    settled.then(() => tails.get(key) === settled && tails.delete(key));
    return run;
  };
}
