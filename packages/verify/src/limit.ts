/** Runs at most `limit` of the given tasks at once, across every caller that shares it. */
export type Limiter = <R>(task: () => Promise<R>) => Promise<R>;

export function createLimiter(limit: number): Limiter {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * Consumes an async iterable with at most `limit` items in flight, so a tree of any size is
 * never held in memory at once: only the items being worked on are.
 */
export async function forEachLimit<T>(items: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  // Boxed: a failure that is no Error (a worker that threw `undefined`) still ends the run,
  // never reads as "no failure" with its item left out of the verdict.
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    while (failed === undefined) {
      try {
        // Pulls are serialized by the iterator's own queue (async generators queue next()).
        const step = await iterator.next();
        if (step.done) return;
        await fn(step.value);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  // Every worker settles before the caller hears of a failure: its cleanup (ending the hash
  // workers) must not run while another item is still starting work.
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failed !== undefined) throw failed.error;
}
