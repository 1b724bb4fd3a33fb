import type { EventStore } from "../../app/ports.ts";
import { append } from "./append.ts";
import { appendNotifier } from "./append_notifier.ts";
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
  const notifier = appendNotifier(sql);
  return {
    append: (streamId, events, { expectedVersion }) =>
      append(sql, { streamId, events, expectedVersion, notifier }),
    readStream: (streamId, options = {}) => readStream(sql, { streamId, ...options }),
  };
}
