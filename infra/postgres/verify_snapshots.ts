import { isDeepStrictEqual } from "node:util";
import { ownEvents } from "../../app/aggregate.ts";
import { foldPost, isPostEvent, postSnapshotShape } from "../../domain/mod.ts";
import type { Sql } from "./connect.ts";
import { readStream } from "./read_stream.ts";

/** What the snapshot check found: one line per difference, and how many snapshots it read. */
export type SnapshotVerification = { readonly differences: string[]; readonly snapshots: number };

/**
 * Checks every Post snapshot of the current schema version against its
 * stream: the head and the entries must be what folding the stream's events
 * up to the snapshot's version gives, no entry missing and none left over.
 * Snapshots of another schema version are skipped (loads ignore them too).
 *
 * @example
 * ```ts
 * const { differences } = await verifySnapshots(eventSql);
 * ```
 */
export async function verifySnapshots(eventSql: Sql): Promise<SnapshotVerification> {
  const shape = postSnapshotShape;
  const streams = await eventSql<{ stream_id: string }[]>`
    select stream_id from snapshots
    where schema_version = ${shape.schemaVersion} and stream_id like 'post-%'
    order by stream_id`;
  const differences: string[] = [];
  let checked = 0;
  for (const { stream_id: streamId } of streams) {
    // The head and its entries in one statement: a snapshot moving forward meanwhile (in the
    // background, after a write) is seen wholly before or wholly after.
    const [snapshot] = await eventSql<
      { version: string; state: unknown; entries: [string, unknown][] }[]
    >`
      select s.version, s.state,
             coalesce(json_agg(json_build_array(e.key, e.value))
                      filter (where e.key is not null), '[]') as entries
      from snapshots s left join snapshot_entries e on e.stream_id = s.stream_id
      where s.stream_id = ${streamId} and s.schema_version = ${shape.schemaVersion}
      group by s.stream_id`;
    if (!snapshot) continue; // dropped since
    checked++;
    const { version, state: head } = snapshot;
    const stored = await readStream(eventSql, { streamId, toVersion: Number(version) });
    const events = ownEvents(streamId, stored, isPostEvent);
    const expected = foldPost(events);
    if (expected.version !== Number(version)) {
      differences.push(
        `snapshot ${streamId}: version ${version}, the stream has ${expected.version}`,
      );
      continue;
    }
    if (!isDeepStrictEqual(head, shape.head(expected))) {
      differences.push(`snapshot ${streamId}: head differs from the fold at version ${version}`);
    }
    const found = new Map(snapshot.entries);
    const keys = new Set([
      ...found.keys(),
      ...events.flatMap(shape.keysChanged),
    ]);
    for (const key of [...keys].sort()) {
      const want = shape.entry(expected, key);
      const have = found.get(key);
      if (want === undefined && have !== undefined) {
        differences.push(`snapshot ${streamId}: entry ${key} is left over`);
      } else if (want !== undefined && have === undefined) {
        differences.push(`snapshot ${streamId}: entry ${key} is missing`);
      } else if (!isDeepStrictEqual(want, have)) {
        differences.push(`snapshot ${streamId}: entry ${key} differs`);
      }
    }
  }
  return { differences, snapshots: checked };
}
