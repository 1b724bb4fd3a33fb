import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { Sql } from "./connect.ts";
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from "./rows.ts";

/** One stream's events in version order, within [from, to]. */
export const READ_STREAM_SQL = `
  select ${EVENT_COLUMNS} from events
  where stream_id = $1 and stream_version between $2 and $3
  order by stream_version`;

/**
 * Reads a stream from `fromVersion` (default 1) to `toVersion` (default: the end).
 *
 * @example
 * ```ts
 * const events = await readStream(sql, { streamId: "post-…", toVersion: 3 }); // as it was at v3
 * ```
 */
export async function readStream(
  sql: Sql,
  options: { streamId: string; fromVersion?: number; toVersion?: number },
): Promise<RecordedEvent<AnyEvent>[]> {
  const rows = await sql.unsafe<EventRow[]>(READ_STREAM_SQL, [
    options.streamId,
    options.fromVersion ?? 1,
    options.toVersion ?? Number.MAX_SAFE_INTEGER,
  ], { prepare: true }); // every command reads its stream: parsed and planned once per connection
  return rows.map(toRecordedEvent);
}
