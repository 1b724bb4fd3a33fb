/**
 * The store-tailing consumer against a real PostgreSQL: concurrent appends,
 * a transaction that commits out of position order, a failing batch, a
 * restart from the checkpoint, and the real projector behind it.
 */
import assert from "node:assert/strict";
import { postIdOf, postStreamId } from "../../domain/mod.ts";
import { postCreated, postLiked, toNewEvents } from "../../bench/fixtures.ts";
import { schemaVersions } from "../../domain/mod.ts";
import { projected, stores } from "../pipeline_test_utils.ts";
import type { Sql } from "../postgres/connect.ts";
import { migrate } from "../postgres/migrate.ts";
import { postgresEventStore } from "../postgres/event_store.ts";
import { tempDatabase } from "../postgres/test_utils.ts";
import { verifyReadModel } from "../projections/verify.ts";
import { startStoreTailWorker } from "../worker.ts";
import type { BatchOutcome, ConsumedBatch } from "./bus.ts";
import { STORE_TAIL_TOPIC, storeTailConsumer } from "./store_tail_consumer.ts";

/** Waits for a condition, polling the in-memory recorder, with a deadline. */
async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A handler that behaves like the projector: a checkpoint, offsets below it
 * skipped, everything else recorded as applied; `failNext` rolls a batch back.
 */
function recorder(startAt: number | null = null) {
  const state = {
    next: startAt,
    applied: [] as { offset: number; streamId: string; version: number; position: number }[],
    batches: 0,
    failNext: false,
  };
  return {
    state,
    handlers: {
      checkpoint: (topic: string, partition: number) => {
        assert.equal(topic, STORE_TAIL_TOPIC);
        assert.equal(partition, 0);
        return Promise.resolve(state.next);
      },
      handle: (batch: ConsumedBatch): Promise<BatchOutcome> => {
        state.batches++;
        if (state.failNext) {
          state.failNext = false;
          return Promise.reject(new Error("batch rolled back"));
        }
        const next = state.next ?? 0;
        const first = batch.messages[0].offset;
        if (first > next) return Promise.resolve({ kind: "seek", offset: next });
        for (const m of batch.messages) {
          if (m.offset < next) continue;
          assert.ok(m.event, m.error);
          state.applied.push({
            offset: m.offset,
            streamId: m.event.streamId,
            version: m.event.streamVersion,
            position: m.event.globalPosition,
          });
        }
        state.next = batch.messages.at(-1)!.offset + 1;
        return Promise.resolve({ kind: "done", nextOffset: state.next });
      },
    },
  };
}

/** Appends `n` events to a new post stream: PostCreated then likes. */
async function appendPost(sql: Sql, n: number): Promise<string> {
  const store = postgresEventStore(sql);
  const postId = crypto.randomUUID();
  const streamId = postStreamId(postId);
  await store.append(streamId, toNewEvents([postCreated(postId)]), { expectedVersion: 0 });
  for (let v = 1; v < n; v++) {
    await store.append(streamId, toNewEvents([postLiked(v)]), { expectedVersion: v });
  }
  return streamId;
}

function assertExactlyOnceInOrder(
  applied: { offset: number; streamId: string; version: number }[],
  expected: Map<string, number>,
): void {
  assert.deepEqual(applied.map((a) => a.offset), applied.map((_, i) => i), "offsets 0..n-1");
  const byStream = Map.groupBy(applied, (a) => a.streamId);
  assert.equal(byStream.size, expected.size);
  for (const [streamId, events] of byStream) {
    const versions = events.map((e) => e.version);
    const n = expected.get(streamId)!;
    assert.deepEqual(versions, Array.from({ length: n }, (_, i) => i + 1), streamId);
  }
}

Deno.test("Store tail - concurrent appends and an out-of-order commit are delivered exactly once, in order per stream; a failed batch is redelivered; a restart resumes at the checkpoint", async () => {
  await using db = await tempDatabase();
  const sql = db.connect({ max: 12 });
  await migrate(sql, "event_store");
  const { state, handlers } = recorder();
  const consumer = storeTailConsumer({ eventSql: sql, groupId: "g", batchSize: 7, pollMs: 200 });
  await consumer.start(handlers);
  const expected = new Map<string, number>();
  try {
    // 8 writers, 24 streams of 1..6 events, appended at the same time.
    const lengths = Array.from({ length: 24 }, (_, i) => 1 + (i % 6));
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; i < lengths.length; i += 8) {
        expected.set(await appendPost(sql, lengths[i]), lengths[i]);
      }
    }));

    // A transaction takes a position, then a later position commits first.
    const early = postStreamId(crypto.randomUUID());
    let inserted!: () => void;
    const positionTaken = new Promise<void>((resolve) => inserted = resolve);
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    const open = sql.begin(async (tx) => {
      const event = postCreated(postIdOf(early));
      await tx`insert into streams (stream_id, stream_type, version) values (${early}, 'post', 1)`;
      await tx`insert into events (stream_id, stream_type, stream_version, event_id, event_type,
                                   schema_version, data, metadata)
               values (${early}, 'post', 1, ${crypto.randomUUID()}, ${event.type},
                       ${schemaVersions[event.type]}, ${tx.json(event.data)},
                       ${tx.json({ userId: null, correlationId: "c", causationId: "c" })})`;
      inserted();
      await released;
    });
    await positionTaken;
    const late = await appendPost(sql, 2);
    expected.set(late, 2);
    await until("the concurrent appends", () => state.applied.length === 84);
    assert.ok(!state.applied.some((a) => a.streamId === late), "held back behind the open one");
    state.failNext = true; // the next batch rolls back once
    release();
    await open;
    expected.set(early, 1);
    await until("the out-of-order pair", () => state.applied.length === 87);
    const earlyAt = state.applied.findIndex((a) => a.streamId === early);
    const lateAt = state.applied.findIndex((a) => a.streamId === late);
    assert.ok(earlyAt >= 0 && earlyAt < lateAt, "the earlier transaction comes first");
    assert.ok(
      state.applied[earlyAt].position < state.applied[lateAt].position,
      "positions were taken in the other order than the commits",
    );
    assert.equal(state.failNext, false, "a batch failed and was delivered again");
    assertExactlyOnceInOrder(state.applied, expected);
  } finally {
    await consumer.stop();
  }

  // Appended while stopped; a new consumer resumes at the checkpoint.
  expected.set(await appendPost(sql, 3), 3);
  const resumed = recorder(state.next);
  resumed.state.applied = state.applied;
  const again = storeTailConsumer({ eventSql: sql, groupId: "g", pollMs: 200 });
  await again.start(resumed.handlers);
  try {
    await until("the events appended while stopped", () => state.applied.length === 90);
    assertExactlyOnceInOrder(state.applied, expected);
  } finally {
    await again.stop();
  }

  // A consumer started at an older checkpoint (a crash before the commit) replays from there.
  const replay = recorder(80);
  const third = storeTailConsumer({ eventSql: sql, groupId: "g", pollMs: 200 });
  await third.start(replay.handlers);
  try {
    await until("the replay", () => replay.state.applied.length === 10);
    assert.deepEqual(
      replay.state.applied.map((a) => a.position),
      state.applied.slice(80).map((a) => a.position),
      "an offset names the same event across restarts",
    );
  } finally {
    await third.stop();
  }
});

Deno.test("Store tail - one member of a group consumes, the other stands by and takes over", async () => {
  await using db = await tempDatabase();
  const sql = db.connect({ max: 8 });
  await migrate(sql, "event_store");
  const shared = recorder();
  const a = storeTailConsumer({ eventSql: sql, groupId: "g", pollMs: 100 });
  const b = storeTailConsumer({ eventSql: sql, groupId: "g", pollMs: 100 });
  await a.start(shared.handlers);
  await until("a leads", () => a.assignment().length === 1);
  await b.start(shared.handlers);
  const expected = new Map([[await appendPost(sql, 3), 3]]);
  await until("first events", () => shared.state.applied.length === 3);
  assert.deepEqual(b.assignment(), []);
  await a.stop();
  await until("b takes over", () => b.assignment().length === 1);
  expected.set(await appendPost(sql, 2), 2);
  await until("later events", () => shared.state.applied.length === 5);
  await b.stop();
  assertExactlyOnceInOrder(shared.state.applied, expected);
});

Deno.test("Store tail - the projector behind it: commands become rows, the verifier is clean across a restart", async () => {
  await using s = await stores();
  const worker = await startStoreTailWorker({
    eventSql: s.eventSql,
    readSql: s.readSql,
    groupId: "agora-projector",
    pollMs: 200,
  });
  const alice = await s.register("alice");
  const { postId } = await s.mediator.send({ type: "CreatePost", message: "tailed" }, alice);
  await s.mediator.send({ type: "LikePost", postId }, alice);
  try {
    await projected(s);
  } finally {
    await worker.stop();
  }
  await s.mediator.send({ type: "AddComment", postId, comment: "after a restart" }, alice);
  const again = await startStoreTailWorker({
    eventSql: s.eventSql,
    readSql: s.readSql,
    groupId: "agora-projector",
    pollMs: 200,
  });
  try {
    await projected(s);
  } finally {
    await again.stop();
  }
  const [{ n }] = await s.readSql`select count(*)::int as n from comments`;
  assert.equal(n, 1);
  const [{ next_offset }] = await s.readSql`
    select next_offset from projector_checkpoints where topic = ${STORE_TAIL_TOPIC}`;
  const [{ events }] = await s.eventSql`select count(*)::int as events from events`;
  assert.equal(Number(next_offset), events, "the checkpoint counts every event once");
  const verification = await verifyReadModel(s);
  assert.deepEqual(verification.differences, []);
});
