import type { EventStore } from "../../app/ports.ts";
import { append } from "./append.ts";
import { commitNotifier } from "./commit_notifier.ts";
import { EVENTS_CHANNEL } from "./tables.ts";
import type { Sql } from "./connect.ts";
import { readStream } from "./read_stream.ts";

/**
 * The EventStore port on PostgreSQL, one operation per module.
 *
 * @example
 * ```ts
 * const store = postgresEventStore(connect(env.DATABASE_URL));
 * ```
 */
export function postgresEventStore(sql: Sql): EventStore {
  const notifier = commitNotifier(sql, EVENTS_CHANNEL);
  return {
    append: (streamId, events, { expectedVersion }) =>
      append(sql, { streamId, events, expectedVersion, notifier }),
    readStream: (streamId, options = {}) => readStream(sql, { streamId, ...options }),
  };
}
