import assert from "node:assert/strict";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import { assertVerified, stores } from "../pipeline_test_utils.ts";
import { EVENT_COLUMNS, type EventRow, toRecordedEvent } from "../postgres/rows.ts";
import { readStream } from "../postgres/read_stream.ts";
import { applyBatch } from "./apply_batch.ts";

type Stores = Awaited<ReturnType<typeof stores>>;

/** Likes, an unlike, comments edited and removed, an edit and a deleted post, from the command side. */
async function history(s: Stores) {
  const alice = await s.register("alice");
  const bob = await s.register("bob");
  const send = s.mediator.send;
  const { postId } = await send({ type: "CreatePost", message: "hello" }, alice);
  await send({ type: "LikePost", postId }, bob);
  await send({ type: "LikePost", postId }, alice);
  await send({ type: "UnlikePost", postId }, bob);
  await send({ type: "LikePost", postId }, bob);
  const { commentId } = await send({ type: "AddComment", postId, comment: "first" }, bob);
  await send({ type: "EditComment", postId, commentId, comment: "first!" }, bob);
  const { commentId: gone } = await send({ type: "AddComment", postId, comment: "oops" }, alice);
  await send({ type: "RemoveComment", postId, commentId: gone }, alice);
  await send({ type: "EditMessage", postId, message: "hello, world" }, alice);
  const { postId: removed } = await send({ type: "CreatePost", message: "bye" }, bob);
  await send({ type: "LikePost", postId: removed }, alice);
  await send({ type: "AddComment", postId: removed, comment: "c" }, alice);
  await send({ type: "DeletePost", postId: removed }, bob);
  return { postId };
}

/** Every event in position order (not through the gap-safe cursor: nothing is in flight here). */
async function allEvents(s: Stores): Promise<RecordedEvent<AnyEvent>[]> {
  const rows = await s.eventSql.unsafe<EventRow[]>(
    `select ${EVENT_COLUMNS} from events order by global_position`,
  );
  return rows.map(toRecordedEvent);
}

const fetchStreamOf =
  (s: Stores) => (streamId: string, range: { fromVersion: number; toVersion: number }) =>
    readStream(s.eventSql, { streamId, ...range });

Deno.test("Apply batch - a whole history in one batch leaves the rows the verifier expects", async () => {
  await using s = await stores();
  const { postId } = await history(s);
  const events = await allEvents(s);
  const result = await s.readSql.begin((tx) =>
    applyBatch(tx, events, { fetchStream: fetchStreamOf(s) })
  );
  assert.deepEqual(result, { applied: events.length, skipped: 0 });
  const [post] = await s.readSql`select message, likes, comments from posts where id = ${postId}`;
  assert.deepEqual({ ...post }, { message: "hello, world", likes: 2, comments: 1 });
  await assertVerified(s);
});

Deno.test("Apply batch - event by event and in one batch give the same rows", async () => {
  await using s = await stores();
  await history(s);
  const events = await allEvents(s);
  for (const event of events) {
    await s.readSql.begin((tx) => applyBatch(tx, [event], { fetchStream: fetchStreamOf(s) }));
  }
  await assertVerified(s);
});

Deno.test("Apply batch - redelivered events are skipped; nothing counts twice", async () => {
  await using s = await stores();
  const { postId } = await history(s);
  const events = await allEvents(s);
  const fetchStream = fetchStreamOf(s);
  await s.readSql.begin((tx) => applyBatch(tx, events.slice(0, 8), { fetchStream }));
  const again = await s.readSql.begin((tx) => applyBatch(tx, events, { fetchStream }));
  assert.deepEqual(again, { applied: events.length - 8, skipped: 8 });
  const [post] = await s.readSql`select likes, comments from posts where id = ${postId}`;
  assert.deepEqual({ ...post }, { likes: 2, comments: 1 });
  await assertVerified(s);
});

Deno.test("Apply batch - a version gap is filled from the event store first", async () => {
  await using s = await stores();
  await history(s);
  const events = await allEvents(s);
  // Only each stream's last event: every earlier version is fetched from the store.
  const heads = [...new Map(events.map((e) => [e.streamId, e])).values()];
  const result = await s.readSql.begin((tx) =>
    applyBatch(tx, heads, { fetchStream: fetchStreamOf(s) })
  );
  assert.equal(result.applied, events.length);
  await assertVerified(s);
});

Deno.test("Apply batch - a refused row fails the whole batch and writes nothing", async () => {
  await using s = await stores();
  await history(s);
  const events = await allEvents(s);
  await s.readSql`alter table posts add constraint no_hello check (message <> 'hello, world')`;
  await assert.rejects(
    s.readSql.begin((tx) => applyBatch(tx, events, { fetchStream: fetchStreamOf(s) })),
    /no_hello/,
  );
  const [{ n }] = await s.readSql`select count(*)::int as n from projection_streams`;
  assert.equal(n, 0);
});
