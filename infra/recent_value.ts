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

/**
 * A value read after the caller asked: a caller arriving while a lookup is in
 * flight waits for the next one (started once that one ends), and every
 * caller waiting then shares it. So each answer is at least as new as the
 * moment its caller asked, and a busy process sends one query per round trip
 * instead of one per caller (the read model's generation, see page_cache.ts).
 *
 * @example
 * ```ts
 * const generation = freshValue(() => readStore.generation());
 * const g = await generation(); // reflects every commit before this call
 * ```
 */
export function freshValue<T>(lookUp: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<unknown> | null = null;
  let next: Promise<T> | null = null;
  const start = (): Promise<T> => {
    const lookup = lookUp();
    inFlight = lookup;
    const done = () => {
      if (inFlight === lookup) inFlight = null;
    };
    lookup.then(done, done);
    return lookup;
  };
  return () => {
    if (inFlight === null) return start();
    // Queued behind the lookup in flight: one more lookup for everyone who arrives meanwhile.
    next ??= inFlight.then(() => undefined, () => undefined).then(() => {
      next = null;
      return start();
    });
    return next;
  };
}
