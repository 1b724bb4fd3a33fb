import assert from "node:assert/strict";
import { fan } from "../domain/test_utils.ts";
import {
  type Actor,
  NotAuthor,
  type PostIntent,
  postSnapshotShape,
  postStreamId,
} from "../domain/mod.ts";
import { postgresEventStore } from "../infra/postgres/event_store.ts";
import { migrate } from "../infra/postgres/migrate.ts";
import { tempDatabase, userHandlerParts } from "../infra/postgres/test_utils.ts";
import { scryptHasher } from "../infra/password.ts";
import { projectionAdmin } from "../infra/projector/projection_admin.ts";
import { createRestorer } from "../infra/projections/restore.ts";
import { adminCommandHandlers } from "./admin_handlers.ts";
import { backgroundTasks } from "./background.ts";
import { inMemoryEventStore } from "./in_memory_event_store.ts";
import { inMemorySnapshots } from "./test_utils.ts";
import { requestContext } from "./context.ts";
import { createMediator, type Mediator } from "./mediator.ts";
import { postAggregate, postCommandHandlers } from "./post_handlers.ts";
import { userCommandHandlers } from "./user_handlers.ts";
import type { EventStore, SnapshotStore } from "./ports.ts";
import { streamWriter } from "./stream_writer.ts";

async function setUp() {
  const db = await tempDatabase();
  const sql = db.connect({ max: 10 });
  await migrate(sql, "event_store");
  await migrate(sql, "read_store");
  /** A command-side mediator on its own pool and store, as one process would have. */
  const process = (
    wrap: (store: EventStore) => EventStore = (store) => store,
  ): { store: EventStore; mediator: Mediator } => {
    const own = db.connect({ max: 10 });
    const store = wrap(postgresEventStore(own));
    const mediator = createMediator({
      side: "command",
      commands: [
        ...postCommandHandlers({ store }),
        ...userCommandHandlers({
          store,
          hasher: scryptHasher({ N: 1 << 10, r: 8, p: 1, keyLength: 32 }),
          ...userHandlerParts(own),
        }),
        ...adminCommandHandlers({
          restorer: createRestorer({ eventSql: own, readSql: own }),
          projections: projectionAdmin({ eventSql: own, readSql: own }),
        }),
      ],
    });
    return { store, mediator };
  };
  return { db, process };
}

/** Stream versions of the post's events, and how many of them are likes. */
async function history(store: EventStore, postId: string) {
  const events = await store.readStream(postStreamId(postId));
  return {
    versions: events.map((e) => e.streamVersion),
    likes: events.filter((e) => e.type === "PostLiked").length,
  };
}

Deno.test("Stream writer - 200 concurrent likes on one post: all accepted, 200 PostLiked, contiguous versions", async () => {
  const { db, process } = await setUp();
  await using _ = db;
  const { store, mediator } = process();
  const { postId } = await mediator.send(
    { type: "CreatePost", message: "hot" },
    requestContext({ actor: fan(0) }),
  );
  const results = await Promise.all(
    Array.from(
      { length: 200 },
      (_, i) => mediator.send({ type: "LikePost", postId }, requestContext({ actor: fan(i + 1) })),
    ),
  );
  const { versions, likes } = await history(store, postId);
  assert.equal(likes, 200);
  assert.deepEqual(versions, Array.from({ length: 201 }, (_, i) => i + 1));
  assert.deepEqual(
    results.map((r) => r.version).sort((a, b) => a - b),
    versions.slice(1),
    "each like answers the version of its own event",
  );
  assert.equal(new Set(results.map((r) => r.position)).size, 200, "and its own position");
  assert.deepEqual(
    results.map((r) => r.likes).sort((a, b) => a - b),
    Array.from({ length: 200 }, (_, i) => i + 1),
    "and the like count right after it",
  );
});

Deno.test("Stream writer - a command that breaks a rule fails alone; the rest of its batch is appended", async () => {
  const { db, process } = await setUp();
  await using _ = db;
  const { store, mediator } = process();
  const author = requestContext({ actor: fan(0) });
  const { postId } = await mediator.send({ type: "CreatePost", message: "p" }, author);
  const outcomes = await Promise.allSettled([
    mediator.send({ type: "LikePost", postId }, requestContext({ actor: fan(1) })),
    mediator.send(
      { type: "EditMessage", postId, message: "not yours" },
      requestContext({ actor: fan(2) }),
    ),
    mediator.send({ type: "AddComment", postId, comment: "hi" }, requestContext({ actor: fan(3) })),
    mediator.send({ type: "LikePost", postId }, requestContext({ actor: fan(1) })), // a no-op
    mediator.send({ type: "EditMessage", postId, message: "edited" }, author),
  ]);
  assert.deepEqual(outcomes.map((o) => o.status), [
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
    "fulfilled",
  ]);
  assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof NotAuthor);
  const events = await store.readStream(postStreamId(postId));
  assert.deepEqual(events.map((e) => e.type), [
    "PostCreated",
    "PostLiked",
    "CommentAdded",
    "MessageUpdated",
  ]);
});

Deno.test("Stream writer - two processes liking one post at once: every like counts (retries across processes)", async () => {
  const { db, process } = await setUp();
  await using _ = db;
  const { store, mediator } = process();
  const { mediator: other } = process();
  const { postId } = await mediator.send(
    { type: "CreatePost", message: "hot" },
    requestContext({ actor: fan(0) }),
  );
  await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      (i % 2 === 0 ? mediator : other).send(
        { type: "LikePost", postId },
        requestContext({ actor: fan(i + 1) }),
      )),
  );
  const { versions, likes } = await history(store, postId);
  assert.equal(likes, 100);
  assert.deepEqual(versions, Array.from({ length: 101 }, (_, i) => i + 1));
});

Deno.test("Stream writer - a post this process wrote is decided on its kept state until another process writes", async () => {
  const { db, process } = await setUp();
  await using _ = db;
  const { store, mediator } = process();
  const { mediator: other } = process();
  const reads: number[] = [];
  const counting: EventStore = {
    ...store,
    async readStream(...args) {
      const events = await store.readStream(...args);
      reads.push(events.length);
      return events;
    },
  };
  const writer = streamWriter(counting, { aggregate: postAggregate });
  const run = (postId: string, intent: PostIntent, actor: Actor) =>
    writer.run({
      streamId: postStreamId(postId),
      command: { ...intent, actor, at: new Date().toISOString() },
      ctx: requestContext({ actor }),
    });
  const { postId } = await mediator.send(
    { type: "CreatePost", message: "kept" },
    requestContext({ actor: fan(0) }),
  );
  await run(postId, { type: "LikePost", postId }, fan(1));
  await run(postId, { type: "LikePost", postId }, fan(2));
  await other.send({ type: "LikePost", postId }, requestContext({ actor: fan(3) }));
  await other.send({ type: "LikePost", postId }, requestContext({ actor: fan(4) }));
  const last = await run(postId, { type: "LikePost", postId }, fan(3)); // fan 3 already likes it
  assert.deepEqual(
    reads,
    [1, 5],
    "the whole stream once; no read while the kept state holds; after another process " +
      "wrote, the append conflicts and the stream is read again (the kept state, changed for " +
      "the batch, is dropped)",
  );
  assert.equal(last.version, 5, "a no-op answers the current version");
  assert.equal(writer.cachedStreams(), 1);
});

Deno.test("Stream writer - a kept state gone stale is never trusted for a no-op or a refusal", async () => {
  const { db, process } = await setUp();
  await using _ = db;
  const a = process();
  const b = process();
  const as = (actor: Actor) => requestContext({ actor });
  const { postId } = await a.mediator.send({ type: "CreatePost", message: "stale" }, as(fan(0)));
  await a.mediator.send({ type: "LikePost", postId }, as(fan(1))); // A keeps "fan 1 likes it"
  await b.mediator.send({ type: "UnlikePost", postId }, as(fan(1)));
  // On A's kept state this like changes nothing; on the stored stream it is a new like.
  const liked = await a.mediator.send({ type: "LikePost", postId }, as(fan(1)));
  assert.equal(liked.likes, 1);
  const { likes } = await history(a.store, postId);
  assert.equal(likes, 2, "the second like was appended, not answered from the stale state");

  await b.mediator.send({ type: "DeletePost", postId }, as(fan(0)));
  // A still keeps the post alive; the stored stream says deleted: the comment is refused.
  await assert.rejects(
    () => a.mediator.send({ type: "AddComment", postId, comment: "late" }, as(fan(2))),
    /was removed/,
  );
});

Deno.test("Stream writer - a new post's stream is not read; a kept one is not read again", async () => {
  const { db, process } = await setUp();
  await using _ = db;
  let reads = 0;
  const { store, mediator } = process((store) => ({
    ...store,
    readStream(...args) {
      reads++;
      return store.readStream(...args);
    },
  }));
  const ctx = requestContext({ actor: fan(0) });
  const { postId } = await mediator.send({ type: "CreatePost", message: "fresh" }, ctx);
  await mediator.send({ type: "LikePost", postId }, requestContext({ actor: fan(1) }));
  await mediator.send({ type: "AddComment", postId, comment: "hi" }, ctx);
  assert.equal(reads, 0, "no read: a minted id, then the state this process kept");
  const { versions } = await history(store, postId);
  assert.deepEqual(versions, [1, 2, 3]);
});

Deno.test("Stream writer - a batch with a no-op and a like on a stale kept state: the conflict makes both count", async () => {
  const { db, process } = await setUp();
  await using _ = db;
  let hold: Promise<void> | null = null;
  let held = () => {};
  const appended: string[][] = [];
  const a = process((store) => ({
    ...store,
    async append(streamId, events, options) {
      const result = await store.append(streamId, events, options);
      appended.push(events.map((e) => e.event.type));
      if (hold) {
        held();
        await hold; // the batch after this one queues up meanwhile
      }
      return result;
    },
  }));
  const b = process();
  const as = (actor: Actor) => requestContext({ actor });
  const { postId } = await a.mediator.send({ type: "CreatePost", message: "p" }, as(fan(0)));
  await a.mediator.send({ type: "LikePost", postId }, as(fan(1))); // A keeps "fan 1 likes it"
  let release = () => {};
  hold = new Promise((resolve) => release = resolve);
  const reached = new Promise<void>((resolve) => held = resolve);
  const comment = a.mediator.send({ type: "AddComment", postId, comment: "c" }, as(fan(5)));
  await reached; // the comment is appended, its answer held
  await b.mediator.send({ type: "UnlikePost", postId }, as(fan(1)));
  // One batch on A's kept state, which still says fan 1 likes it: a no-op and a like.
  const likes = [
    a.mediator.send({ type: "LikePost", postId }, as(fan(1))),
    a.mediator.send({ type: "LikePost", postId }, as(fan(2))),
  ];
  await new Promise((resolve) => setTimeout(resolve, 0)); // both reach the writer's queue
  hold = null;
  release();
  await comment;
  const answers = await Promise.all(likes);
  assert.deepEqual(
    appended.at(-1),
    ["PostLiked", "PostLiked"],
    "one batch, decided again on the stream as stored after its append conflicted",
  );
  const { likes: count } = await history(a.store, postId);
  assert.equal(count, 3, "fan 1's first like, fan 1's like again after the unlike, fan 2's");
  assert.deepEqual(answers.map((r) => r.likes).sort(), [1, 2]);
});

Deno.test("Stream writer - a snapshot moves forward off the stream's queue, once more for a crossing meanwhile", async () => {
  const store = inMemoryEventStore();
  const snapshots = inMemorySnapshots();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let saving = 0;
  const held: SnapshotStore = {
    ...snapshots,
    async save(change) {
      saving++;
      await gate;
      return await snapshots.save(change);
    },
  };
  const background = backgroundTasks();
  const writer = streamWriter(store, {
    aggregate: postAggregate,
    snapshots: { store: held, shape: postSnapshotShape, every: 3 },
    background,
  });
  const postId = crypto.randomUUID();
  const streamId = postStreamId(postId);
  const run = async (intent: PostIntent, actor: Actor, fresh = false) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the command waited for the snapshot")), 2000);
    });
    const command = { ...intent, actor, at: new Date().toISOString() };
    try {
      return await Promise.race([
        writer.run({ streamId, command, ctx: requestContext({ actor }), fresh }),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  await run({ type: "CreatePost", postId, message: "hot" }, fan(0), true);
  for (let i = 1; i <= 5; i++) await run({ type: "LikePost", postId }, fan(i)); // versions 2..6
  assert.equal(saving, 1, "the advance at version 3 is held; the one at 6 waits for it");
  assert.equal(snapshots.saves.length, 0);
  release();
  await background.settled();
  assert.deepEqual(snapshots.saves.map((s) => s.version), [3, 6]);
  assert.equal((await snapshots.load(streamId, []))?.version, 6);
});
