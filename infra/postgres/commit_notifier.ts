import type { Sql } from "./connect.ts";

/** Wakes listeners after commits: `committed(position)` once per committed transaction. */
export type CommitNotifier = { committed(position: number): void };

/**
 * NOTIFY `channel` after each commit, coalesced: at most one NOTIFY of this
 * notifier is in flight; commits meanwhile are announced by one more NOTIFY
 * once it returns (its payload: the highest position committed so far). So every commit is followed by
 * a NOTIFY sent after it, while the appends never
 * wait for the cluster-wide lock a notifying transaction holds through its
 * commit. A wake-up lost with a crashed process costs only latency: listeners
 * also poll.
 *
 * @example
 * ```ts
 * const notifier = commitNotifier(sql, EVENTS_CHANNEL);
 * notifier.committed(42); // a NOTIFY with payload "42" follows
 * ```
 */
export function commitNotifier(sql: Sql, channel: string): CommitNotifier {
  let highest = 0;
  // Commits not yet covered by a NOTIFY sent after them. Not a position: transactions
  // commit out of position order (a lower position may commit after a higher one).
  let unannounced = false;
  let inFlight = false;

  async function flush(): Promise<void> {
    inFlight = true;
    try {
      while (unannounced) {
        unannounced = false;
        // Best effort: the rows are committed; a failed wake-up is covered by polling.
        await sql.notify(channel, String(highest)).catch(() => {});
      }
    } finally {
      inFlight = false;
    }
  }

  return {
    committed(position) {
      if (position > highest) highest = position;
      unannounced = true;
      if (!inFlight) void flush();
    },
  };
}
