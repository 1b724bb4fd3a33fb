/** The middle sample; the mean of the two middle ones for an even count. */
export function median(samples: readonly number[]): number {
  const sorted = ascending(samples);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile: the smallest sample with at least `p`% of samples at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = ascending(samples);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Milliseconds one call takes. */
export async function timed(fn: () => unknown): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/**
 * Runs `measure` sequentially: `warmup` times discarded, then `samples` times
 * kept. `measure` returns its own duration, so it can leave set-up out.
 */
export async function collect(
  options: { samples: number; warmup?: number },
  measure: () => Promise<number>,
): Promise<number[]> {
  for (let i = 0; i < (options.warmup ?? 0); i++) await measure();
  const kept: number[] = [];
  for (let i = 0; i < options.samples; i++) kept.push(await measure());
  return kept;
}

function ascending(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error("no samples");
  return [...samples].sort((a, b) => a - b);
}
