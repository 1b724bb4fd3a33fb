/**
 * How far the read model is, in one place: the highest applied position, the
 * generation the page cache keys on, and the one statement that raises the
 * generation outside a projector batch.
 *
 * @module
 */
import type { Sql } from "../postgres/connect.ts";
import { PROJECTION_CHANNEL } from "../postgres/tables.ts";
import type { Tx } from "./apply_event.ts";

/**
 * The highest position the projector applied: the greatest over the
 * partitions' checkpoints and projector_state (migration 004).
 */
const APPLIED_POSITION_SQL = `
  select greatest(
    (select max_position from projector_state where id = 'projector'),
    (select coalesce(max(max_position), 0) from projector_checkpoints)
  )::bigint as position`;

/**
 * The read model's generation: every projector batch raises its partition's
 * checkpoint (migration 004); a restore swap and a dead letter's retry raise
 * projector_state (`raiseGeneration`, migration 003).
 */
const GENERATION_SQL = `
  select ((select generation from projector_state where id = 'projector')
    + (select coalesce(sum(generation), 0) from projector_checkpoints))::bigint as generation`;

/** The highest position the projector applied (0 before the first batch). */
export async function appliedPosition(sql: Sql): Promise<number> {
  const [row] = await sql.unsafe<{ position: string }[]>(APPLIED_POSITION_SQL, [], {
    prepare: true,
  });
  return Number(row?.position ?? 0);
}

/** The read model's generation: any change of the projection tables raises it. */
export async function readModelGeneration(sql: Sql): Promise<number> {
  const [row] = await sql.unsafe<{ generation: string }[]>(GENERATION_SQL, [], { prepare: true });
  return Number(row?.generation ?? 0);
}

/**
 * Raises the generation and NOTIFYs in `tx`, for a change made outside a
 * projector batch: pages rendered before are not served again (page_cache.ts)
 * and open live pages read the new rows (the NOTIFY is delivered at commit).
 */
export async function raiseGeneration(tx: Tx): Promise<void> {
  await tx`
    with bumped as (
      update public.projector_state set generation = generation + 1 where id = 'projector')
    select pg_notify(${PROJECTION_CHANNEL}, '0')`;
}
