import assert from "node:assert/strict";
import { fan } from "../../domain/test_utils.ts";
import { requestContext } from "../../app/context.ts";
import { commandSide } from "../../app/test_utils.ts";
import { postStreamId } from "../../domain/mod.ts";
import { postgresEventStore } from "./event_store.ts";
import { migrate } from "./migrate.ts";
import { postgresSnapshotStore } from "./snapshots.ts";
import { tempDatabase } from "./test_utils.ts";
import { verifySnapshots } from "./verify_snapshots.ts";

Deno.test("Snapshot check - clean for snapshots moved forward by commands; names a missing, a left-over and a wrong entry and a wrong head", async () => {
  await using db = await tempDatabase();
  const sql = db.connect();
  await migrate(sql, "event_store");
  const { mediator, settled } = commandSide({
    store: postgresEventStore(sql),
    snapshots: postgresSnapshotStore(sql),
    snapshotEvery: 5,
  });
  const ctx = (i: number) => requestContext({ actor: fan(i) });
  // Each like's snapshot work (off the commands' path) done before the next: the last at 15.
  const toggle = async (type: "LikePost" | "UnlikePost", i: number) => {
    await mediator.send({ type, postId }, ctx(i));
    await settled();
  };
  const { postId } = await mediator.send({ type: "CreatePost", message: "p" }, ctx(0));
  const { commentId } = await mediator.send({ type: "AddComment", postId, comment: "c" }, ctx(1));
  for (let i = 1; i <= 12; i++) await toggle("LikePost", i);
  await toggle("UnlikePost", 3);
  for (let i = 13; i <= 16; i++) await toggle("LikePost", i);
  const streamId = postStreamId(postId);

  const clean = await verifySnapshots(sql);
  assert.deepEqual(clean.differences, []);
  assert.equal(clean.snapshots, 1);

  await sql`delete from snapshot_entries where stream_id = ${streamId} and key = ${`liker:${
    fan(2).userId
  }`}`;
  await sql`insert into snapshot_entries values (${streamId}, ${`liker:${fan(3).userId}`}, 'true')`;
  await sql`update snapshot_entries set value = jsonb_set(value, '{comment}', '"edited"')
            where stream_id = ${streamId} and key = ${`comment:${commentId}`}`;
  await sql`update snapshots set state = jsonb_set(state, '{likes}', '99') where stream_id = ${streamId}`;
  const { differences } = await verifySnapshots(sql);
  assert.deepEqual(
    differences.toSorted(),
    [
      `snapshot ${streamId}: entry comment:${commentId} differs`,
      `snapshot ${streamId}: entry liker:${fan(2).userId} is missing`,
      `snapshot ${streamId}: entry liker:${fan(3).userId} is left over`,
      `snapshot ${streamId}: head differs from the fold at version 15`,
    ].toSorted(),
  );
});
