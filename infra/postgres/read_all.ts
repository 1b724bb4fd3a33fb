import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { Sql } from "./connect.ts";
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from "./rows.ts";
import { messageOf } from "../../app/log.ts";

/**
 * A read position in the whole store, PostgreSQL's own: ordered by
 * (transaction id, position), which, together with the snapshot bound of
 * `READ_ALL_SQL`, never skips an event. The relay, the store tail, restore and
 * the verifier page with it; the application never sees it.
 */
export type Cursor = { readonly transactionId: string; readonly position: number };

/** The cursor before the first event. */
export const START: Cursor = { transactionId: "0", position: 0 };

/**
 * Events after the cursor, in (transaction id, position) order, but only from
 * transactions below the horizon: older than every transaction still running
 * in this database. Positions are handed out before commit, so a later
 * position can become visible first; reading only below the horizon means an
 * earlier, still-open transaction can never be skipped: its rows appear
 * later, and still after the cursor. `read_events` (migration 007) computes
 * the horizon and reads in two statements, which is what makes it safe.
 */
export const READ_ALL_SQL = `
  select ${EVENT_COLUMNS} from read_events($1::xid8, $2::bigint, $3::integer)`;

/** The horizon on its own (restore catches up to it before swapping). */
export const HORIZON_SQL = `select events_horizon()::text as horizon`;

/**
 * Reads the whole store after `after`, at most `limit` events; returns the
 * cursor to continue from.
 *
 * @example
 * ```ts
 * let cursor = START;
 * const page = await readAll(sql, { after: cursor, limit: 500 });
 * cursor = page.cursor;
 * ```
 */
export async function readAll(
  sql: Sql,
  options: { after: Cursor; limit?: number },
): Promise<{ events: RecordedEvent<AnyEvent>[]; cursor: Cursor }> {
  const { rows, cursor } = await readAllRows(sql, options);
  return { events: rows.map(toRecordedEvent), cursor };
}

/** An events row decoded on its own: the event, or why it cannot be read. */
export type ReadEntry =
  | { row: EventRow; event: RecordedEvent<AnyEvent>; error?: undefined }
  | { row: EventRow; event: null; error: string };

/**
 * Like `readAll`, but an unreadable row does not fail the page: each row
 * comes decoded or with its error (Restore read DB sends those to dead
 * letters and goes on).
 *
 * @example
 * ```ts
 * const page = await readAllEntries(sql, { after: START, limit: 5000 });
 * const broken = page.entries.filter((e) => e.event === null);
 * ```
 */
export async function readAllEntries(
  sql: Sql,
  options: { after: Cursor; limit?: number },
): Promise<{ entries: ReadEntry[]; cursor: Cursor }> {
  const { rows, cursor } = await readAllRows(sql, options);
  const entries = rows.map((row): ReadEntry => {
    try {
      return { row, event: toRecordedEvent(row) };
    } catch (error) {
      return { row, event: null, error: messageOf(error) };
    }
  });
  return { entries, cursor };
}

async function readAllRows(
  sql: Sql,
  options: { after: Cursor; limit?: number },
): Promise<{ rows: EventRow[]; cursor: Cursor }> {
  const { after } = options;
  const rows = await sql.unsafe<EventRow[]>(READ_ALL_SQL, [
    after.transactionId,
    after.position,
    options.limit ?? 500,
  ]);
  const last = rows.at(-1);
  return {
    rows,
    cursor: last
      ? { transactionId: last.transaction_id, position: Number(last.global_position) }
      : after,
  };
}
