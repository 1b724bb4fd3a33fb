import type { AppendResult, ExpectedVersion, NewEvent } from "../../app/ports.ts";
import { ConcurrencyError, schemaVersions } from "../../domain/mod.ts";
import { isUniqueViolation, type Sql } from "./connect.ts";
import { streamTypeOf } from "./rows.ts";
import { EVENTS_CHANNEL } from "./tables.ts";

/** Creates a stream; returns no row if it exists already (a conflict for expected version 0). */
export const CREATE_STREAM_SQL = `
  insert into streams (stream_id, stream_type, version) values ($1, $2, $3)
  on conflict (stream_id) do nothing
  returning version`;

/** Advances a stream only from the expected version; no row means someone else moved it. */
export const ADVANCE_STREAM_SQL = `
  update streams set version = version + $3
  where stream_id = $1 and version = $2
  returning version`;

/** Advances a stream whatever its version (expected version "any"). */
export const ADVANCE_ANY_SQL = `
  insert into streams (stream_id, stream_type, version) values ($1, $2, $3)
  on conflict (stream_id) do update set version = streams.version + excluded.version
  returning version`;

/** Inserts the batch in order; identity positions follow the ordinality. */
export const INSERT_EVENTS_SQL = `
  insert into events (stream_id, stream_type, stream_version, event_id, event_type,
                      schema_version, data, metadata)
  select $1, $2, $3::bigint + e.ord, e.event_id, e.event_type, e.schema_version,
         e.data::jsonb, e.metadata::jsonb
  -- JSON travels as text[]: a jsonb[] parameter would be JSON-encoded a second time
  from unnest($4::uuid[], $5::text[], $6::int[], $7::text[], $8::text[])
       with ordinality as e(event_id, event_type, schema_version, data, metadata, ord)
  order by e.ord
  returning global_position, stream_version`;

/** Looks up already stored event ids, for safe retries. */
export const FIND_EVENTS_SQL = `
  select event_id, stream_id, stream_version, global_position from events
  where event_id = any($1::uuid[])`;

const NOTIFY_SQL = `select pg_notify($1, $2)`;

/**
 * Appends events to one stream in one transaction, guarded by the expected
 * version; raises NOTIFY so tailers wake at commit.
 *
 * @example
 * ```ts
 * await append(sql, { streamId: "post-…", events, expectedVersion: 0 });
 * ```
 */
export async function append(
  sql: Sql,
  options: { streamId: string; events: readonly NewEvent[]; expectedVersion: ExpectedVersion },
): Promise<AppendResult> {
  const { streamId, events, expectedVersion } = options;
  if (events.length === 0) throw new Error("append needs at least one event");
  const streamType = streamTypeOf(streamId);
  try {
    return await sql.begin(async (tx) => {
      const n = events.length;
      const [row] = expectedVersion === "any"
        ? await tx.unsafe(ADVANCE_ANY_SQL, [streamId, streamType, n])
        : expectedVersion === 0
        ? await tx.unsafe(CREATE_STREAM_SQL, [streamId, streamType, n])
        : await tx.unsafe(ADVANCE_STREAM_SQL, [streamId, expectedVersion, n]);
      if (!row) throw new ConcurrencyError(streamId, expectedVersion as number);
      const version = Number(row.version);
      const inserted = await tx.unsafe(INSERT_EVENTS_SQL, [
        streamId,
        streamType,
        version - n,
        events.map((e) => e.eventId),
        events.map((e) => e.event.type),
        events.map((e) => schemaVersions[e.event.type]),
        events.map((e) => JSON.stringify(e.event.data)),
        events.map((e) => JSON.stringify(e.metadata)),
      ]);
      const positions = inserted
        .map((r) => ({ v: Number(r.stream_version), p: Number(r.global_position) }))
        .sort((a, b) => a.v - b.v)
        .map((r) => r.p);
      await tx.unsafe(NOTIFY_SQL, [EVENTS_CHANNEL, String(positions.at(-1))]);
      return { nextExpectedVersion: version, positions, duplicate: false };
    });
  } catch (error) {
    if (!(error instanceof ConcurrencyError) && !isUniqueViolation(error)) throw error;
    // A retry of an append that already committed is answered with the original positions.
    const stored = await findStored(sql, streamId, events);
    if (stored) return stored;
    if (error instanceof ConcurrencyError) throw error;
    throw new ConcurrencyError(streamId, expectedVersion === "any" ? -1 : expectedVersion);
  }
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
