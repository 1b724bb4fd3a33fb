import { backoffMs } from "../app/backoff.ts";
import type { Logger } from "../app/log.ts";
import { messageOf } from "../app/log.ts";

/** Between attempts: 500 ms, doubling up to 10 s. */
const BACKOFF = { baseMs: 500, maxMs: 10_000 };

/**
 * Runs `attempt` until it succeeds, waiting with capped exponential backoff
 * between failures and logging each one as `what` (a clear line for the
 * operator, e.g. a broker that is not up yet). Resolves `null` once `signal`
 * aborts: a process that stops gives up waiting.
 *
 * @example
 * ```ts
 * const producer = await retrying("connect to Kafka", () => bus.publisher(), { logger, signal });
 * ```
 */
export async function retrying<T>(
  what: string,
  attempt: () => Promise<T>,
  options: {
    logger: Logger;
    signal: AbortSignal;
    onFailure?: (error: unknown) => void;
  },
): Promise<T | null> {
  const { logger, signal } = options;
  for (let failures = 0; !signal.aborted; failures++) {
    try {
      return await attempt();
    } catch (error) {
      if (signal.aborted) break;
      options.onFailure?.(error);
      const delayMs = backoffMs(failures, BACKOFF);
      logger.warn(`${what} failed; retrying`, {
        error: messageOf(error),
        attempt: failures + 1,
        retryInMs: delayMs,
      });
      await abortableDelay(delayMs, signal);
    }
  }
  return null;
}

/** Waits `ms`, or less when `signal` aborts first. */
function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
