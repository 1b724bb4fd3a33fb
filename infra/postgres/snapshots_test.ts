import assert from "node:assert/strict";
import { snapshotStoreContract } from "../../app/snapshot_store_contract.ts";
import { postStreamId } from "../../domain/mod.ts";
import { migrate } from "./migrate.ts";
import { postgresSnapshotStore } from "./snapshots.ts";
import { tempDatabase } from "./test_utils.ts";

// The cases every SnapshotStore passes (the in-memory one too), each on its own database.
for (const [name, run] of Object.entries(snapshotStoreContract)) {
  Deno.test(`Snapshot store - ${name}`, async () => {
    await using db = await tempDatabase();
    const sql = db.connect({ max: 4 });
    await migrate(sql, "event_store");
    await run(postgresSnapshotStore(sql));
  });
}

Deno.test("Snapshot store - a head dropped takes its entries with it; none is built on it afterwards", async () => {
  await using db = await tempDatabase();
  const sql = db.connect();
  await migrate(sql, "event_store");
  const store = postgresSnapshotStore(sql);
  const streamId = postStreamId(crypto.randomUUID());
  const base = { streamId, position: 1, schemaVersion: 2, removals: [] };
  await store.save({ ...base, version: 50, head: {}, base: null, upserts: [["a", true]] });
  await sql`delete from snapshots where stream_id = ${streamId}`;
  const [{ count }] = await sql`
    select count(*)::int from snapshot_entries where stream_id = ${streamId}`;
  assert.equal(count, 0);
  assert.equal(
    await store.save({ ...base, version: 60, head: {}, base: 50, upserts: [["b", true]] }),
    false,
  );
  assert.equal(await store.load(streamId, ["a", "b"]), null);
});
