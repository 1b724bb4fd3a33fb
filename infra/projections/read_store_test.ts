import assert from "node:assert/strict";
import { adminCommandHandlers, adminQueryHandlers } from "../../app/admin_handlers.ts";
import { projectionAdmin } from "../projector/projection_admin.ts";
import { createRestorer } from "./restore.ts";
import { requestContext } from "../../app/context.ts";
import { createMediator } from "../../app/mediator.ts";
import { postCommandHandlers } from "../../app/post_handlers.ts";
import { queryHandlers } from "../../app/query_handlers.ts";
import { userCommandHandlers } from "../../app/user_handlers.ts";
import {
  type Actor,
  PostNotFound,
  postStreamId,
  type PostSummary,
  ValidationFailed,
} from "../../domain/mod.ts";
import { scryptHasher } from "../password.ts";
import type { Sql } from "../postgres/connect.ts";
import { postgresEventStore } from "../postgres/event_store.ts";
import { migrate } from "../postgres/migrate.ts";
import { type Cursor, readAll, START } from "../postgres/read_all.ts";
import { tempDatabase, userHandlerParts } from "../postgres/test_utils.ts";
import type { FetchStream } from "./apply_event.ts";
import { applyBatch } from "./apply_batch.ts";
import { postgresReadStore, PROJECTION_CHANNEL, type ReadStoreOptions } from "./read_store.ts";

const fastHasher = scryptHasher({ N: 1 << 10, r: 8, p: 1, keyLength: 32 });

async function setUp(options: ReadStoreOptions = {}) {
  const db = await tempDatabase();
  const sql = db.connect({ max: 10 });
  await migrate(sql, "event_store");
  await migrate(sql, "read_store");
  const eventStore = postgresEventStore(sql);
  const readStore = postgresReadStore(sql, options);
  const admin = {
    restorer: createRestorer({ eventSql: sql, readSql: sql }),
    projections: projectionAdmin({ eventSql: sql, readSql: sql }),
  };
  const commands = createMediator({
    side: "command",
    commands: [
      ...postCommandHandlers({ store: eventStore }),
      ...userCommandHandlers({ store: eventStore, hasher: fastHasher, ...userHandlerParts(sql) }),
      ...adminCommandHandlers(admin),
    ],
  });
  const queries = createMediator({
    side: "query",
    queries: [...queryHandlers({ readStore, eventStore }), ...adminQueryHandlers(admin)],
  });
  const register = async (username: string): Promise<Actor> => {
    const { userId } = await commands.send(
      { type: "RegisterUser", username, password: "password-1" },
      requestContext(),
    );
    return { userId, username, isAdmin: false };
  };
  return {
    sql,
    eventStore,
    readStore,
    commands,
    queries,
    register,
    async [Symbol.asyncDispose]() {
      await readStore.close();
      await db[Symbol.asyncDispose]();
    },
  };
}

/**
 * Does what the projector does, without Kafka: tails `readAll`, applies each
 * batch in one transaction with the projector's high-water mark, and NOTIFYs
 * after the commit. Returns once every event stored at the call is applied.
 */
async function projectAll(sql: Sql): Promise<number> {
  const store = postgresEventStore(sql);
  const fetchStream: FetchStream = (streamId, range) => store.readStream(streamId, range);
  const [{ total }] = await sql<{ total: number }[]>`select count(*)::int as total from events`;
  const deadline = Date.now() + 10_000;
  let cursor: Cursor = START;
  let seen = 0;
  let highest = 0;
  while (seen < total) {
    const page = await readAll(sql, { after: cursor, limit: 100 });
    if (page.events.length === 0) {
      // readAll holds back while any older transaction on the server is open
      // (maybe another project's test); there is no signal for that to end.
      if (Date.now() > deadline) throw new Error(`projected ${seen} of ${total} events`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    const max = Math.max(...page.events.map((e) => e.globalPosition));
    await sql.begin(async (tx) => {
      await applyBatch(tx, page.events, { fetchStream });
      await tx`update projector_state set max_position = greatest(max_position, ${max}),
               updated_at = now() where id = 'projector'`;
    });
    await sql`select pg_notify(${PROJECTION_CHANNEL}, ${String(max)})`;
    cursor = page.cursor;
    seen += page.events.length;
    highest = Math.max(highest, max);
  }
  return highest;
}

/** Newest first: created_at descending, then id descending. */
function isNewestFirst(posts: PostSummary[]): boolean {
  return posts.every((post, i) => {
    if (i === 0) return true;
    const before = posts[i - 1];
    return before.createdAt > post.createdAt ||
      (before.createdAt === post.createdAt && before.id > post.id);
  });
}

const ids = (posts: { id: string }[]) => posts.map((p) => p.id);
const sorted = (values: string[]) => [...values].sort();

Deno.test("Read store - the feed is newest first and keyset pages cover 25 posts exactly once", async () => {
  await using t = await setUp();
  const alice = await t.register("alice");
  const bob = await t.register("bob");
  const created: string[] = [];
  for (let i = 0; i < 25; i++) {
    const actor = i % 2 === 0 ? alice : bob;
    const { postId } = await t.commands.send(
      { type: "CreatePost", message: `post ${i}` },
      requestContext({ actor }),
    );
    created.push(postId);
  }
  await projectAll(t.sql);

  const pages: PostSummary[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await t.readStore.findPosts({}, { limit: 10, cursor });
    pages.push(page.posts);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  assert.deepEqual(pages.map((p) => p.length), [10, 10, 5]);
  const feed = pages.flat();
  assert.equal(new Set(ids(feed)).size, 25, "no post twice");
  assert.deepEqual(sorted(ids(feed)), sorted(created), "no post missing");
  assert.ok(isNewestFirst(feed));
  assert.equal(feed[24].id, created[0], "the first post comes last");

  // An exact multiple of the page size: the last full page says there is no more.
  let fives = 0;
  cursor = undefined;
  do {
    const page = await t.readStore.findPosts({}, { limit: 5, cursor });
    fives++;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  assert.equal(fives, 5);

  const [first] = (await t.readStore.findPosts({}, { limit: 1 })).posts;
  assert.equal(first.createdAt, new Date(first.createdAt).toISOString());
  assert.equal(first.updatedAt, null);
  assert.equal(typeof first.likes, "number");
  assert.equal(first.version, 1);
});

Deno.test("Read store - posts created in the same millisecond page by id, microseconds included", async () => {
  await using t = await setUp();
  const alice = await t.register("alice");
  const moments = [
    "2026-03-01T12:00:00.000Z",
    "2026-03-01T12:00:00.000Z",
    "2026-03-01T12:00:00.000Z",
    "2026-03-01T12:00:00.000001Z",
    "2026-03-01T12:00:00.000002Z",
    "2026-03-01T12:00:00.000002Z",
    "2026-03-01T12:00:00.001Z",
  ];
  // Appended as stored events: commands stamp their own clock, this needs fixed ones.
  for (const at of moments) {
    const postId = crypto.randomUUID();
    await t.eventStore.append(postStreamId(postId), [{
      eventId: crypto.randomUUID(),
      event: {
        type: "PostCreated",
        data: { postId, author: alice.userId, authorName: "alice", message: at, at },
      },
      metadata: { userId: alice.userId, correlationId: "c", causationId: "c" },
    }], { expectedVersion: 0 });
  }
  await projectAll(t.sql);
  // The projection stores milliseconds (postgres.js sends timestamps through Date);
  // set the microseconds directly: a cursor must not round them away either.
  await t.sql`update posts set created_at = message::timestamptz where message like '%.0000%'`;

  const all = (await t.readStore.findPosts({}, { limit: 100 })).posts;
  const paged: PostSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await t.readStore.findPosts({}, { limit: 2, cursor });
    paged.push(...page.posts);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  assert.deepEqual(ids(paged), ids(all), "pages of 2 list the same posts as one page");
  assert.deepEqual(
    paged.map((p) => p.message),
    [moments[6], moments[5], moments[4], moments[3], moments[2], moments[1], moments[0]],
    "microseconds still order the feed",
  );
});

Deno.test("Read store - filters by author, comments and minimum likes", async () => {
  await using t = await setUp();
  const alice = await t.register("alice");
  const bob = await t.register("bob");
  const carol = await t.register("carol");
  const as = (actor: Actor) => requestContext({ actor });
  const post = async (actor: Actor, message: string) =>
    (await t.commands.send({ type: "CreatePost", message }, as(actor))).postId;

  const twoLikes = await post(alice, "two likes");
  const oneLikeOneComment = await post(alice, "one like, one comment");
  const quiet = await post(alice, "quiet");
  const bobs = await post(bob, "commented, like taken back");
  await t.commands.send({ type: "LikePost", postId: twoLikes }, as(bob));
  await t.commands.send({ type: "LikePost", postId: twoLikes }, as(carol));
  await t.commands.send({ type: "LikePost", postId: oneLikeOneComment }, as(bob));
  await t.commands.send(
    { type: "AddComment", postId: oneLikeOneComment, comment: "hi" },
    as(carol),
  );
  await t.commands.send({ type: "AddComment", postId: bobs, comment: "hey" }, as(alice));
  await t.commands.send({ type: "LikePost", postId: bobs }, as(alice));
  await t.commands.send({ type: "UnlikePost", postId: bobs }, as(alice));
  await projectAll(t.sql);

  const find = async (filter: Parameters<typeof t.readStore.findPosts>[0]) =>
    sorted(ids((await t.readStore.findPosts(filter, { limit: 20 })).posts));
  assert.deepEqual(await find({}), sorted([twoLikes, oneLikeOneComment, quiet, bobs]));
  assert.deepEqual(await find({ author: "alice" }), sorted([twoLikes, oneLikeOneComment, quiet]));
  assert.deepEqual(await find({ author: "ALICE" }), await find({ author: "alice" }));
  assert.deepEqual(await find({ author: "nobody" }), []);
  assert.deepEqual(await find({ withComments: true }), sorted([oneLikeOneComment, bobs]));
  assert.deepEqual(await find({ withComments: false }), await find({}));
  assert.deepEqual(await find({ minLikes: 2 }), [twoLikes]);
  assert.deepEqual(await find({ minLikes: 1 }), sorted([twoLikes, oneLikeOneComment]));
  assert.deepEqual(await find({ minLikes: 0 }), await find({}));
  assert.deepEqual(await find({ author: "alice", withComments: true }), [oneLikeOneComment]);
  assert.deepEqual(await find({ author: "bob", minLikes: 1 }), []);

  const [two] = (await t.readStore.findPosts({ minLikes: 2 }, { limit: 1 })).posts;
  assert.equal(two.likes, 2);
  assert.equal(two.authorName, "alice");
  assert.equal(two.author, alice.userId);
});

Deno.test("Read store - a post shows its comments oldest first and whether the viewer liked it; a removed post is gone", async () => {
  await using t = await setUp();
  const alice = await t.register("alice");
  const bob = await t.register("bob");
  const carol = await t.register("carol");
  const as = (actor: Actor) => requestContext({ actor });
  const { postId } = await t.commands.send({ type: "CreatePost", message: "hello" }, as(alice));
  const { commentId: first } = await t.commands.send(
    { type: "AddComment", postId, comment: "first" },
    as(bob),
  );
  await t.commands.send({ type: "AddComment", postId, comment: "second" }, as(carol));
  await t.commands.send(
    { type: "EditComment", postId, commentId: first, comment: "first, edited" },
    as(bob),
  );
  const liked = await t.commands.send({ type: "LikePost", postId }, as(bob));
  await projectAll(t.sql);

  const forBob = await t.readStore.findPost(postId, bob.userId);
  assert.ok(forBob);
  assert.equal(forBob.message, "hello");
  assert.equal(forBob.likes, 1);
  assert.equal(forBob.comments, 2);
  assert.equal(forBob.version, liked.version);
  assert.equal(forBob.likedByMe, true);
  const comments = forBob.commentList;
  assert.ok(
    comments.every((c, i) =>
      i === 0 || comments[i - 1].createdAt < c.createdAt ||
      (comments[i - 1].createdAt === c.createdAt && comments[i - 1].id < c.id)
    ),
    "oldest first",
  );
  const edited = comments.find((c) => c.id === first);
  assert.ok(edited);
  assert.equal(edited.comment, "first, edited");
  assert.equal(edited.edited, true);
  assert.ok(edited.updatedAt);
  assert.equal(edited.updatedAt, new Date(edited.updatedAt).toISOString(), "ISO, in UTC");
  for (const c of comments) assert.equal(c.createdAt, new Date(c.createdAt).toISOString());
  assert.equal(edited.authorName, "bob");
  const other = comments.find((c) => c.id !== first);
  assert.ok(other);
  assert.deepEqual([other.comment, other.edited, other.updatedAt], ["second", false, null]);

  assert.equal((await t.readStore.findPost(postId, carol.userId))?.likedByMe, false);
  assert.equal((await t.readStore.findPost(postId, null))?.likedByMe, false);
  assert.equal(await t.readStore.findPost(crypto.randomUUID(), null), null);
  assert.equal(await t.readStore.findPost("not-a-uuid", null), null);

  await t.commands.send({ type: "DeletePost", postId }, as(alice));
  await projectAll(t.sql);
  assert.equal(await t.readStore.findPost(postId, bob.userId), null);
  assert.deepEqual((await t.readStore.findPosts({}, { limit: 10 })).posts, []);
});

Deno.test("Read store - a malformed cursor is a ValidationFailed on the cursor field", async () => {
  await using t = await setUp();
  const base64url = (value: unknown) =>
    btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  const malformed = [
    "",
    "not a cursor!",
    "abc",
    base64url("just a string"),
    base64url({ createdAt: "yesterday", id: crypto.randomUUID() }),
    base64url({ createdAt: new Date().toISOString(), id: "42" }),
    base64url({ createdAt: "0000-01-01T00:00:00Z", id: crypto.randomUUID() }),
  ];
  for (const cursor of malformed) {
    await assert.rejects(
      t.readStore.findPosts({}, { limit: 10, cursor }),
      (error) => error instanceof ValidationFailed && "cursor" in error.fields,
      `cursor ${JSON.stringify(cursor)}`,
    );
  }
  await assert.rejects(
    t.queries.query(
      { type: "FindAllPosts", limit: 10, cursor: "garbage" },
      requestContext(),
    ),
    (error) =>
      error instanceof ValidationFailed && error.status === 400 && "cursor" in error.fields,
  );
});

Deno.test("Read store - waitForPosition times out, then wakes on the projector's NOTIFY", async () => {
  // A safety re-check slower than the waits below: only a notification can wake them.
  await using t = await setUp({ safetyRecheckMs: 60_000 });
  const alice = await t.register("alice");
  assert.equal(await t.readStore.appliedPosition(), 0);
  const registered = await projectAll(t.sql);
  assert.equal(await t.readStore.appliedPosition(), registered);
  assert.equal(await t.readStore.waitForPosition(registered, 0), true, "applied: true at once");
  assert.equal(await t.readStore.waitForPosition(0, 0), true, "nothing to wait for");

  const { position } = await t.commands.send(
    { type: "CreatePost", message: "read your writes" },
    requestContext({ actor: alice }),
  );
  assert.equal(await t.readStore.waitForPosition(position, 50), false, "not projected yet");

  const waiting = Promise.all([
    t.readStore.waitForPosition(position, 10_000),
    t.readStore.waitForPosition(position, 10_000),
  ]);
  const projector = projectAll(t.sql);
  assert.deepEqual(await waiting, [true, true]);
  await projector;
  assert.equal(await t.readStore.appliedPosition(), position);

  // A later write is not visible yet; the earlier one stays visible.
  const later = await t.commands.send(
    { type: "CreatePost", message: "later" },
    requestContext({ actor: alice }),
  );
  const [earlier, pending] = await Promise.all([
    t.readStore.waitForPosition(position, 10_000),
    t.readStore.waitForPosition(later.position, 30),
  ]);
  assert.deepEqual([earlier, pending], [true, false]);
});

Deno.test("Query handlers - the feed filters by a whole #tag", async () => {
  await using t = await setUp();
  const as = requestContext({ actor: await t.register("alice") });
  const send = (message: string) => t.commands.send({ type: "CreatePost", message }, as);
  const { postId: tagged } = await send("Learning #Deno today");
  const { postId: end } = await send("so good #deno");
  await send("#denoland is another tag, and me#deno or a&#deno are not tags");
  await projectAll(t.sql);
  const page = await t.queries.query({ type: "FindAllPosts", tag: "deno", limit: 20 }, as);
  assert.deepEqual(page.posts.map((p) => p.id).sort(), [tagged, end].sort());
  await assert.rejects(
    t.queries.query({ type: "FindAllPosts", tag: "a.*", limit: 20 }, as),
    ValidationFailed,
  );
});

Deno.test("Read store - a position at or below the projector's pruning bound counts as applied", async () => {
  await using t = await setUp({ safetyRecheckMs: 60_000 });
  await t.register("alice");
  const registered = await projectAll(t.sql);
  await t.sql`delete from applied_positions`;
  assert.equal(await t.readStore.waitForPosition(registered, 0), false, "pruned, bound not set");
  const waiting = t.readStore.waitForPosition(registered, 10_000);
  await t.sql`update projector_state set pruned_below = ${registered}`;
  await t.sql`select pg_notify('projection_advanced', ${String(registered)})`;
  assert.equal(await waiting, true, "woken by the notification, answered by the bound");
  assert.equal(await t.readStore.waitForPosition(registered + 1, 0), false, "above the bound");
});

Deno.test("Query handlers - list and post queries read the projections through a query-side mediator", async () => {
  await using t = await setUp();
  const alice = await t.register("alice");
  const bob = await t.register("bob");
  const asBob = requestContext({ actor: bob });
  const { postId: liked } = await t.commands.send(
    { type: "CreatePost", message: "liked" },
    requestContext({ actor: alice }),
  );
  const { postId: commented } = await t.commands.send(
    { type: "CreatePost", message: "commented" },
    asBob,
  );
  await t.commands.send({ type: "LikePost", postId: liked }, asBob);
  await t.commands.send({ type: "AddComment", postId: commented, comment: "me" }, asBob);
  await projectAll(t.sql);
  assert.deepEqual([...t.queries.serves.commands], []);

  const anonymous = requestContext();
  const listed = async (query: Parameters<typeof t.queries.query>[0]) => {
    const page = await t.queries.query(query, anonymous);
    assert.ok(typeof page === "object" && page !== null && "posts" in page);
    return sorted(ids(page.posts));
  };
  assert.deepEqual(await listed({ type: "FindAllPosts", limit: 20 }), sorted([liked, commented]));
  assert.deepEqual(
    await listed({ type: "FindAllPosts", limit: 20, author: "Bob", withComments: true }),
    [commented],
  );
  assert.deepEqual(await listed({ type: "FindPostsByAuthor", author: " ALICE ", limit: 20 }), [
    liked,
  ]);
  assert.deepEqual(await listed({ type: "FindPostsWithComments", limit: 20 }), [commented]);
  assert.deepEqual(await listed({ type: "FindPostsWithLikes", min: 1, limit: 20 }), [liked]);
  assert.deepEqual(await listed({ type: "FindPostsWithLikes", min: 2, limit: 20 }), []);
  assert.equal(await t.queries.query({ type: "UserExists", username: "Bob" }, anonymous), true);
  assert.equal(await t.queries.query({ type: "UserExists", username: "nobody" }, anonymous), false);

  assert.deepEqual(
    await t.queries.query({ type: "FindLikedPostIds", postIds: [liked, commented] }, asBob),
    [liked],
  );
  assert.deepEqual(
    await t.queries.query({ type: "FindLikedPostIds", postIds: [liked] }, anonymous),
    [],
  );
  const forBob = await t.queries.query({ type: "FindPostById", postId: liked }, asBob);
  assert.equal(forBob?.likedByMe, true);
  const forAnyone = await t.queries.query({ type: "FindPostById", postId: liked }, anonymous);
  assert.equal(forAnyone?.likedByMe, false);
  const withComment = await t.queries.query({ type: "FindPostById", postId: commented }, asBob);
  assert.deepEqual(withComment?.commentList.map((c) => c.comment), ["me"]);
  assert.equal(
    await t.queries.query({ type: "FindPostById", postId: crypto.randomUUID() }, anonymous),
    null,
  );
});

Deno.test("Query handlers - GetPostHistory lists every event of the post with its metadata", async () => {
  await using t = await setUp();
  const alice = await t.register("alice");
  const bob = await t.register("bob");
  const contexts = [
    requestContext({ actor: alice }),
    requestContext({ actor: bob }),
    requestContext({ actor: bob }),
    requestContext({ actor: alice }),
    requestContext({ actor: alice }),
  ];
  const { postId } = await t.commands.send(
    { type: "CreatePost", message: "audited" },
    contexts[0],
  );
  await t.commands.send({ type: "LikePost", postId }, contexts[1]);
  await t.commands.send({ type: "AddComment", postId, comment: "noted" }, contexts[2]);
  await t.commands.send({ type: "EditMessage", postId, message: "audited, v2" }, contexts[3]);
  await t.commands.send({ type: "DeletePost", postId }, contexts[4]);

  const history = await t.queries.query({ type: "GetPostHistory", postId }, requestContext());
  assert.deepEqual(history.map((h) => h.type), [
    "PostCreated",
    "PostLiked",
    "CommentAdded",
    "MessageUpdated",
    "PostRemoved",
  ]);
  assert.deepEqual(history.map((h) => h.version), [1, 2, 3, 4, 5]);
  assert.ok(history.every((h, i) => i === 0 || history[i - 1].position < h.position));
  assert.deepEqual(history.map((h) => h.userId), contexts.map((c) => c.actor?.userId));
  assert.deepEqual(history.map((h) => h.correlationId), contexts.map((c) => c.correlationId));
  assert.equal(new Set(history.map((h) => h.eventId)).size, 5);
  assert.equal(new Set(history.map((h) => h.causationId)).size, 5);
  for (const entry of history) {
    assert.equal(entry.occurredAt, new Date(entry.occurredAt).toISOString());
    assert.ok(entry.schemaVersion >= 1);
  }
  assert.deepEqual((history[0].data as { message: string }).message, "audited");
  assert.deepEqual((history[3].data as { message: string }).message, "audited, v2");

  await assert.rejects(
    t.queries.query({ type: "GetPostHistory", postId: crypto.randomUUID() }, requestContext()),
    PostNotFound,
  );
  await assert.rejects(
    t.queries.query({ type: "GetPostHistory", postId: "nope" }, requestContext()),
    (error) => error instanceof ValidationFailed && "postId" in error.fields,
  );
});
