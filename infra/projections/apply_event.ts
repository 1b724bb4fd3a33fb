import type postgres from "postgres";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import { applyBatch } from "./apply_batch.ts";

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

/**
 * Applies one event exactly once and in stream order (a batch of one; see
 * `applyBatch` for the rules).
 *
 * @example
 * ```ts
 * await sql.begin((tx) => projectEvent(tx, event, { fetchStream }));
 * ```
 */
export async function projectEvent(
  tx: Tx,
  event: RecordedEvent<AnyEvent>,
  options: { fetchStream: FetchStream },
): Promise<"applied" | "skipped"> {
  const { applied } = await applyBatch(tx, [event], options);
  return applied > 0 ? "applied" : "skipped";
}
