import assert from "node:assert/strict";
import {
  type Actor,
  CommentNotFound,
  NotAuthor,
  PostRemoved,
  UsernameTaken,
  VersionMismatch,
} from "../domain/mod.ts";
import { postgresEventStore } from "../infra/postgres/event_store.ts";
import { migrate } from "../infra/postgres/migrate.ts";
import { tempDatabase, userHandlerParts } from "../infra/postgres/test_utils.ts";
import { scryptHasher } from "../infra/password.ts";
import { projectionAdmin } from "../infra/projector/projection_admin.ts";
import { createRestorer } from "../infra/projections/restore.ts";
import { adminCommandHandlers } from "./admin_handlers.ts";
import { InvalidCredentials } from "../domain/mod.ts";
import { requestContext } from "./context.ts";
import { createMediator } from "./mediator.ts";
import { postCommandHandlers } from "./post_handlers.ts";
import { actorOf, changeRole, userCommandHandlers } from "./user_handlers.ts";

const fastHasher = scryptHasher({ N: 1 << 10, r: 8, p: 1, keyLength: 32 });

async function setUp() {
  const db = await tempDatabase();
  const sql = db.connect({ max: 20 });
  await migrate(sql, "event_store");
  await migrate(sql, "read_store");
  const store = postgresEventStore(sql);
  const restorer = createRestorer({ eventSql: sql, readSql: sql });
  const mediator = createMediator({
    side: "command",
    commands: [
      ...postCommandHandlers({ store }),
      ...userCommandHandlers({ store, hasher: fastHasher, ...userHandlerParts(sql) }),
      ...adminCommandHandlers({
        restorer,
        projections: projectionAdmin({ eventSql: sql, readSql: sql }),
      }),
    ],
  });
  const register = async (username: string): Promise<Actor> => {
    const { userId } = await mediator.send(
      { type: "RegisterUser", username, password: "password-1" },
      requestContext(),
    );
    return { userId, username, isAdmin: false };
  };
  return { db, sql, store, mediator, register, restorer };
}

Deno.test("Command handlers - a post's whole life goes through the mediator into the store", async () => {
  const { db, store, mediator, register } = await setUp();
  await using _ = db;
  const alice = await register("alice");
  const bob = await register("bob");
  const asAlice = requestContext({ actor: alice });
  const asBob = requestContext({ actor: bob });

  const created = await mediator.send({ type: "CreatePost", message: " hello " }, asAlice);
  assert.equal(created.version, 1);
  const { postId } = created;
  const liked = await mediator.send({ type: "LikePost", postId }, asBob);
  const again = await mediator.send({ type: "LikePost", postId }, asBob);
  assert.equal(again.version, liked.version, "a second like is a no-op");
  assert.equal(again.position, liked.position, "a no-op still answers the position to wait for");
  const { commentId } = await mediator.send(
    { type: "AddComment", postId, comment: "nice" },
    asBob,
  );
  await assert.rejects(
    mediator.send({ type: "EditComment", postId, commentId, comment: "mine" }, asAlice),
    NotAuthor,
  );
  await mediator.send({ type: "RemoveComment", postId, commentId }, asAlice); // moderation
  await assert.rejects(
    mediator.send({ type: "RemoveComment", postId, commentId }, asAlice),
    CommentNotFound,
  );
  await assert.rejects(
    mediator.send({ type: "EditMessage", postId, message: "x", expectedVersion: 1 }, asAlice),
    VersionMismatch,
  );
  await mediator.send({ type: "DeletePost", postId }, asAlice);
  await assert.rejects(mediator.send({ type: "LikePost", postId }, asBob), PostRemoved);

  const events = await store.readStream(`post-${postId}`);
  assert.deepEqual(events.map((e) => e.type), [
    "PostCreated",
    "PostLiked",
    "CommentAdded",
    "CommentRemoved",
    "PostRemoved",
  ]);
  assert.equal(events[0].metadata.correlationId, asAlice.correlationId);
  assert.equal(events[1].metadata.userId, bob.userId);
  assert.equal((events[0].data as { message: string }).message, "hello");
});

Deno.test("Command handlers - 20 users liking one post at once all count (retry on conflict)", async () => {
  const { db, store, mediator, register } = await setUp();
  await using _ = db;
  const author = await register("author");
  const { postId } = await mediator.send(
    { type: "CreatePost", message: "popular" },
    requestContext({ actor: author }),
  );
  const fans = await Promise.all(Array.from({ length: 20 }, (_, i) => register(`fan_${i}`)));
  await Promise.all(
    fans.map((fan) => mediator.send({ type: "LikePost", postId }, requestContext({ actor: fan }))),
  );
  const events = await store.readStream(`post-${postId}`);
  assert.equal(events.filter((e) => e.type === "PostLiked").length, 20);
});

Deno.test("Command handlers - usernames are unique, also under a race; sign-in checks the hash", async () => {
  const { db, sql, mediator } = await setUp();
  await using _ = db;
  const attempts = await Promise.allSettled(
    Array.from({ length: 5 }, () =>
      mediator.send(
        { type: "RegisterUser", username: "Same", password: "password-1" },
        requestContext(),
      )),
  );
  assert.equal(attempts.filter((a) => a.status === "fulfilled").length, 1);
  for (const a of attempts.filter((a) => a.status === "rejected")) {
    assert.ok((a as PromiseRejectedResult).reason instanceof UsernameTaken);
  }
  const [row] = await sql`select data from events where event_type = 'UserRegistered'`;
  assert.ok(!JSON.stringify(row.data).includes("password-1"), "no clear-text password stored");
  assert.ok(!("passwordHash" in row.data), "nor its hash: that is in the credentials table");
  const [{ n }] = await sql`select count(*)::int as n from credentials`;
  assert.equal(n, 1, "the losers' credentials were removed");
  const ctx = requestContext({ clientAddress: "192.0.2.1" });
  const signedIn = await mediator.send(
    { type: "SignIn", username: "SAME", password: "password-1" },
    ctx,
  );
  assert.equal(signedIn.username, "same");
  const store = postgresEventStore(sql);
  assert.equal((await actorOf(store, signedIn))?.isAdmin, false);
  await changeRole(store, { username: "same", role: "admin", grant: true });
  assert.equal((await actorOf(store, signedIn))?.isAdmin, true, "granted on the user's stream");
  await assert.rejects(
    mediator.send({ type: "SignIn", username: "same", password: "wrong-pass" }, ctx),
    InvalidCredentials,
  );
  await assert.rejects(
    mediator.send({ type: "SignIn", username: "nobody", password: "password-1" }, ctx),
    InvalidCredentials,
  );
  await mediator.send({ type: "SignOut", sessionId: signedIn.sessionId }, ctx);
});

Deno.test("Command handlers - Restore read DB is for administrators only", async () => {
  const { db, mediator, register, restorer } = await setUp();
  await using _ = db;
  const alice = await register("alice");
  await assert.rejects(
    mediator.send({ type: "RestoreReadDb" }, requestContext({ actor: alice })),
    /administrators/,
  );
  const result = await mediator.send(
    { type: "RestoreReadDb" },
    requestContext({ actor: { ...alice, isAdmin: true } }),
  );
  // The job runs in the background; let it finish before the database is dropped.
  const deadline = Date.now() + 10_000;
  let job = await restorer.job(result.jobId);
  while (job && (job.status === "running" || job.status === "swapping") && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    job = await restorer.job(result.jobId);
  }
  assert.equal(job?.requestedBy, "alice", "the job records who asked, from the context");
  assert.equal(job?.status, "done", job?.error ?? "");
});
