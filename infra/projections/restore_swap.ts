import type { Cursor } from "../postgres/read_all.ts";
import type { Sql } from "../postgres/connect.ts";
import { grantReadSql } from "../postgres/roles.ts";
import { HORIZON_SQL } from "../postgres/read_all.ts";
import { raiseGeneration } from "./read_model_progress.ts";
import { PROJECTION_TABLES, type Tx } from "./apply_event.ts";

/** Swap attempts when the table locks time out or deadlock with a reader. */
const SWAP_ATTEMPTS = 3;

/** What the swap needs from the restorer. */
export type SwapPlan = {
  shadow: string;
  retired: string;
  /** Where the rebuild stopped reading. */
  cursor: Cursor;
  /**
   * Applies every event after `after` from transactions below `horizon` into
   * the shadow tables (search_path is the shadow), returns how many.
   */
  catchUp(tx: Tx, options: { after: Cursor; horizon: bigint }): Promise<number>;
  /** Runs last inside the swap's transaction (marks the job done). */
  finish(tx: Tx, caughtUp: number): Promise<void>;
  onRetry(attempt: number, error: unknown): void;
};

/**
 * Final catch-up and swap in ONE read-store transaction. The exclusive lock
 * on the checkpoints waits for a live projector batch in flight and holds
 * the next one at its first statement. Everything the projector applied was
 * read by the relay below an older horizon than the one taken here (see
 * read_all.ts), so catching up to this one covers it; events above it reach the new
 * tables through the projector after the swap. Returns the events caught up.
 *
 * @example
 * ```ts
 * const caughtUp = await swapShadow(readSql, eventSql, plan);
 * ```
 */
export async function swapShadow(readSql: Sql, eventSql: Sql, plan: SwapPlan): Promise<number> {
  const { shadow, retired } = plan;
  for (let attempt = 1;; attempt++) {
    try {
      return await readSql.begin(async (tx) => {
        await tx`lock table public.projector_checkpoints in exclusive mode`;
        await tx.unsafe(`set local search_path to ${shadow}`);
        const [{ horizon }] = await eventSql.unsafe<{ horizon: string }[]>(HORIZON_SQL);
        const caughtUp = await plan.catchUp(tx, { after: plan.cursor, horizon: BigInt(horizon) });
        // Readers queue behind a waiting ACCESS EXCLUSIVE request: do not wait long.
        await tx`set local lock_timeout = '5s'`;
        const live = PROJECTION_TABLES.map((t) => `public.${t}`).join(", ");
        await tx.unsafe(`lock table ${live} in access exclusive mode`);
        await tx.unsafe(`create schema ${retired}`);
        for (const table of PROJECTION_TABLES) {
          await tx.unsafe(`alter table public.${table} set schema ${retired}`);
          await tx.unsafe(`alter table ${shadow}.${table} set schema public`);
        }
        // New tables carry no grants: give the process roles theirs back (see roles.ts).
        await tx.unsafe(grantReadSql());
        // Pages rendered from the old tables are not served again (page_cache.ts), and open
        // live pages read the new ones (the NOTIFY is delivered at commit).
        await raiseGeneration(tx);
        await plan.finish(tx, caughtUp);
        return caughtUp;
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const transient = code === "55P03" || code === "40P01"; // lock timeout, deadlock
      if (!transient || attempt >= SWAP_ATTEMPTS) throw error;
      plan.onRetry(attempt, error);
    }
  }
}
