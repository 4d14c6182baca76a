// Waiting in the node tests. A test waits for a condition, never for a
// fixed time: `until` polls what the test is waiting for, and its timeout
// only ends a test that would otherwise hang; `settle` lets work that is
// already queued run, before a test checks that something did *not* happen.

/**
 * Waits until `check()` is truthy and resolves to its value; rejects naming
 * `what` after `timeout` ms. It polls at once after each turn of the event
 * loop for a while (promise chains and immediates finish there), then every
 * 10 ms (sockets and real timers take longer, and polling them that often
 * would only burn the CPU the code under test needs).
 * @template T
 * @param {() => T} check
 * @param {string} what
 */
export async function until(check, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (let turn = 0; ; turn++) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => (turn < 100 ? setImmediate(resolve) : setTimeout(resolve, 10)));
  }
}

/**
 * Lets what is already queued run: `turns` turns of the event loop (an
 * immediate each), so pending promise jobs and immediates, and what each of
 * those queues in turn, have run before it resolves. With `timers`, each
 * turn first waits for a zero-delay timer, so that work a module deferred
 * with `setTimeout(fn)` has run too.
 */
export async function settle(turns = 1, { timers = false } = {}) {
  for (let i = 0; i < turns; i++) {
    if (timers) await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setImmediate(resolve));
  }
}
