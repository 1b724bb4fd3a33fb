import type { Sql } from "./connect.ts";
import { EVENTS_CHANNEL } from "./tables.ts";

/** Wakes the store's tailers after appends: `committed(position)` once per committed append. */
export type AppendNotifier = { committed(position: number): void };

/**
 * NOTIFY events_appended after each commit, coalesced: at most one NOTIFY of
 * this process is in flight; appends that commit meanwhile are announced by
 * one more NOTIFY, with the highest position, once it returns. So every commit
 * is followed by a NOTIFY sent after it, while appends never wait for the
 * cluster-wide lock a notifying transaction holds through its commit. A
 * wake-up lost with a crashed process costs only latency: tailers also poll.
 *
 * @example
 * ```ts
 * const notifier = appendNotifier(sql);
 * notifier.committed(42); // a NOTIFY with payload "42" follows
 * ```
 */
export function appendNotifier(sql: Sql): AppendNotifier {
  let highest = 0;
  let announced = 0;
  let inFlight = false;

  async function flush(): Promise<void> {
    inFlight = true;
    try {
      while (announced < highest) {
        const position = highest;
        // Best effort: the events are committed; a failed wake-up is covered by polling.
        await sql.notify(EVENTS_CHANNEL, String(position)).catch(() => {});
        announced = position;
      }
    } finally {
      inFlight = false;
    }
  }

  return {
    committed(position) {
      if (position > highest) highest = position;
      if (!inFlight) void flush();
    },
  };
}
