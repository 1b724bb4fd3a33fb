import assert from "node:assert/strict";
import { requestContext } from "../../app/context.ts";
import { type PostEvent, postStreamId } from "../../domain/mod.ts";
import type { Sql } from "../postgres/connect.ts";
import { readAll, START } from "../postgres/read_all.ts";
import { readStream } from "../postgres/read_stream.ts";
import { applyBatch } from "./apply_batch.ts";
import type { RestoreJob } from "./restore.ts";
import { verifyReadModel } from "./verify.ts";
import { readableToTheEnd, stores } from "../pipeline_test_utils.ts";
import { PROJECTION_CHANNEL } from "../postgres/tables.ts";
import { readModelGeneration } from "./read_model_progress.ts";

/** Event store and read store, migrated, with the real command side (see pipeline_test_utils). */
async function setUp(options: { separateReadStore?: boolean; batchSize?: number } = {}) {
  const s = await stores({
    separateReadStore: options.separateReadStore,
    restoreBatchSize: options.batchSize ?? 4,
  });
  // The rebuild reads up to the cluster-wide snapshot horizon and leaves the rest to the live
  // projector. Most tests here run none, so each run first waits for the horizon to pass the
  // last event (another database's open transaction can hold it back for a moment).
  const run = s.restorer.run;
  s.restorer.run = async (request) => {
    await readableToTheEnd(s.eventSql);
    return await run(request);
  };
  return s;
}

type Setup = Awaited<ReturnType<typeof setUp>>;

/** A small social history: edits, likes and an unlike, comments edited and removed, a deleted post. */
async function history(s: Setup) {
  const alice = await s.register("alice");
  const bob = await s.register("bob");
  const carol = await s.register("carol");
  const send = s.mediator.send;
  const { postId: kept } = await send({ type: "CreatePost", message: "hello" }, alice);
  await send({ type: "EditMessage", postId: kept, message: "hello, world" }, alice);
  await send({ type: "LikePost", postId: kept }, bob);
  await send({ type: "LikePost", postId: kept }, carol);
  await send({ type: "UnlikePost", postId: kept }, carol);
  const { commentId: edited } = await send(
    { type: "AddComment", postId: kept, comment: "nice" },
    bob,
  );
  await send({ type: "EditComment", postId: kept, commentId: edited, comment: "very nice" }, bob);
  const { commentId: removed } = await send(
    { type: "AddComment", postId: kept, comment: "spam" },
    carol,
  );
  await send({ type: "RemoveComment", postId: kept, commentId: removed }, alice);
  const { postId: deleted } = await send({ type: "CreatePost", message: "oops" }, bob);
  await send({ type: "LikePost", postId: deleted }, alice);
  await send({ type: "AddComment", postId: deleted, comment: "gone soon" }, carol);
  await send({ type: "DeletePost", postId: deleted }, bob);
  const { postId: plain } = await send({ type: "CreatePost", message: "plain" }, carol);
  await readableToTheEnd(s.eventSql); // the rebuild and the verifier read up to the horizon
  return { alice, bob, carol, kept, deleted, plain, edited };
}

async function eventCount(eventSql: Sql): Promise<number> {
  const [{ n }] = await eventSql`select count(*)::int as n from events`;
  return n;
}

async function lastPosition(eventSql: Sql): Promise<number> {
  const [{ max }] =
    await eventSql`select coalesce(max(global_position), 0)::int as max from events`;
  return max;
}

async function assertVerified(s: { eventSql: Sql; readSql: Sql }): Promise<void> {
  await readableToTheEnd(s.eventSql);
  const { differences } = await verifyReadModel({ eventSql: s.eventSql, readSql: s.readSql });
  assert.deepEqual(differences, [], "verifier: projections differ from the event store");
}

/** Schemas a restore created and did not clean up. */
async function leftoverSchemas(readSql: Sql): Promise<string[]> {
  const rows =
    await readSql`select nspname from pg_namespace where nspname ~ '^(restore|retired)_'`;
  return rows.map((r) => r.nspname);
}

/** Polls `check` until it holds; fails after `timeoutMs`. */
async function eventually(
  check: () => Promise<boolean>,
  options: { timeoutMs?: number; what: string },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${options.what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A stand-in for the Kafka projector that locks like it: each batch is one
 * transaction that starts with `select ... for update` on its checkpoint row.
 */
function liveProjector(s: { eventSql: Sql; readSql: Sql }) {
  const fetchStream = (streamId: string, range: { fromVersion: number; toVersion: number }) =>
    readStream(s.eventSql, { streamId, ...range });
  let stopped = false;
  let batches = 0;
  const running = (async () => {
    await s
      .readSql`insert into projector_checkpoints (consumer_group, topic, partition, next_offset)
                    values ('test-live', 'events', 0, 0) on conflict do nothing`;
    let cursor = START;
    while (!stopped) {
      const page = await readAll(s.eventSql, { after: cursor, limit: 10 });
      if (page.events.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5)); // the projector's idle poll
        continue;
      }
      await s.readSql.begin(async (tx) => {
        await tx`select next_offset from projector_checkpoints
                 where consumer_group = 'test-live' and topic = 'events' and partition = 0
                 for update`;
        await applyBatch(tx, page.events, { fetchStream });
        await tx`update projector_checkpoints set next_offset = ${page.cursor.position}
                 where consumer_group = 'test-live' and topic = 'events' and partition = 0`;
      });
      cursor = page.cursor;
      batches++;
    }
  })();
  return {
    batches: () => batches,
    async stop() {
      stopped = true;
      await running;
    },
  };
}

Deno.test("Restore read DB - rebuilds an empty read store from the event store, with progress", async () => {
  await using s = await setUp({ batchSize: 4 });
  const { kept, deleted, edited } = await history(s);
  const before = await verifyReadModel(s);
  assert.ok(before.differences.includes(`posts ${kept}: missing`), "nothing is projected yet");

  const seen: RestoreJob[] = [];
  const generationBefore = await readModelGeneration(s.readSql);
  let notified = 0;
  const listening = await s.readSql.listen(PROJECTION_CHANNEL, () => notified++);
  const job = await s.restorer.run({ requestedBy: "alice", onProgress: (j) => seen.push(j) });

  const events = await eventCount(s.eventSql);
  assert.equal(job.status, "done");
  // Cached pages of the old tables are not served again; open live pages hear of the swap.
  assert.ok(
    await readModelGeneration(s.readSql) > generationBefore,
    "the swap raises the generation",
  );
  await eventually(() => Promise.resolve(notified > 0), { what: "a NOTIFY for the swap" });
  await listening.unlisten();
  assert.equal(job.error, null);
  assert.equal(job.total, events);
  assert.equal(job.done, events);
  assert.equal(job.percent, 100);
  assert.ok(job.finishedAt instanceof Date);
  assert.equal(job.requestedBy, "alice");
  assert.ok(seen.length >= 3, "progress is reported batch by batch");
  const dones = seen.map((j) => j.done);
  assert.deepEqual(dones, [...dones].sort((a, b) => a - b), "progress only moves forward");
  assert.ok(seen.some((j) => j.percent > 0 && j.percent < 100));

  const [post] = await s.readSql`select message, likes, comments from posts where id = ${kept}`;
  assert.deepEqual({ ...post }, { message: "hello, world", likes: 1, comments: 1 });
  const [comment] = await s.readSql`select comment from comments where id = ${edited}`;
  assert.equal(comment.comment, "very nice");
  assert.equal((await s.readSql`select 1 from posts where id = ${deleted}`).length, 0);
  const verified = await verifyReadModel(s);
  assert.deepEqual(verified.differences, []);
  assert.equal(verified.events, events);
  assert.equal(verified.streams, 6);

  const indexes = await s.readSql`select indexname from pg_indexes where schemaname = 'public'
                                  and tablename in ('posts', 'comments', 'likes')`;
  const names = indexes.map((r) => r.indexname);
  for (const name of ["posts_feed", "posts_by_author", "comments_of_post", "likes_by_user"]) {
    assert.ok(names.includes(name), `index ${name} keeps its name after the swap`);
  }
  assert.deepEqual(await leftoverSchemas(s.readSql), []);
});

Deno.test("Verifier - names tampered, missing and unexpected rows; a restore repairs them", async () => {
  await using s = await setUp();
  const { bob, kept, deleted, plain, edited } = await history(s);
  await s.restorer.run({ requestedBy: "admin" });
  await assertVerified(s);

  const bobId = bob.actor!.userId;
  await s.readSql`update posts set likes = 99 where id = ${kept}`;
  await s.readSql`delete from comments where id = ${edited}`;
  await s
    .readSql`insert into likes (post_id, user_id, liked_at) values (${deleted}, ${bobId}, now())`;
  await s.readSql`update posts set message = 'changed' where id = ${plain}`;
  await s.readSql`update projection_streams set version = 7 where stream_id = ${
    postStreamId(plain)
  }`;
  await s.readSql`delete from applied_positions
                  where position = (select max(position) from applied_positions)`;

  const { differences } = await verifyReadModel(s);
  const last = await lastPosition(s.eventSql);
  assert.deepEqual(
    differences.sort(),
    [
      `applied_positions: 1 missing (${last})`,
      `comments ${edited}: missing`,
      `likes ${deleted}/${bobId}: unexpected row`,
      `posts ${kept}: likes expected 1, found 99`,
      `posts ${plain}: message expected "plain", found "changed"`,
      `projection_streams post-${plain}: version expected 1, found 7`,
    ].sort(),
  );

  const job = await s.restorer.run({ requestedBy: "admin" });
  assert.equal(job.status, "done");
  await assertVerified(s);
});

Deno.test("Restore read DB - while commands keep arriving and a live projector runs: nothing lost or applied twice", async () => {
  await using s = await setUp({ batchSize: 5 });
  const users = await Promise.all(["ann", "ben", "cat", "dan"].map((name) => s.register(name)));
  const postIds: string[] = [];
  for (const [i, user] of users.entries()) {
    for (let n = 0; n < 3; n++) {
      const { postId } = await s.mediator.send(
        { type: "CreatePost", message: `post ${i}.${n}` },
        user,
      );
      postIds.push(postId);
    }
  }
  for (const user of users) {
    for (const postId of postIds) {
      await s.mediator.send({ type: "LikePost", postId }, user);
    }
  }
  const live = liveProjector(s);
  try {
    const caughtUp = async () => {
      const target = await lastPosition(s.eventSql);
      const rows = await s.readSql`select 1 from applied_positions where position = ${target}`;
      return rows.length === 1;
    };
    await eventually(caughtUp, { what: "the live projector" });
    await assertVerified(s);

    let restoring = true;
    let duringRestore = 0;
    const writer = (async () => {
      for (let i = 0; restoring; i++) {
        const postId = postIds[i % postIds.length];
        const user = users[i % users.length];
        await s.mediator.send({ type: i % 2 ? "LikePost" : "UnlikePost", postId }, user);
        await s.mediator.send({ type: "AddComment", postId, comment: `during ${i}` }, user);
        if (restoring) duringRestore++;
      }
    })();
    const admin = requestContext({ actor: { ...users[0].actor!, isAdmin: true } });
    const { jobId } = await s.mediator.send({ type: "RestoreReadDb" }, admin);
    const job = await s.restorer.run({ requestedBy: "admin" }); // joins the running job
    restoring = false;
    await writer;

    assert.equal(job.id, jobId);
    assert.equal(job.status, "done", job.error ?? "");
    assert.ok(duringRestore > 0, "commands kept arriving during the restore");
    await eventually(caughtUp, { what: "the live projector after the swap" });
  } finally {
    await live.stop();
  }
  await assertVerified(s);
  const wrong = await s.readSql`
    select id from posts
    where likes <> (select count(*) from likes where likes.post_id = posts.id)
       or comments <> (select count(*) from comments where comments.post_id = posts.id)`;
  assert.deepEqual([...wrong], [], "every count equals its rows: nothing applied twice");
  assert.deepEqual(await leftoverSchemas(s.readSql), []);
});

Deno.test("Restore read DB - event store and read store in two databases", async () => {
  await using s = await setUp({ separateReadStore: true, batchSize: 3 });
  const { kept } = await history(s);
  const [{ n }] = await s
    .readSql`select count(*)::int as n from pg_tables where tablename = 'events'`;
  assert.equal(n, 0, "the read database has no events table");
  const live = liveProjector(s);
  try {
    const job = await s.restorer.run({ requestedBy: "admin" });
    assert.equal(job.status, "done", job.error ?? "");
    assert.equal(job.done, await eventCount(s.eventSql));
  } finally {
    await live.stop();
  }
  await assertVerified(s);
  const [post] = await s.readSql`select likes from posts where id = ${kept}`;
  assert.equal(post.likes, 1);
});

Deno.test("Restore read DB - the swap waits for a live projector batch; a second start joins the running job", async () => {
  await using s = await setUp();
  await history(s);
  await s.readSql`insert into projector_checkpoints (consumer_group, topic, partition, next_offset)
                  values ('test-live', 'events', 0, 0)`;
  // A projector batch in flight: it holds its checkpoint row until we let it commit.
  const locked = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const batch = s.readSql.begin(async (tx) => {
    await tx`select next_offset from projector_checkpoints where consumer_group = 'test-live'
             for update`;
    locked.resolve();
    await release.promise;
    await tx`update projector_checkpoints set next_offset = 1 where consumer_group = 'test-live'`;
  });
  await locked.promise;

  const liveTable = async () =>
    (await s.readSql`select 'public.posts'::regclass::oid as oid`)[0].oid;
  const before = await liveTable();
  const { jobId } = await s.restorer.start({ requestedBy: "alice" });
  await eventually(
    async () => (await s.restorer.job(jobId))?.status === "swapping",
    { what: "the swap to begin" },
  );
  const again = await s.restorer.start({ requestedBy: "bob" });
  assert.equal(again.jobId, jobId, "one restore at a time: the running job is returned");
  const [{ jobs }] = await s.readSql`select count(*)::int as jobs from restore_jobs`;
  assert.equal(jobs, 1);
  assert.equal((await s.restorer.job(jobId))?.status, "swapping", "the swap waits for the batch");
  assert.equal(await liveTable(), before, "the site still reads the old tables");

  release.resolve();
  await batch;
  await eventually(async () => {
    const job = await s.restorer.job(jobId);
    if (job?.status === "failed") assert.fail(`restore failed: ${job.error}`);
    return job?.status === "done";
  }, { what: "the restore to finish" });
  assert.notEqual(await liveTable(), before, "the new tables are swapped in");
  await assertVerified(s);
});

Deno.test("Restore read DB - a failing swap leaves the live tables untouched and the job failed", async () => {
  await using s = await setUp();
  const { kept } = await history(s);
  await s.restorer.run({ requestedBy: "admin" });
  await s.readSql`update posts set likes = 99 where id = ${kept}`; // a mark the restore would fix
  const [{ oid: before }] = await s.readSql`select 'public.posts'::regclass::oid as oid`;
  await s.readSql.unsafe(`
    create function refuse_alter() returns event_trigger language plpgsql as $$
    begin raise exception 'swap refused by the test'; end $$`);
  await s.readSql.unsafe(`
    create event trigger refuse_alter on ddl_command_end when tag in ('ALTER TABLE')
    execute function refuse_alter()`);

  const failed = await s.restorer.run({ requestedBy: "admin" });
  assert.equal(failed.status, "failed");
  assert.match(failed.error ?? "", /swap refused by the test/);
  assert.ok(failed.finishedAt instanceof Date);
  const [{ oid: after }] = await s.readSql`select 'public.posts'::regclass::oid as oid`;
  assert.equal(after, before, "the live posts table is the same table");
  const [post] = await s.readSql`select likes from posts where id = ${kept}`;
  assert.equal(post.likes, 99, "the live rows are untouched");
  assert.deepEqual(await leftoverSchemas(s.readSql), []);

  await s.readSql.unsafe(`drop event trigger refuse_alter`);
  const retried = await s.restorer.run({ requestedBy: "admin" });
  assert.equal(retried.status, "done", "a failed job does not block the next one");
  await assertVerified(s);
});

Deno.test("Restore read DB - a failure while rebuilding drops the shadow tables and marks the job failed", async () => {
  await using s = await setUp({ batchSize: 3 });
  await history(s);
  await s.restorer.run({ requestedBy: "admin" });
  await s.readSql.unsafe(`
    create function refuse_progress() returns trigger language plpgsql as $$
    begin raise exception 'disk full (test)'; end $$`);
  await s.readSql.unsafe(`
    create trigger refuse_progress before update of done on restore_jobs
    for each row when (new.done > 3) execute function refuse_progress()`);

  const failed = await s.restorer.run({ requestedBy: "admin" });
  assert.equal(failed.status, "failed");
  assert.match(failed.error ?? "", /disk full \(test\)/);
  assert.equal(failed.done, 3, "the first batch went through, the second failed");
  assert.deepEqual(await leftoverSchemas(s.readSql), []);
  await assertVerified(s);
});

Deno.test("Restore read DB - an event that cannot be applied goes to dead letters once; its stream goes on", async () => {
  await using s = await setUp();
  const alice = await s.register("alice");
  const bob = await s.register("bob");
  const carol = await s.register("carol");
  const { postId } = await s.mediator.send({ type: "CreatePost", message: "hi" }, alice);
  await s.mediator.send({ type: "LikePost", postId }, bob);
  // A second like by the same user, written past the decider: the projection refuses it.
  const duplicate: PostEvent = {
    type: "PostLiked",
    data: { userId: bob.actor!.userId, at: new Date().toISOString() },
  };
  const eventId = crypto.randomUUID();
  await s.store.append(postStreamId(postId), [{
    eventId,
    event: duplicate,
    metadata: { userId: bob.actor!.userId, correlationId: eventId, causationId: eventId },
  }], { expectedVersion: "any" });
  await s.mediator.send({ type: "LikePost", postId }, carol);

  for (let run = 0; run < 2; run++) {
    const job = await s.restorer.run({ requestedBy: "admin" });
    assert.equal(job.status, "done", job.error ?? "");
  }
  const dead = await s.readSql`
    select event_id, stream_id, stream_version::int, event_type, error, attempts, payload
    from dead_letters`;
  assert.equal(dead.length, 1, "an open dead letter is not recorded twice");
  assert.equal(dead[0].event_id, eventId);
  assert.equal(dead[0].stream_version, 3);
  assert.equal(dead[0].event_type, "PostLiked");
  assert.equal(dead[0].attempts, 1);
  assert.match(dead[0].error, /duplicate key/);
  assert.equal(dead[0].payload.eventId, eventId);
  const [post] = await s.readSql`select likes, version from posts where id = ${postId}`;
  assert.deepEqual({ ...post }, { likes: 2, version: 4 }, "the like after it still applied");
  await assertVerified(s);
});

Deno.test("Restore read DB - an unreadable stored event goes to dead letters instead of stopping the restore", async () => {
  await using s = await setUp();
  const { kept } = await history(s);
  const stream = postStreamId(crypto.randomUUID());
  await s.eventSql`
    insert into events (stream_id, stream_type, stream_version, event_id, event_type, data, metadata)
    values (${stream}, 'post', 1, gen_random_uuid(), 'PostLiked', '{"nonsense": true}',
            '{"userId": null, "correlationId": "c", "causationId": "c"}')`;
  const job = await s.restorer.run({ requestedBy: "admin" });
  assert.equal(job.status, "done", job.error ?? "");
  const dead = await s.readSql`select stream_id, error from dead_letters`;
  assert.equal(dead.length, 1);
  assert.equal(dead[0].stream_id, stream);
  assert.match(dead[0].error, /cannot read event PostLiked/);
  const [post] = await s.readSql`select likes from posts where id = ${kept}`;
  assert.equal(post.likes, 1, "the readable events were all applied");
  await assert.rejects(verifyReadModel(s), /cannot read event PostLiked/);
});

Deno.test("Restore read DB - a job left running by a stopped process is marked failed and a new one runs", async () => {
  await using s = await setUp();
  await history(s);
  const staleId = crypto.randomUUID();
  await s
    .readSql`insert into restore_jobs (id, status, requested_by) values (${staleId}, 'running', 'gone')`;
  const staleSchema = `restore_${staleId.replaceAll("-", "").slice(0, 12)}`;
  await s.readSql.unsafe(`create schema ${staleSchema}`);
  await s.readSql.unsafe(`create table ${staleSchema}.posts (like public.posts including all)`);

  const job = await s.restorer.run({ requestedBy: "admin" });
  assert.notEqual(job.id, staleId);
  assert.equal(job.status, "done", job.error ?? "");
  const stale = await s.restorer.job(staleId);
  assert.equal(stale?.status, "failed");
  assert.match(stale?.error ?? "", /abandoned/);
  assert.deepEqual(await leftoverSchemas(s.readSql), []);
  assert.equal(await s.restorer.job("not-a-uuid"), null);
  await assertVerified(s);
});
