/**
 * After a benchmark the data it wrote must still verify: the read model equal
 * to a fold of the event store, every snapshot equal to its stream's fold.
 * The bench checks it on each database it filled (the pipeline's and the
 * HTTP stack's) and fails on any difference; a speed-up that breaks the read
 * model does not get a figure.
 *
 * @module
 */
import type { Sql } from "../infra/postgres/connect.ts";
import { verifySnapshots } from "../infra/postgres/verify_snapshots.ts";
import { verifyReadModel } from "../infra/projections/verify.ts";
import type { Report } from "./figures.ts";

/** Runs `deno task verify`'s checks: adds `<name>_verified_events` (events folded) or throws. */
export async function assertVerified(
  report: Report,
  name: string,
  stores: { eventSql: Sql; readSql: Sql },
): Promise<void> {
  const model = await verifyReadModel(stores);
  const snapshots = await verifySnapshots(stores.eventSql);
  const differences = [...model.differences, ...snapshots.differences];
  if (differences.length > 0) {
    throw new Error(
      `${name}: the read model or the snapshots differ from the events after the benchmark:\n` +
        differences.slice(0, 20).join("\n"),
    );
  }
  report.add(`${name}_verified_events`, { value: model.events, unit: "count" });
}
