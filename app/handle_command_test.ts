import assert from "node:assert/strict";
import {
  ConcurrencyError,
  isPostEvent,
  NotAuthor,
  postDecider,
  type PostDecision,
  postSnapshotCodec,
  postStreamId,
} from "../domain/mod.ts";
import { alice, bob } from "../domain/test_utils.ts";
import { requestContext } from "./context.ts";
import { ForeignEvent, handleCommand, loadStream } from "./handle_command.ts";
import { inMemoryEventStore } from "./in_memory_event_store.ts";
import { postAggregate } from "./post_handlers.ts";
import { inMemorySnapshots } from "./test_utils.ts";

const at = "2026-01-01T10:00:00.000Z";

function setUp() {
  const store = inMemoryEventStore();
  const postId = crypto.randomUUID();
  const streamId = postStreamId(postId);
  const ctx = requestContext({ actor: alice });
  const run = (
    command: PostDecision,
    options: { snapshots?: ReturnType<typeof inMemorySnapshots> } = {},
  ) =>
    handleCommand(store, {
      streamId,
      aggregate: postAggregate,
      command,
      ctx,
      snapshots: options.snapshots &&
        { store: options.snapshots, codec: postSnapshotCodec, every: 3 },
    });
  const create: PostDecision = { type: "CreatePost", postId, message: "hi", actor: alice, at };
  const like = (actor = bob): PostDecision => ({ type: "LikePost", postId, actor, at });
  return { store, postId, streamId, ctx, run, create, like };
}

Deno.test("handleCommand - decides on the loaded state, appends at its version, answers version and position", async () => {
  const { store, streamId, ctx, run, create, like } = setUp();
  const created = await run(create);
  assert.deepEqual(created, { streamId, version: 1, position: 1 });
  const liked = await run(like());
  assert.deepEqual(liked, { streamId, version: 2, position: 2 });
  const events = await store.readStream(streamId);
  assert.deepEqual(events.map((e) => e.type), ["PostCreated", "PostLiked"]);
  assert.equal(events[1].metadata.correlationId, ctx.correlationId);
  assert.equal(events[1].metadata.userId, alice.userId, "the actor of the request's context");
});

Deno.test("handleCommand - a decision of no events appends nothing and answers the current position", async () => {
  const { store, streamId, run, create, like } = setUp();
  await run(create);
  const first = await run(like());
  const again = await run(like());
  assert.deepEqual(again, first);
  assert.equal((await store.readStream(streamId)).length, 2);
});

Deno.test("handleCommand - a broken rule throws its named error and writes nothing", async () => {
  const { store, streamId, postId, run, create } = setUp();
  await run(create);
  await assert.rejects(
    run({ type: "DeletePost", postId, actor: bob, at }),
    NotAuthor,
  );
  assert.equal((await store.readStream(streamId)).length, 1);
});

Deno.test("handleCommand - a write between load and append is a ConcurrencyError, not a lost update", async () => {
  const { store, streamId, postId, create } = setUp();
  await handleCommand(store, {
    streamId,
    aggregate: postAggregate,
    command: create,
    ctx: requestContext(),
  });
  let interfered = false;
  const racing = {
    ...store,
    async readStream(...args: Parameters<typeof store.readStream>) {
      const events = await store.readStream(...args);
      if (!interfered) {
        interfered = true;
        await handleCommand(store, {
          streamId,
          aggregate: postAggregate,
          command: { type: "LikePost", postId, actor: alice, at },
          ctx: requestContext(),
        });
      }
      return events;
    },
  };
  await assert.rejects(
    handleCommand(racing, {
      streamId,
      aggregate: postAggregate,
      command: { type: "LikePost", postId, actor: bob, at },
      ctx: requestContext(),
    }),
    ConcurrencyError,
  );
  assert.equal((await store.readStream(streamId)).length, 2, "only the other writer's like");
});

Deno.test("handleCommand - a snapshot is taken when the version crosses a multiple of `every`, and loads use it", async () => {
  const { store, streamId, run, create, like } = setUp();
  const snapshots = inMemorySnapshots();
  await run(create, { snapshots });
  await run(like(bob), { snapshots });
  assert.equal(snapshots.saves.length, 0);
  await run(like(alice), { snapshots });
  assert.deepEqual(snapshots.saves.map((s) => s.version), [3], "taken at version 3");
  assert.equal(snapshots.saves[0].position, 3);

  const loaded = await loadStream(store, {
    streamId,
    aggregate: postAggregate,
    snapshots: { store: snapshots, codec: postSnapshotCodec, every: 3 },
  });
  assert.equal(loaded.state.version, 3);
  assert.equal(loaded.position, 3);
  assert.equal(loaded.state.status === "active" && loaded.state.likers.size, 2);
});

Deno.test("loadStream - an unreadable snapshot is ignored: the events are the truth", async () => {
  const { store, streamId, run, create, like } = setUp();
  await run(create);
  await run(like());
  const snapshots = inMemorySnapshots();
  await snapshots.save({
    streamId,
    version: 2,
    position: 2,
    schemaVersion: postSnapshotCodec.schemaVersion,
    state: { nonsense: true },
  });
  const loaded = await loadStream(store, {
    streamId,
    aggregate: postAggregate,
    snapshots: { store: snapshots, codec: postSnapshotCodec, every: 100 },
  });
  assert.equal(loaded.state.version, 2);
  assert.equal(loaded.state.status === "active" && loaded.state.likers.has(bob.userId), true);
});

Deno.test("loadStream - a stream holding another aggregate's event is refused by name", async () => {
  const store = inMemoryEventStore();
  const streamId = postStreamId(crypto.randomUUID());
  await store.append(streamId, [{
    eventId: crypto.randomUUID(),
    event: { type: "RoleGranted", data: { role: "admin", at } },
    metadata: { userId: null, correlationId: "c", causationId: "c" },
  }], { expectedVersion: 0 });
  await assert.rejects(
    loadStream(store, { streamId, aggregate: { decider: postDecider, isEvent: isPostEvent } }),
    (error) => error instanceof ForeignEvent && error.eventType === "RoleGranted",
  );
});
