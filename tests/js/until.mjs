// Waiting on a condition in the node tests: polling, so that no fixed sleep
// decides anything; the timeout only ends a test that would hang.

/** Waits until `check()` is truthy; resolves to its value. */
export async function until(check, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
