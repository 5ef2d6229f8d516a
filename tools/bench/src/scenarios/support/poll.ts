/**
 * Polls `probe` until it returns true; unlike @dcos/testing's waitFor, an error thrown by
 * the probe fails at once (a task FAILED is not worth waiting five minutes for), and the
 * timeout message is computed at the end (progress so far).
 */
export async function poll(
  what: () => string,
  probe: () => boolean | Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (performance.now() > deadline)
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
