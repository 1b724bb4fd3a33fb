import assert from "node:assert/strict";
import { PostNotFound, type PostState } from "../domain/mod.ts";
import { adminQueryHandlers } from "./admin_handlers.ts";
import { requestContext } from "./context.ts";
import { createMediator } from "./mediator.ts";
import type { ReadStore } from "./ports.ts";
import { queryHandlers } from "./query_handlers.ts";
import { commandSide } from "./test_utils.ts";

// The history queries read the event store only; the read store's queries are tested on
// PostgreSQL in infra/projections/read_store_test.ts.
const noReadStore: ReadStore = {
  findPosts: () => Promise.reject(new Error("not in this test")),
  findPost: () => Promise.reject(new Error("not in this test")),
  likedPostIds: () => Promise.reject(new Error("not in this test")),
  userExists: () => Promise.reject(new Error("not in this test")),
  waitForPosition: () => Promise.reject(new Error("not in this test")),
  appliedPosition: () => Promise.reject(new Error("not in this test")),
  generation: () => Promise.reject(new Error("not in this test")),
};

async function setUp() {
  const commands = commandSide();
  const queries = createMediator({
    side: "query",
    queries: [
      ...queryHandlers({ readStore: noReadStore, eventStore: commands.store }),
      ...adminQueryHandlers({
        restorer: {
          start: () => Promise.reject(new Error("unused")),
          job: () => Promise.resolve(null),
        },
        projections: {
          status: () => Promise.reject(new Error("unused")),
          retryDeadLetter: () => Promise.resolve(false),
        },
      }),
    ],
  });
  const alice = await commands.register("alice");
  const bob = await commands.register("bob");
  const asAlice = requestContext({ actor: alice });
  const asBob = requestContext({ actor: bob });
  const { postId } = await commands.mediator.send({ type: "CreatePost", message: "v1" }, asAlice);
  await commands.mediator.send({ type: "LikePost", postId }, asBob);
  await commands.mediator.send({ type: "AddComment", postId, comment: "hi" }, asBob);
  await commands.mediator.send({ type: "EditMessage", postId, message: "v2" }, asAlice);
  await commands.mediator.send({ type: "DeletePost", postId }, asAlice);
  return { queries, postId, alice, bob };
}

const message = (state: PostState) => state.status === "none" ? null : state.message;

Deno.test("Query handlers - GetPostAsOf shows the post as it was at each version", async () => {
  const { queries, postId, bob } = await setUp();
  const ctx = requestContext();
  const asOf = (version?: number) => queries.query({ type: "GetPostAsOf", postId, version }, ctx);

  const latest = await asOf();
  assert.equal(latest.version, 5, "no version asked: the latest");
  assert.equal(latest.state.status, "removed");
  assert.deepEqual(latest.entries.map((e) => e.type), [
    "PostCreated",
    "PostLiked",
    "CommentAdded",
    "MessageUpdated",
    "PostRemoved",
  ]);
  assert.deepEqual(latest.entries.map((e) => e.version), [1, 2, 3, 4, 5]);

  const first = await asOf(1);
  assert.equal(first.version, 1);
  assert.equal(message(first.state), "v1");
  assert.equal(first.state.status === "active" && first.state.likers.size, 0);
  assert.equal(first.entries.length, 5, "the whole timeline at any version");

  const third = await asOf(3);
  assert.equal(third.state.status, "active");
  assert.ok(third.state.status === "active" && third.state.likers.has(bob.userId));
  assert.equal(third.state.status === "active" && third.state.comments.size, 1);
  assert.equal(message((await asOf(4)).state), "v2");
  assert.equal((await asOf(99)).version, 5, "past the end is the end");
});

Deno.test("Query handlers - history entries carry typed events and their metadata", async () => {
  const { queries, postId, alice } = await setUp();
  const entries = await queries.query({ type: "GetPostHistory", postId }, requestContext());
  const [created, , , edited] = entries;
  assert.equal(created.type === "PostCreated" && created.data.authorName, "alice");
  assert.equal(edited.type === "MessageUpdated" && edited.data.previousMessage, "v1");
  assert.equal(created.userId, alice.userId);
  assert.match(created.occurredAt, /^\d{4}-\d\d-\d\dT/);
  assert.deepEqual(
    Object.keys(created).sort(),
    [
      "causationId",
      "correlationId",
      "data",
      "eventId",
      "occurredAt",
      "position",
      "schemaVersion",
      "type",
      "userId",
      "version",
    ],
    "the API's shape: nothing of the store's own bookkeeping",
  );
});

Deno.test("Query handlers - a post that never existed is PostNotFound, a bad version a 400", async () => {
  const { queries } = await setUp();
  await assert.rejects(
    queries.query({ type: "GetPostAsOf", postId: crypto.randomUUID() }, requestContext()),
    PostNotFound,
  );
  await assert.rejects(
    queries.query(
      { type: "GetPostAsOf", postId: crypto.randomUUID(), version: 0 },
      requestContext(),
    ),
    (error) => error instanceof Error && "status" in error && error.status === 400,
  );
});
