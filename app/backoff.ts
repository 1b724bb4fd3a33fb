/**
 * Exponential backoff: `baseMs` doubled per consecutive failure, capped at
 * `maxMs` (the exponent stops growing at 6, so the numbers stay small).
 *
 * @example
 * ```ts
 * await delay(backoffMs(failures, { baseMs: 250, maxMs: 10_000 })); // 500, 1000, … 10_000
 * ```
 */
export function backoffMs(failures: number, options: { baseMs: number; maxMs: number }): number {
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.min(Math.max(failures, 0), 6));
}
