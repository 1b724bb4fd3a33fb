import type { AppendResult, ExpectedVersion, NewEvent } from "../../app/ports.ts";
import { ConcurrencyError, schemaVersions, streamTypeOf } from "../../domain/mod.ts";
import type { CommitNotifier } from "./commit_notifier.ts";
import { isUniqueViolation, type Sql } from "./connect.ts";

/**
 * One append, one round trip: the `append_events` function (migration 006)
 * guards on the expected version, inserts the events and raises NOTIFY in the
 * statement's own transaction. Prepared once per connection.
 */
export const APPEND_SQL = `
  select global_position, stream_version, duplicate
  from append_events($1, $2, $3, $4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[])`;

/** Looks up already stored event ids, for safe retries. */
export const FIND_EVENTS_SQL = `
  select event_id, stream_id, stream_version, global_position from events
  where event_id = any($1::uuid[])`;

/**
 * Appends events to one stream atomically, guarded by the expected version;
 * `notifier` hears of every commit, to wake the tailers.
 *
 * @example
 * ```ts
 * await append(sql, { streamId: "post-…", events, expectedVersion: 0 });
 * ```
 */
export async function append(
  sql: Sql,
  options: {
    streamId: string;
    events: readonly NewEvent[];
    expectedVersion: ExpectedVersion;
    notifier?: CommitNotifier;
  },
): Promise<AppendResult> {
  const { streamId, events, expectedVersion, notifier } = options;
  if (events.length === 0) throw new Error("append needs at least one event");
  let rows;
  try {
    rows = await sql.unsafe(APPEND_SQL, [
      streamId,
      streamTypeOf(streamId),
      expectedVersion === "any" ? null : expectedVersion,
      events.map((e) => e.eventId),
      events.map((e) => e.event.type),
      events.map((e) => schemaVersions[e.event.type]),
      events.map((e) => JSON.stringify(e.event.data)),
      events.map((e) => JSON.stringify(e.metadata)),
    ], { prepare: true });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    // Expected version "any" re-sending stored event ids: a retry of an append that committed.
    const stored = await findStored(sql, streamId, events);
    if (stored) return stored;
    throw new ConcurrencyError(streamId, expectedVersion === "any" ? -1 : expectedVersion);
  }
  const positions = rows.map((r) => Number(r.global_position));
  const nextExpectedVersion = Number(rows.at(-1)?.stream_version ?? 0);
  if (rows.length === events.length && !rows[0].duplicate) {
    notifier?.committed(positions.at(-1)!);
    return { nextExpectedVersion, positions, duplicate: false };
  }
  // The version had moved: every event already stored means this append is a retry.
  if (rows.length === events.length) {
    return {
      nextExpectedVersion: Math.max(...rows.map((r) => Number(r.stream_version))),
      positions,
      duplicate: true,
    };
  }
  throw new ConcurrencyError(streamId, expectedVersion === "any" ? -1 : expectedVersion);
}

async function findStored(
  sql: Sql,
  streamId: string,
  events: readonly NewEvent[],
): Promise<AppendResult | null> {
  const rows = await sql.unsafe(FIND_EVENTS_SQL, [events.map((e) => e.eventId)]);
  const byId = new Map(rows.map((r) => [r.event_id as string, r]));
  const found = events.map((e) => byId.get(e.eventId));
  if (found.some((r) => !r || r.stream_id !== streamId)) return null;
  return {
    nextExpectedVersion: Math.max(...found.map((r) => Number(r!.stream_version))),
    positions: found.map((r) => Number(r!.global_position)),
    duplicate: true,
  };
}
