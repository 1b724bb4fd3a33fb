import assert from "node:assert/strict";
import { type Actor, NotAuthor } from "../domain/mod.ts";
import { postgresEventStore } from "../infra/postgres/event_store.ts";
import { migrate } from "../infra/postgres/migrate.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { scryptHasher } from "../infra/password.ts";
import { projectionAdmin } from "../infra/projector/projection_admin.ts";
import { createRestorer } from "../infra/projections/restore.ts";
import { adminCommandHandlers } from "./admin_handlers.ts";
import { requestContext } from "./context.ts";
import { createMediator, type Mediator } from "./mediator.ts";
import { postCommandHandlers } from "./post_handlers.ts";
import { userCommandHandlers } from "./user_handlers.ts";
import type { EventStore } from "./ports.ts";

// Users are not registered: the command side trusts the session's actor.
const fan = (i: number): Actor => ({
  userId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  username: `fan_${i}`,
  isAdmin: false,
});

async function setUp() {
  const db = await tempDatabase();
  const sql = db.connect({ max: 10 });
  await migrate(sql, "event_store");
  await migrate(sql, "read_store");
  /** A command-side mediator on its own pool and store, as one process would have. */
  const process = (): { store: EventStore; mediator: Mediator } => {
    const own = db.connect({ max: 10 });
    const store = postgresEventStore(own);
    const mediator = createMediator({
      side: "command",
      commands: [
        ...postCommandHandlers({ store }),
        ...userCommandHandlers({
          store,
          hasher: scryptHasher({ N: 1 << 10, r: 8, p: 1, keyLength: 32 }),
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
  const events = await store.readStream(`post-${postId}`);
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
  const events = await store.readStream(`post-${postId}`);
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
