import type { Snapshot, SnapshotChange, SnapshotStore } from "../../app/ports.ts";
import type { Sql } from "./connect.ts";

/** The latest snapshot's head with the entries asked for, in one statement (one MVCC snapshot). */
const LOAD_SNAPSHOT_SQL = `
  select s.version, s.position, s.schema_version, s.state,
    coalesce((select json_agg(json_build_array(e.key, e.value)) from snapshot_entries e
              where e.stream_id = s.stream_id and e.key = any($2::text[])), '[]') as entries
  from snapshots s where s.stream_id = $1`;

/**
 * A snapshot folded from the first event: replaces none, an older one, or one
 * of another schema. `$5::text::jsonb`: a jsonb parameter would be encoded twice.
 */
const SAVE_FROM_START_SQL = `
  insert into snapshots (stream_id, version, position, schema_version, state)
  values ($1, $2, $3, $4, $5::text::jsonb)
  on conflict (stream_id) do update set version = excluded.version, position = excluded.position,
    schema_version = excluded.schema_version, state = excluded.state, taken_at = now()
  where snapshots.version < excluded.version or snapshots.schema_version <> excluded.schema_version
  returning 1`;

/** A snapshot built on the stored one: only while that one is still in place. */
const SAVE_ON_BASE_SQL = `
  update snapshots set version = $2, position = $3, state = $5::text::jsonb, taken_at = now()
  where stream_id = $1 and schema_version = $4 and version = $6
  returning 1`;

const CLEAR_ENTRIES_SQL = `delete from snapshot_entries where stream_id = $1`;

const REMOVE_ENTRIES_SQL = `
  delete from snapshot_entries where stream_id = $1 and key = any($2::text[])`;

const UPSERT_ENTRIES_SQL = `
  insert into snapshot_entries (stream_id, key, value)
  select $1, k, v::jsonb from unnest($2::text[], $3::text[]) as u(k, v)
  on conflict (stream_id, key) do update set value = excluded.value`;

/**
 * Snapshots in the event store database: heads in `snapshots`, entries in
 * `snapshot_entries`, changed together in one transaction. The head's row
 * lock orders concurrent writers, and the loser's guard fails.
 *
 * @example
 * ```ts
 * const snapshots = postgresSnapshotStore(sql);
 * const snapshot = await snapshots.load(streamId, [`liker:${userId}`]);
 * ```
 */
export function postgresSnapshotStore(sql: Sql): SnapshotStore {
  return {
    async load(streamId, keys): Promise<Snapshot | null> {
      const [row] = await sql.unsafe(LOAD_SNAPSHOT_SQL, [streamId, keys as string[]], {
        prepare: true,
      });
      if (!row) return null;
      return {
        streamId,
        version: Number(row.version),
        position: Number(row.position),
        schemaVersion: row.schema_version,
        head: row.state,
        entries: row.entries,
      };
    },
    async save(change: SnapshotChange): Promise<boolean> {
      const { streamId, base } = change;
      return await sql.begin(async (tx) => {
        const head = [
          streamId,
          change.version,
          change.position,
          change.schemaVersion,
          JSON.stringify(change.head),
        ];
        const prepare = { prepare: true };
        const moved = base === null
          ? await tx.unsafe(SAVE_FROM_START_SQL, head, prepare)
          : await tx.unsafe(SAVE_ON_BASE_SQL, [...head, base], prepare);
        if (moved.length === 0) return false;
        if (base === null) await tx.unsafe(CLEAR_ENTRIES_SQL, [streamId], prepare);
        else if (change.removals.length > 0) {
          await tx.unsafe(REMOVE_ENTRIES_SQL, [streamId, change.removals as string[]], prepare);
        }
        if (change.upserts.length > 0) {
          await tx.unsafe(UPSERT_ENTRIES_SQL, [
            streamId,
            change.upserts.map(([key]) => key),
            change.upserts.map(([, value]) => JSON.stringify(value)),
          ], prepare);
        }
        return true;
      });
    },
  };
}
