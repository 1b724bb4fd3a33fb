/**
 * A value that may be a little old: one lookup at a time, its answer reused
 * for `maxAgeMs`. For figures that only grow, where an older answer is still
 * a true lower bound (the read store's applied position).
 *
 * @example
 * ```ts
 * const applied = recentValue(() => readStore.appliedPosition(), 50);
 * const position = await applied(); // at most one query per 50 ms, however many callers
 * ```
 */
export function recentValue<T>(lookUp: () => Promise<T>, maxAgeMs: number): () => Promise<T> {
  let current: Promise<T> | null = null;
  let at = 0;
  return () => {
    const now = performance.now();
    if (current && now - at < maxAgeMs) return current;
    at = now;
    const next = lookUp();
    current = next;
    // A failed lookup is not reused: the next caller asks again.
    next.catch(() => {
      if (current === next) current = null;
    });
    return next;
  };
}
