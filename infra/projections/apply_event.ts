import type postgres from "postgres";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";

/** A connection or a transaction: projection SQL runs inside the caller's transaction. */
export type Tx = postgres.Sql | postgres.TransactionSql;

/** The tables Restore read DB rebuilds and swaps in. */
export const PROJECTION_TABLES = [
  "users",
  "posts",
  "comments",
  "likes",
  "projection_streams",
  "applied_positions",
] as const;

/** Reads a stream's events in [fromVersion, toVersion] from the event store (gap filling). */
export type FetchStream = (
  streamId: string,
  range: { fromVersion: number; toVersion: number },
) => Promise<RecordedEvent<AnyEvent>[]>;
