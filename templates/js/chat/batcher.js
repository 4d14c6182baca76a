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
