import type { Logger } from "../../app/log.ts";
import type { Sql } from "../postgres/connect.ts";
import { appliedPosition } from "./read_model_progress.ts";

/** A pruner of `applied_positions`, run after batches. */
export type PositionPruner = {
  /** Prunes in the background if the last prune is old enough; never throws. */
  maybePrune(): void;
  /** Waits for a prune in flight. */
  stop(): Promise<void>;
};

/**
 * Keeps `applied_positions` small: readers only wait for the positions of
 * their own fresh writes, so positions at or below the highest position
 * applied `retentionMs` ago are deleted and that bound is kept in
 * `projector_state.pruned_below` (at or below it counts as applied). Cost:
 * one delete by primary-key range every `retentionMs / 4`. A position at
 * or below the bound that is still unapplied (an event stuck for longer than
 * the retention) counts as applied too early: the reader's wait is bounded
 * anyway and it then reads what is there.
 *
 * @example
 * ```ts
 * const pruner = prunePositions(readSql, { retentionMs: 120_000 });
 * pruner.maybePrune(); // after each committed batch
 * ```
 */
export function prunePositions(
  readSql: Sql,
  options: { retentionMs: number; logger: Logger },
): PositionPruner {
  const { retentionMs, logger } = options;
  /** (time, highest applied position then), oldest first. */
  const marks: { at: number; position: number }[] = [];
  let lastMark = 0;
  let running: Promise<void> | null = null;

  async function prune(): Promise<void> {
    const now = Date.now();
    marks.push({ at: now, position: await appliedPosition(readSql) });
    let cut = 0;
    while (marks.length > 0 && marks[0].at <= now - retentionMs) cut = marks.shift()!.position;
    if (cut <= 0) return;
    await readSql`
      with gone as (delete from applied_positions where position <= ${cut})
      update projector_state set pruned_below = greatest(pruned_below, ${cut})
      where id = 'projector'`;
  }

  return {
    maybePrune() {
      const now = Date.now();
      if (running || now - lastMark < retentionMs / 4) return;
      lastMark = now;
      running = prune()
        .catch((error) => logger.warn("pruning applied positions failed", { error: String(error) }))
        .finally(() => running = null);
    },
    async stop() {
      await running;
    },
  };
}
