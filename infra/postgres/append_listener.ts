import type { Logger } from "../../app/log.ts";
import type { Sql } from "./connect.ts";
import { EVENTS_CHANNEL } from "./tables.ts";

/**
 * Calls `onAppend` on every append's NOTIFY (`events_appended`), for the
 * loops that tail the store (relay, store tail). A LISTEN that fails is
 * logged and left: those loops poll anyway.
 *
 * @example
 * ```ts
 * const appends = listenForAppends(sql, signal.wake, { logger, who: "relay" });
 * await appends.close();
 * ```
 */
export function listenForAppends(
  sql: Sql,
  onAppend: () => void,
  options: { logger: Logger; who: string },
): { close(): Promise<void> } {
  const listening = sql.listen(EVENTS_CHANNEL, onAppend).catch((error) => {
    options.logger.warn(`${options.who} LISTEN failed; polling only`, { error: String(error) });
    return null;
  });
  return {
    async close() {
      const listener = await listening;
      await listener?.unlisten().catch(() => {});
    },
  };
}
