import type { Snapshot, SnapshotStore } from "../../app/ports.ts";
import type { Sql } from "./connect.ts";

/** The latest snapshot of a stream. */
export const LOAD_SNAPSHOT_SQL = `
  select version, position, schema_version, state from snapshots where stream_id = $1`;

/** Keeps the newest snapshot only; an older one never replaces a newer one. */
export const SAVE_SNAPSHOT_SQL = `
  insert into snapshots (stream_id, version, position, schema_version, state)
  values ($1, $2, $3, $4, $5::text::jsonb) -- text first: a jsonb parameter would be encoded twice
  on conflict (stream_id) do update set version = excluded.version, position = excluded.position,
    schema_version = excluded.schema_version, state = excluded.state, taken_at = now()
  where snapshots.version < excluded.version or snapshots.schema_version <> excluded.schema_version`;

/**
 * Snapshots in the event store database.
 *
 * @example
 * ```ts
 * const snapshots = postgresSnapshotStore(sql);
 * await snapshots.save({ streamId, version: 200, position, schemaVersion: 1, state });
 * ```
 */
export function postgresSnapshotStore(sql: Sql): SnapshotStore {
  return {
    async load(streamId): Promise<Snapshot | null> {
      const [row] = await sql.unsafe(LOAD_SNAPSHOT_SQL, [streamId]);
      if (!row) return null;
      return {
        streamId,
        version: Number(row.version),
        position: Number(row.position),
        schemaVersion: row.schema_version,
        state: row.state,
      };
    },
    async save(snapshot) {
      await sql.unsafe(SAVE_SNAPSHOT_SQL, [
        snapshot.streamId,
        snapshot.version,
        snapshot.position,
        snapshot.schemaVersion,
        JSON.stringify(snapshot.state),
      ]);
    },
  };
}
