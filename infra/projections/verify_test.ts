import assert from "node:assert/strict";
import { readableToTheEnd, stores } from "../pipeline_test_utils.ts";
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from "../postgres/rows.ts";
import { readStream } from "../postgres/read_stream.ts";
import { applyBatch } from "./apply_batch.ts";
import { verifyReadModel } from "./verify.ts";

type Stores = Awaited<ReturnType<typeof stores>>;

/** Two users, a liked and commented post, all applied in one batch. */
async function projectedHistory(s: Stores) {
  const alice = await s.register("alice");
  const bob = await s.register("bob");
  const { postId } = await s.mediator.send({ type: "CreatePost", message: "hi" }, alice);
  await s.mediator.send({ type: "LikePost", postId }, bob);
  await s.mediator.send({ type: "AddComment", postId, comment: "yo" }, bob);
  const rows = await s.eventSql.unsafe<EventRow[]>(
    `select ${EVENT_COLUMNS} from events order by global_position`,
  );
  await s.readSql.begin((tx) =>
    applyBatch(tx, rows.map(toRecordedEvent), {
      fetchStream: (streamId, range) => readStream(s.eventSql, { streamId, ...range }),
    })
  );
  await readableToTheEnd(s.eventSql);
  return { postId, last: rows.length };
}

Deno.test("Verifier - clean when the projections match; names a wrong count and a missing position", async () => {
  await using s = await stores();
  const { postId, last } = await projectedHistory(s);
  const clean = await verifyReadModel({ eventSql: s.eventSql, readSql: s.readSql });
  assert.deepEqual(clean.differences, []);
  assert.equal(clean.events, last);

  await s.readSql`update posts set likes = 7 where id = ${postId}`;
  await s.readSql`delete from applied_positions where position = ${last}`;
  const { differences } = await verifyReadModel({ eventSql: s.eventSql, readSql: s.readSql });
  assert.deepEqual(differences, [
    `posts ${postId}: likes expected 1, found 7`,
    `applied_positions: 1 missing (${last})`,
  ]);
});

Deno.test("Verifier - positions at or below the pruning bound count as applied", async () => {
  await using s = await stores();
  const { last } = await projectedHistory(s);
  await s.readSql`delete from applied_positions where position <= ${last - 1}`;
  await s.readSql`update projector_state set pruned_below = ${last - 1}`;
  const { differences } = await verifyReadModel({ eventSql: s.eventSql, readSql: s.readSql });
  assert.deepEqual(differences, []);
});
