/**
 * Token buckets by client key, in memory (one process; a restart forgets
 * them): `burst` requests at once, refilled at `perMinute`.
 *
 * @module
 */

/** A token bucket's shape; `perMinute: 0` turns the limit off. */
export type RateLimit = { perMinute: number; burst: number };

/** Past this many clients, buckets that refilled completely are forgotten. */
const MAX_TRACKED_CLIENTS = 10_000;

type Bucket = { tokens: number; at: number };

/** Token buckets: `take` answers 0 when allowed, else the seconds until a token is back. */
export type TokenBuckets = { take(key: string, now?: number): number };

/**
 * Builds token buckets for `limit`.
 *
 * @example
 * ```ts
 * const writes = tokenBuckets({ perMinute: 60, burst: 20 });
 * if (writes.take(`ip:${address}`) > 0) throw tooMany;
 * ```
 */
export function tokenBuckets(limit: RateLimit): TokenBuckets {
  const buckets = new Map<string, Bucket>();
  const refill = (bucket: Bucket, now: number) => {
    const perMs = limit.perMinute / 60_000;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
  };
  return {
    take(key, now = Date.now()) {
      if (limit.perMinute <= 0) return 0;
      if (buckets.size >= MAX_TRACKED_CLIENTS) {
        for (const [k, b] of buckets) {
          refill(b, now);
          if (b.tokens >= limit.burst) buckets.delete(k);
        }
      }
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: now };
      buckets.set(key, bucket);
      refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / (limit.perMinute / 60)));
    },
  };
}
