/**
 * The pipeline end to end, on the real broker and real PostgreSQL:
 * mediator -> event store -> relay -> Kafka -> projector -> projection tables.
 * Every test ends with the verifier.
 */
import { appliedPosition } from "./projections/read_model_progress.ts";
import assert from "node:assert/strict";
import { within } from "../tests/deadline.ts";
import { Kafka, logLevel } from "kafkajs";
import { requestContext } from "../app/context.ts";
import type { EventBus } from "./bus/bus.ts";
import {
  assertVerified,
  brokers,
  lastPosition,
  projected,
  stores,
  testBus,
  until,
} from "./pipeline_test_utils.ts";
import { startWorker, type Worker } from "./worker.ts";

type Stores = Awaited<ReturnType<typeof stores>>;

/** Every pipeline test runs in both layouts: one database, and event store + read store apart. */
const LAYOUTS = [
  { name: "one database", separateReadStore: false },
  { name: "two databases", separateReadStore: true },
] as const;

function pipelineTest(name: string, body: (s: Stores) => Promise<void>) {
  for (const layout of LAYOUTS) {
    Deno.test(`Pipeline (${layout.name}) - ${name}`, async () => {
      await using s = await stores({ separateReadStore: layout.separateReadStore });
      await body(s);
    });
  }
}

async function worker(s: Stores, bus: EventBus, groupId = `group-${crypto.randomUUID()}`) {
  return await startWorker({ eventSql: s.eventSql, readSql: s.readSql, bus, groupId });
}

/** A small social burst: posts, likes, comments, an edit, a removal. */
async function burst(s: Stores, options: { users?: number; posts?: number } = {}) {
  const users = await Promise.all(
    Array.from(
      { length: options.users ?? 4 },
      () => s.register(`u_${crypto.randomUUID().slice(0, 8)}`),
    ),
  );
  const postIds: string[] = [];
  for (let i = 0; i < (options.posts ?? 6); i++) {
    const author = users[i % users.length];
    const { postId } = await s.mediator.send({ type: "CreatePost", message: `post ${i}` }, author);
    postIds.push(postId);
  }
  await Promise.all(
    postIds.flatMap((postId) => users.map((u) => s.mediator.send({ type: "LikePost", postId }, u))),
  );
  for (const [i, postId] of postIds.entries()) {
    const { commentId } = await s.mediator.send(
      { type: "AddComment", postId, comment: `comment on ${i}` },
      users[(i + 1) % users.length],
    );
    if (i % 3 === 0) {
      await s.mediator.send({ type: "RemoveComment", postId, commentId }, users[i % users.length]);
    }
    if (i % 2 === 0) await s.mediator.send({ type: "UnlikePost", postId }, users[0]);
  }
  await s.mediator.send({ type: "EditMessage", postId: postIds[0], message: "edited" }, users[0]);
  await s.mediator.send({ type: "DeletePost", postId: postIds[1] }, users[1 % users.length]);
  return { users, postIds };
}

async function stopAll(...workers: (Worker | undefined)[]) {
  for (const w of workers) await w?.stop();
}

pipelineTest(
  "an append becomes visible in the projection (position wait, no sleeps)",
  async (s) => {
    const w = await worker(s, testBus());
    try {
      const alice = await s.register("alice");
      const { postId, position } = await s.mediator.send(
        { type: "CreatePost", message: "hello kafka" },
        alice,
      );
      await until(s.readSql, async () => {
        const [row] = await s.readSql`select 1 from applied_positions where position = ${position}`;
        return row !== undefined;
      }, { what: "the new post's position" });
      const [post] = await s.readSql`select message, author_name from posts where id = ${postId}`;
      assert.deepEqual({ ...post }, { message: "hello kafka", author_name: "alice" });
      const maxPosition = await appliedPosition(s.readSql);
      assert.ok(maxPosition >= position);
      // The user's event may sit on another partition, applied after the post's.
      await projected(s);
      await assertVerified(s);
    } finally {
      await stopAll(w);
    }
  },
);

pipelineTest("the worker process killed mid-batch and restarted: verifier clean", async (s) => {
  const bus = testBus();
  const env = {
    DATABASE_URL: s.eventDb.url,
    ...(s.readDb === s.eventDb ? {} : { READ_DATABASE_URL: s.readDb.url }),
    KAFKA_BROKERS: brokers().join(","),
    KAFKA_TOPIC: bus.topic,
    KAFKA_GROUP_ID: `group-${crypto.randomUUID()}`,
    LOG_LEVEL: "error",
  };
  const spawn = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../worker.ts", import.meta.url).pathname],
      env,
      stdout: "null",
      stderr: "null",
    }).spawn();
  await burst(s, { users: 5, posts: 20 });
  const target = await lastPosition(s.eventSql);
  const first = spawn();
  // Kill it as soon as it has committed something but not everything.
  await until(s.readSql, async () => {
    const [{ n }] = await s.readSql`select count(*)::int as n from applied_positions`;
    return n > 0;
  }, { what: "the first batch" });
  first.kill("SIGKILL");
  await within(first.status, 10_000, "the killed worker to exit");
  const [{ n: before }] = await s.readSql`select count(*)::int as n from applied_positions`;
  assert.ok(before > 0, "the killed worker had applied part of the events");

  await burst(s, { users: 2, posts: 3 }); // more while it is down
  const second = spawn();
  try {
    await projected(s, { timeoutMs: 60_000 });
    assert.ok((await lastPosition(s.eventSql)) > target);
    await assertVerified(s);
  } finally {
    second.kill("SIGTERM");
    await within(second.status, 30_000, "the worker to exit after SIGTERM");
  }
});

pipelineTest(
  "the topic replayed from offset 0 into the same projector: no double counts",
  async (s) => {
    const bus = testBus();
    const groupId = `group-${crypto.randomUUID()}`;
    let w: Worker | undefined = await worker(s, bus, groupId);
    try {
      await burst(s);
      await projected(s);
      const likesBefore = await s.readSql`select id, likes, comments from posts order by id`;
      await w.stop();
      w = undefined;
      // Rewind: the checkpoint says "start from 0", so every message is delivered again.
      const rewound = await s
        .readSql`update projector_checkpoints set next_offset = 0 returning partition`;
      assert.ok(rewound.length > 0);
      const [{ end }] = await s
        .readSql`select sum(next_offset)::int as end from projector_checkpoints`;
      w = await worker(s, bus, groupId);
      const alice = await s.register("alice");
      await s.mediator.send({ type: "CreatePost", message: "after the replay" }, alice);
      await projected(s);
      await until(s.readSql, async () => {
        const [{ now }] = await s
          .readSql`select sum(next_offset)::int as now from projector_checkpoints`;
        return now >= (end ?? 0);
      }, { what: "the replay to reach the old end" });
      const likesAfter = await s.readSql`select id, likes, comments from posts
                                       where message <> 'after the replay' order by id`;
      assert.deepEqual(likesAfter.map((r) => ({ ...r })), likesBefore.map((r) => ({ ...r })));
      await assertVerified(s);
    } finally {
      await stopAll(w);
    }
  },
);

pipelineTest(
  "a poison message, and each poison event of a run, go to dead letters and later events still apply",
  async (s) => {
    const bus = testBus({ partitions: 1 });
    const w = await worker(s, bus);
    const kafka = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const poisonId = crypto.randomUUID();
    try {
      await producer.connect();
      await producer.send({
        topic: bus.topic,
        messages: [{
          key: "post-garbage",
          value: "{ this is not an event",
          headers: { "event-type": "PostLiked" },
        }, {
          // A run of two envelopes, neither readable: two dead letters, each with its own envelope.
          key: "post-garbage-run",
          value: JSON.stringify([
            { eventId: poisonId, type: "NoSuchEvent", globalPosition: 9 },
            42,
          ]),
          headers: { "event-count": "2" },
        }],
      });
      const alice = await s.register("alice");
      const { postId } = await s.mediator.send(
        { type: "CreatePost", message: "still works" },
        alice,
      );
      await projected(s);
      const [post] = await s.readSql`select message from posts where id = ${postId}`;
      assert.equal(post.message, "still works");
      const dead = await s.readSql`
      select stream_id, event_id, event_type, global_position, error, payload
      from dead_letters order by id`;
      assert.equal(dead.length, 3);
      assert.equal(dead[0].stream_id, "post-garbage");
      assert.match(dead[0].error, /JSON|json|Unexpected|Expected/);
      assert.deepEqual(dead.slice(1).map((d) => d.stream_id), [
        "post-garbage-run",
        "post-garbage-run",
      ]);
      assert.equal(dead[1].event_id, poisonId);
      assert.equal(dead[1].event_type, "NoSuchEvent");
      assert.equal(Number(dead[1].global_position), 9);
      assert.equal(JSON.parse(dead[2].payload.value), 42, "the second envelope alone");
      await assertVerified(s);
    } finally {
      await producer.disconnect();
      await stopAll(w);
    }
  },
);

pipelineTest("Restore read DB while commands keep arriving: verifier clean", async (s) => {
  const w = await worker(s, testBus());
  try {
    const { users, postIds } = await burst(s, { users: 4, posts: 10 });
    await projected(s);
    let writing = true;
    const writer = (async () => {
      let i = 0;
      while (writing) {
        const postId = postIds[2 + (i % 8)];
        const who = users[i % users.length];
        await s.mediator.send({ type: "AddComment", postId, comment: `during restore ${i}` }, who);
        await s.mediator.send({ type: i % 2 ? "LikePost" : "UnlikePost", postId }, who);
        i++;
      }
      return i;
    })();
    const admin = requestContext({ actor: { ...users[0].actor!, isAdmin: true } });
    const { jobId } = await s.mediator.send({ type: "RestoreReadDb" }, admin);
    await until(s.readSql, async () => {
      const job = await s.restorer.job(jobId);
      if (job?.status === "failed") assert.fail(`restore failed: ${job.error}`);
      return job?.status === "done";
    }, { timeoutMs: 60_000, what: "the restore job" });
    writing = false;
    const written = await writer;
    assert.ok(written > 0, "commands kept arriving during the restore");
    await projected(s);
    await assertVerified(s);
  } finally {
    await stopAll(w);
  }
});

pipelineTest(
  "two workers in one consumer group split the partitions: verifier clean",
  async (s) => {
    const bus = testBus({ partitions: 4 });
    const groupId = `group-${crypto.randomUUID()}`;
    const a = await worker(s, bus, groupId);
    const b = await worker(s, bus, groupId);
    try {
      await until(s.readSql, () => {
        const [pa, pb] = [a.projector.assignment(), b.projector.assignment()];
        return Promise.resolve(pa.length > 0 && pb.length > 0 && pa.length + pb.length === 4);
      }, { what: "both members to get partitions" });
      const [pa, pb] = [a.projector.assignment(), b.projector.assignment()];
      assert.deepEqual([...pa, ...pb].sort(), [0, 1, 2, 3], "each partition has exactly one owner");
      assert.ok([a, b].filter((w) => w.relay?.isLeader()).length <= 1, "at most one relay leads");
      await burst(s, { users: 6, posts: 16 });
      await projected(s);
      const [{ n }] = await s
        .readSql`select count(distinct partition)::int as n from projector_checkpoints`;
      assert.ok(n >= 2, "events went through several partitions");
      await assertVerified(s);
    } finally {
      await stopAll(a, b);
    }
  },
);

pipelineTest("the relay fails over when the leading worker stops", async (s) => {
  const bus = testBus();
  const groupId = `group-${crypto.randomUUID()}`;
  const running = new Set([await worker(s, bus, groupId), await worker(s, bus, groupId)]);
  try {
    const alice = await s.register("alice");
    await s.mediator.send({ type: "CreatePost", message: "before" }, alice);
    await projected(s);
    const [leader, follower] = [...running].sort((x) => (x.relay?.isLeader() ? -1 : 1));
    assert.ok(leader.relay?.isLeader() && !follower.relay?.isLeader());
    running.delete(leader);
    await leader.stop();
    await s.mediator.send({ type: "CreatePost", message: "after fail-over" }, alice);
    await projected(s, { timeoutMs: 60_000 });
    assert.ok(follower.relay?.isLeader());
    await assertVerified(s);
  } finally {
    await stopAll(...running);
  }
});

Deno.test("Pipeline - two databases: event store and read store apart", async () => {
  await using s = await stores({ separateReadStore: true });
  const w = await worker(s, testBus());
  try {
    await burst(s);
    await projected(s);
    const [{ n }] = await s.eventSql`select count(*)::int as n from information_schema.tables
                                     where table_name = 'posts'`;
    assert.equal(n, 0, "no projection table in the event store database");
    await assertVerified(s);
  } finally {
    await stopAll(w);
  }
});
