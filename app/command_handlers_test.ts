import assert from "node:assert/strict";
import {
  CommentNotFound,
  InvalidCredentials,
  NotAuthor,
  PostRemoved,
  postStreamId,
  UsernameTaken,
  userStreamId,
  VersionMismatch,
} from "../domain/mod.ts";
import { requestContext } from "./context.ts";
import { inMemoryEventStore } from "./in_memory_event_store.ts";
import type { EventStore } from "./ports.ts";
import { actorOf, changeRole } from "./user_handlers.ts";
import { commandSide } from "./test_utils.ts";

// The application layer on the in-memory EventStore: real mediator, handlers and deciders.
// The same handlers on PostgreSQL are covered by app/stream_writer_test.ts and infra/.

Deno.test("Command handlers - a post's whole life goes through the mediator into the store", async () => {
  const { store, mediator, register } = commandSide();
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

  const events = await store.readStream(postStreamId(postId));
  assert.deepEqual(events.map((e) => e.type), [
    "PostCreated",
    "PostLiked",
    "CommentAdded",
    "CommentRemoved",
    "PostRemoved",
  ]);
  assert.equal(events[0].metadata.correlationId, asAlice.correlationId);
  assert.equal(events[1].metadata.userId, bob.userId);
  assert.equal(events[0].type === "PostCreated" && events[0].data.message, "hello");
});

Deno.test("Command handlers - likes from two processes on one store all count (retry on conflict)", async () => {
  const store = inMemoryEventStore();
  const one = commandSide({ store });
  const two = commandSide({ store, cachedStreams: 0 });
  const author = await one.register("author");
  const { postId } = await one.mediator.send(
    { type: "CreatePost", message: "popular" },
    requestContext({ actor: author }),
  );
  const fans = await Promise.all(Array.from({ length: 20 }, (_, i) => one.register(`fan_${i}`)));
  await Promise.all(
    fans.map((fan, i) =>
      (i % 2 ? one : two).mediator.send(
        { type: "LikePost", postId },
        requestContext({ actor: fan }),
      )
    ),
  );
  const events = await store.readStream(postStreamId(postId));
  assert.equal(events.filter((e) => e.type === "PostLiked").length, 20);
  assert.deepEqual(events.map((e) => e.streamVersion), events.map((_, i) => i + 1));
});

Deno.test("Command handlers - an edit whose If-Match lost the race at append is a stale precondition", async () => {
  const base = inMemoryEventStore();
  // Another process edits between this process's load and its append.
  let meanwhile: (() => Promise<unknown>) | null = null;
  const racing: EventStore = {
    ...base,
    async readStream(streamId, options) {
      const events = await base.readStream(streamId, options);
      const other = meanwhile;
      meanwhile = null;
      await other?.();
      return events;
    },
  };
  const one = commandSide({ store: racing, cachedStreams: 0 });
  const two = commandSide({ store: base });
  const alice = await one.register("alice");
  const asAlice = requestContext({ actor: alice });
  const { postId } = await one.mediator.send({ type: "CreatePost", message: "v1" }, asAlice);
  meanwhile = () =>
    two.mediator.send({ type: "EditMessage", postId, message: "v2", expectedVersion: 1 }, asAlice);
  await assert.rejects(
    one.mediator.send({ type: "EditMessage", postId, message: "v3", expectedVersion: 1 }, asAlice),
    (error) => error instanceof VersionMismatch && error.status === 412,
  );
  const events = await base.readStream(postStreamId(postId));
  assert.deepEqual(events.map((e) => e.type), ["PostCreated", "MessageUpdated"], "v2 only");
});

Deno.test("Command handlers - usernames are unique, also under a race; sign-in checks the hash", async () => {
  const { store, mediator, credentials } = commandSide();
  const attempts = await Promise.allSettled(
    Array.from({ length: 5 }, () =>
      mediator.send(
        { type: "RegisterUser", username: "Same", password: "password-1" },
        requestContext(),
      )),
  );
  assert.equal(attempts.filter((a) => a.status === "fulfilled").length, 1);
  for (const a of attempts) {
    if (a.status === "rejected") assert.ok(a.reason instanceof UsernameTaken);
  }
  const [registered] = await store.readStream(userStreamId("same"));
  assert.ok(!JSON.stringify(registered.data).includes("password-1"), "no password in the event");
  assert.ok(!("passwordHash" in registered.data), "nor its hash: that is in the credentials");
  assert.equal(credentials.size(), 1, "the losers' credentials were removed");
  const ctx = requestContext({ clientAddress: "192.0.2.1" });
  const signedIn = await mediator.send(
    { type: "SignIn", username: "SAME", password: "password-1" },
    ctx,
  );
  assert.equal(signedIn.username, "same");
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

Deno.test("Command handlers - Restore read DB is for administrators only, recorded with who asked", async () => {
  const { mediator, register, restorer } = commandSide();
  const alice = await register("alice");
  await assert.rejects(
    mediator.send({ type: "RestoreReadDb" }, requestContext({ actor: alice })),
    /administrators/,
  );
  assert.deepEqual(restorer.requestedBy, []);
  const { jobId } = await mediator.send(
    { type: "RestoreReadDb" },
    requestContext({ actor: { ...alice, isAdmin: true } }),
  );
  assert.match(jobId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(restorer.requestedBy, ["alice"], "the actor comes from the context");
});
