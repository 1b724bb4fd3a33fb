import assert from "node:assert/strict";
import {
  CommentNotFound,
  ConcurrencyError,
  foldPost,
  isPostEvent,
  NotAuthor,
  postDecider,
  type PostDecision,
  postSnapshotShape,
  postStreamId,
} from "../domain/mod.ts";
import { alice, bob, carol } from "../domain/test_utils.ts";
import { ForeignEvent, ownEvents } from "./aggregate.ts";
import { backgroundTasks } from "./background.ts";
import { requestContext } from "./context.ts";
import { handleCommand, loadStream } from "./handle_command.ts";
import { inMemoryEventStore } from "./in_memory_event_store.ts";
import { postAggregate } from "./post_handlers.ts";
import { streamWriter } from "./stream_writer.ts";
import { inMemorySnapshots } from "./test_utils.ts";

const at = "2026-01-01T10:00:00.000Z";

function setUp() {
  const store = inMemoryEventStore();
  const postId = crypto.randomUUID();
  const streamId = postStreamId(postId);
  const ctx = requestContext({ actor: alice });
  const background = backgroundTasks();
  // With snapshots (every 3 versions): through a stream writer holding no state, so each
  // command loads as handleCommand does, its snapshot work done before the next.
  const run = async (
    command: PostDecision,
    options: { snapshots?: ReturnType<typeof inMemorySnapshots> } = {},
  ) => {
    if (!options.snapshots) {
      return await handleCommand(store, { streamId, aggregate: postAggregate, command, ctx });
    }
    const writer = streamWriter(store, {
      aggregate: postAggregate,
      snapshots: { store: options.snapshots, shape: postSnapshotShape, every: 3 },
      cachedStreams: 0,
      background,
    });
    const written = await writer.run({ streamId, command, ctx });
    await background.settled();
    return written;
  };
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

Deno.test("Snapshots in memory - a snapshot is taken when the version crosses a multiple of `every`, and loads use it", async () => {
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
    snapshots: { store: snapshots, shape: postSnapshotShape, every: 3 },
    keys: [`liker:${bob.userId}`],
  });
  assert.equal(loaded.state.version, 3);
  assert.equal(loaded.position, 3);
  assert.ok(loaded.state.status === "active");
  assert.equal(loaded.state.likes, 2, "the count is in the head");
  assert.deepEqual(loaded.state.likers, new Set([bob.userId]), "only the entry asked for");
  assert.deepEqual(loaded.partial?.known, new Set([`liker:${bob.userId}`]));
});

Deno.test("Snapshots in memory - a like taken back after the snapshot is decided on the entry it reads", async () => {
  const { store, streamId, postId, run, create, like } = setUp();
  const snapshots = inMemorySnapshots();
  await run(create, { snapshots });
  await run(like(bob), { snapshots });
  await run(like(carol), { snapshots }); // version 3: the snapshot holds bob's and carol's likes
  await run({ type: "UnlikePost", postId, actor: bob, at }, { snapshots });
  await run(like(carol), { snapshots }); // carol likes already: nothing to do
  await run(like(bob), { snapshots });
  const events = await store.readStream(streamId);
  assert.deepEqual(events.map((e) => e.type).slice(3), ["PostUnliked", "PostLiked"]);
  const loaded = await loadStream(store, {
    streamId,
    aggregate: postAggregate,
    snapshots: { store: snapshots, shape: postSnapshotShape, every: 3 },
    keys: [],
  });
  assert.equal(loaded.state.status === "active" && loaded.state.likes, 2);
});

Deno.test("Snapshots in memory - a snapshot moved forward many times holds what a fold from the first event holds", async () => {
  const { store, streamId, postId, run, create } = setUp();
  const snapshots = inMemorySnapshots();
  await run(create, { snapshots });
  const comments: string[] = [];
  const actors = [alice, bob, carol];
  for (let i = 0; i < 40; i++) {
    const actor = actors[i % 3];
    const step = i % 5;
    if (step === 0) await run({ type: "LikePost", postId, actor, at }, { snapshots });
    if (step === 1) {
      await run({ type: "UnlikePost", postId, actor: actors[(i + 1) % 3], at }, { snapshots });
    }
    if (step === 2) {
      const commentId = crypto.randomUUID();
      comments.push(commentId);
      await run({ type: "AddComment", postId, commentId, comment: `c${i}`, actor: alice, at }, {
        snapshots,
      });
    }
    if (step === 3) {
      const commentId = comments[i % comments.length];
      await run({ type: "EditComment", postId, commentId, comment: `e${i}`, actor: alice, at }, {
        snapshots,
      }).catch((error) => { // a removed comment: refused, nothing appended
        if (!(error instanceof CommentNotFound)) throw error;
      });
    }
    if (step === 4 && i % 2 === 0) {
      await run({ type: "RemoveComment", postId, commentId: comments.shift()!, actor: alice, at }, {
        snapshots,
      });
    }
  }
  const events = ownEvents(streamId, await store.readStream(streamId), isPostEvent);
  assert.ok(snapshots.saves.length >= 5, `moved ${snapshots.saves.length} times`);
  const last = snapshots.saves.at(-1)!;
  assert.ok(snapshots.saves.slice(1).every((s) => s.base !== null), "each built on the one before");
  const upToSnapshot = foldPost(events.slice(0, last.version));
  const keys = [...new Set(events.flatMap(postSnapshotShape.keysChanged))];
  const stored = await snapshots.load(streamId, keys);
  assert.deepEqual(stored?.head, postSnapshotShape.head(upToSnapshot));
  const expected = keys.flatMap((key) => {
    const value = postSnapshotShape.entry(upToSnapshot, key);
    return value === undefined ? [] : [[key, value] as const];
  });
  assert.deepEqual(new Map(stored?.entries), new Map(expected), "every entry, and no other");
  assert.ok(expected.length > 0);
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
    schemaVersion: postSnapshotShape.schemaVersion,
    head: { nonsense: true },
    base: null,
    upserts: [],
    removals: [],
  });
  const loaded = await loadStream(store, {
    streamId,
    aggregate: postAggregate,
    snapshots: { store: snapshots, shape: postSnapshotShape, every: 100 },
    keys: [`liker:${bob.userId}`],
  });
  assert.equal(loaded.state.version, 2);
  assert.equal(loaded.partial, undefined, "folded from the first event: whole");
  assert.equal(loaded.state.status === "active" && loaded.state.likers.has(bob.userId), true);
});

Deno.test("loadStream - a snapshot whose head says another version than its row is ignored", async () => {
  const { store, streamId, run, create, like } = setUp();
  const snapshots = inMemorySnapshots();
  await run(create, { snapshots });
  await run(like(bob), { snapshots });
  await run(like(alice), { snapshots }); // the snapshot at version 3
  const stored = await snapshots.load(streamId, []);
  assert.ok(stored);
  await snapshots.save({
    ...stored,
    version: 4, // a head of version 3 filed as version 4
    base: 3,
    upserts: [],
    removals: [],
  });
  const loaded = await loadStream(store, {
    streamId,
    aggregate: postAggregate,
    snapshots: { store: snapshots, shape: postSnapshotShape, every: 3 },
    keys: [],
  });
  assert.equal(loaded.partial, undefined, "folded from the first event");
  assert.equal(loaded.state.version, 3);
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
