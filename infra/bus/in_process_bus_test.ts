/**
 * The in-process bus: its own contract (order per key, batches, seek,
 * checkpoint resume, groups) with a recording handler, then the REAL relay
 * and projector on it against real PostgreSQL, ending with the verifier.
 */
import assert from "node:assert/strict";
import type { AnyEvent, PostEvent, RecordedEvent } from "../../domain/mod.ts";
import { assertVerified, lastPosition, projected, stores } from "../pipeline_test_utils.ts";
import { startRelay } from "../relay/relay.ts";
import { startWorker, type Worker } from "../worker.ts";
import type { BatchOutcome, ConsumedBatch, EventConsumer } from "./bus.ts";
import { inProcessBus, rewindRelay } from "./in_process_bus.ts";

const AT = "2026-01-01T10:00:00.000Z";
let position = 0;

/** A valid recorded PostLiked event of `streamId` at `version`. */
function liked(streamId: string, version: number): RecordedEvent<AnyEvent> {
  const event: PostEvent = { type: "PostLiked", data: { userId: crypto.randomUUID(), at: AT } };
  return {
    ...event,
    eventId: crypto.randomUUID(),
    streamId,
    streamType: "post",
    streamVersion: version,
    globalPosition: ++position,
    transactionId: String(1000 + position),
    schemaVersion: 1,
    occurredAt: new Date(AT),
    metadata: { userId: null, correlationId: "c", causationId: "c" },
  };
}

/** `n` events for each of `streams` streams, interleaved the way a busy store appends them. */
function interleaved(streams: number, n: number): RecordedEvent<AnyEvent>[] {
  const ids = Array.from({ length: streams }, () => `post-${crypto.randomUUID()}`);
  const events: RecordedEvent<AnyEvent>[] = [];
  for (let v = 1; v <= n; v++) for (const id of ids) events.push(liked(id, v));
  return events;
}

/** Woken after every handled batch of any recorder: tests wait on it, not on sleeps. */
let batchWaiters: (() => void)[] = [];
function batchHandled(): void {
  batchWaiters.forEach((wake) => wake());
  batchWaiters = [];
}

/** Resolves once `check` holds, re-checking after each handled batch; fails after `timeoutMs`. */
async function until_(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    const left = deadline - Date.now();
    if (left <= 0) assert.fail("timed out waiting for the consumers");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      batchWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

type Seen = { partition: number; offset: number; streamId: string; version: number };

/**
 * A consumer that records what it is handed and keeps its checkpoint in a
 * map, like the projector keeps it in PostgreSQL. `answer` may override the
 * outcome of a batch.
 */
function recorder(checkpoints = new Map<number, number>()) {
  const seen: Seen[] = [];
  const batches: ConsumedBatch[] = [];
  let answer: ((batch: ConsumedBatch) => BatchOutcome | null) | null = null;
  return {
    seen,
    batches,
    checkpoints,
    answer(fn: (batch: ConsumedBatch) => BatchOutcome | null) {
      answer = fn;
    },
    async start(consumer: EventConsumer) {
      await consumer.start({
        checkpoint: (_topic, partition) => Promise.resolve(checkpoints.get(partition) ?? null),
        handle(batch) {
          batches.push(batch);
          const custom = answer?.(batch);
          if (custom) return Promise.resolve(custom);
          for (const m of batch.messages) {
            assert.ok(m.event, m.error);
            seen.push({
              partition: batch.partition,
              offset: m.offset,
              streamId: m.event.streamId,
              version: m.event.streamVersion,
            });
          }
          const nextOffset = batch.messages.at(-1)!.offset + 1;
          checkpoints.set(batch.partition, nextOffset);
          batchHandled();
          return Promise.resolve({ kind: "done", nextOffset } as const);
        },
      });
    },
    /** Resolves once `n` messages were handled. */
    received(n: number) {
      return until_(() => seen.length >= n);
    },
  };
}

/** Stream id -> versions in the order they were handed over. */
function versionsByStream(seen: readonly Seen[]): Map<string, number[]> {
  const by = new Map<string, number[]>();
  for (const s of seen) by.set(s.streamId, [...(by.get(s.streamId) ?? []), s.version]);
  return by;
}

Deno.test("In-process bus - each stream in order, one partition per key, offsets contiguous", async () => {
  const bus = inProcessBus({ partitions: 4 });
  const publisher = await bus.publisher();
  const consumer = bus.consumer({ groupId: "g" });
  const r = recorder();
  await r.start(consumer);
  assert.deepEqual(consumer.assignment(), [0, 1, 2, 3], "a lone member gets every partition");
  const events = interleaved(12, 8);
  for (let i = 0; i < events.length; i += 7) await publisher.publish(events.slice(i, i + 7));
  await r.received(events.length);

  for (const [streamId, versions] of versionsByStream(r.seen)) {
    assert.deepEqual(versions, [1, 2, 3, 4, 5, 6, 7, 8], `order of ${streamId}`);
    const parts = new Set(r.seen.filter((s) => s.streamId === streamId).map((s) => s.partition));
    assert.equal(parts.size, 1, `${streamId} stays in one partition`);
  }
  for (let p = 0; p < 4; p++) {
    const offsets = r.seen.filter((s) => s.partition === p).map((s) => s.offset);
    assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p} offsets from 0`);
  }
  assert.ok(new Set(r.seen.map((s) => s.partition)).size > 1, "keys spread over partitions");
  await consumer.stop();
});

Deno.test("In-process bus - batches: per partition, at most maxBatch, in offset order", async () => {
  const bus = inProcessBus({ partitions: 2, maxBatch: 10 });
  const publisher = await bus.publisher();
  await publisher.publish(interleaved(5, 20)); // published before anyone listens: kept
  const consumer = bus.consumer({ groupId: "g" });
  const r = recorder();
  await r.start(consumer);
  await r.received(100);
  assert.ok(r.batches.every((b) => b.messages.length >= 1 && b.messages.length <= 10));
  assert.ok(r.batches.some((b) => b.messages.length === 10), "full batches when there is backlog");
  for (const b of r.batches) {
    const offsets = b.messages.map((m) => m.offset);
    assert.deepEqual(offsets, offsets.map((_, i) => offsets[0] + i), "one contiguous range");
  }
  await consumer.stop();
});

Deno.test("In-process bus - a seek outcome redelivers from the offset asked for", async () => {
  const bus = inProcessBus({ partitions: 1, maxBatch: 5 });
  const publisher = await bus.publisher();
  const consumer = bus.consumer({ groupId: "g" });
  const r = recorder();
  let sought = false;
  r.answer((batch) => {
    // The first time offset 5 shows up, go back to 2, as the projector does behind a checkpoint.
    if (!sought && batch.messages[0].offset === 5) {
      sought = true;
      return { kind: "seek", offset: 2 };
    }
    return null;
  });
  await r.start(consumer);
  await publisher.publish(interleaved(1, 12));
  await r.received(15); // 12, plus 2..4 again
  assert.deepEqual(r.seen.map((s) => s.offset), [0, 1, 2, 3, 4, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  await consumer.stop();
});

Deno.test("In-process bus - a new member resumes from the checkpoint; the last one drains on stop", async () => {
  const bus = inProcessBus({ partitions: 1 });
  const publisher = await bus.publisher();
  const first = recorder();
  const c1 = bus.consumer({ groupId: "g" });
  await first.start(c1);
  await publisher.publish(interleaved(1, 5));
  await first.received(5);
  // Published while nobody consumes after stop() would be kept for the group; stop() itself drains.
  await publisher.publish(interleaved(1, 3));
  await c1.stop();
  assert.equal(
    first.seen.length,
    8,
    "the last member handled everything published before its stop",
  );
  assert.deepEqual(c1.assignment(), []);

  await publisher.publish(interleaved(1, 4));
  const second = recorder(first.checkpoints); // the durable checkpoint says 8
  const c2 = bus.consumer({ groupId: "g" });
  await second.start(c2);
  await second.received(4);
  assert.deepEqual(second.seen.map((s) => s.offset), [8, 9, 10, 11]);
  await c2.stop();
});

Deno.test("In-process bus - a new bus numbers from the group's checkpoint: nothing skipped", async () => {
  // The previous process left checkpoint 50; this process's log starts empty.
  const bus = inProcessBus({ partitions: 1 });
  const publisher = await bus.publisher();
  await publisher.publish(interleaved(2, 3)); // the relay may publish before the projector starts
  const r = recorder(new Map([[0, 50]]));
  const other = recorder(); // another group, no checkpoint yet
  const c1 = bus.consumer({ groupId: "g" });
  const c2 = bus.consumer({ groupId: "other" });
  await Promise.all([r.start(c1), other.start(c2)]);
  await publisher.publish(interleaved(1, 2));
  await r.received(8);
  await other.received(8);
  assert.deepEqual(r.seen.map((s) => s.offset), [50, 51, 52, 53, 54, 55, 56, 57]);
  assert.deepEqual(other.seen.map((s) => s.offset), [0, 1, 2, 3, 4, 5, 6, 7]);
  await Promise.all([c1.stop(), c2.stop()]);
});

Deno.test("In-process bus - two members split the partitions; a leaving member hands over", async () => {
  const bus = inProcessBus({ partitions: 4 });
  const publisher = await bus.publisher();
  const checkpoints = new Map<number, number>();
  const a = recorder(checkpoints);
  const b = recorder(checkpoints);
  const ca = bus.consumer({ groupId: "g" });
  const cb = bus.consumer({ groupId: "g" });
  await a.start(ca);
  await b.start(cb);
  assert.deepEqual(ca.assignment(), [0, 2]);
  assert.deepEqual(cb.assignment(), [1, 3]);
  const events = interleaved(16, 3);
  await publisher.publish(events);
  await until_(() => a.seen.length + b.seen.length === events.length);
  assert.ok(a.seen.every((s) => s.partition % 2 === 0));
  assert.ok(b.seen.every((s) => s.partition % 2 === 1));

  await cb.stop();
  assert.deepEqual(ca.assignment(), [0, 1, 2, 3], "the partitions of the member that left move");
  const more = interleaved(16, 1);
  await publisher.publish(more);
  await until_(() => a.seen.length + b.seen.length === events.length + more.length);
  const all = [...a.seen, ...b.seen];
  for (const versions of versionsByStream(all).values()) {
    assert.deepEqual(versions, versions.map((_, i) => i + 1), "each stream whole and in order");
  }
  assert.equal(new Set(all.map((s) => `${s.partition}/${s.offset}`)).size, all.length, "no dup");
  await ca.stop();
});

Deno.test("In-process bus - an unreadable event is refused at publish, nothing appended", async () => {
  const bus = inProcessBus({ partitions: 1 });
  const publisher = await bus.publisher();
  const good = liked("post-x", 1);
  const bad = { ...liked("post-x", 2), data: { userId: "not-a-uuid", at: AT } };
  await assert.rejects(publisher.publish([good, bad as RecordedEvent<AnyEvent>]));
  const r = recorder();
  const consumer = bus.consumer({ groupId: "g" });
  await r.start(consumer);
  await publisher.publish([liked("post-y", 1)]);
  await r.received(1);
  assert.deepEqual(r.seen.map((s) => s.streamId), ["post-y"]);
  await consumer.stop();
});

// The real relay and projector on the in-process bus, real PostgreSQL ---------

type Stores = Awaited<ReturnType<typeof stores>>;

/** Users who post, like, comment, edit and delete. */
async function activity(s: Stores, posts = 6): Promise<void> {
  const users = await Promise.all(
    Array.from({ length: 3 }, () => s.register(`u_${crypto.randomUUID().slice(0, 8)}`)),
  );
  const postIds: string[] = [];
  for (let i = 0; i < posts; i++) {
    const { postId } = await s.mediator.send(
      { type: "CreatePost", message: `post ${i}` },
      users[i % users.length],
    );
    postIds.push(postId);
  }
  await Promise.all(
    postIds.flatMap((postId) => users.map((u) => s.mediator.send({ type: "LikePost", postId }, u))),
  );
  for (const [i, postId] of postIds.entries()) {
    const { commentId } = await s.mediator.send(
      { type: "AddComment", postId, comment: `comment ${i}` },
      users[(i + 1) % users.length],
    );
    if (i % 3 === 0) {
      await s.mediator.send(
        { type: "RemoveComment", postId, commentId },
        users[(i + 1) % users.length],
      );
    }
    if (i % 2 === 0) await s.mediator.send({ type: "UnlikePost", postId }, users[0]);
  }
  await s.mediator.send({ type: "EditMessage", postId: postIds[0], message: "edited" }, users[0]);
  await s.mediator.send({ type: "DeletePost", postId: postIds[1] }, users[1]);
}

const GROUP = "agora-projector";

function worker(s: Stores, bus = inProcessBus()): Promise<Worker> {
  return startWorker({ eventSql: s.eventSql, readSql: s.readSql, bus, groupId: GROUP });
}

async function checkpointsTotal(s: Stores): Promise<number> {
  const [{ n }] = await s.readSql`
    select coalesce(sum(next_offset), 0)::int as n from projector_checkpoints
    where consumer_group = ${GROUP}`;
  return n;
}

Deno.test("In-process bus - the real relay and projector project every command (verifier clean)", async () => {
  await using s = await stores();
  const w = await worker(s);
  try {
    await activity(s);
    await projected(s);
    await assertVerified(s);
  } finally {
    await w.stop();
  }
});

Deno.test("In-process bus - worker restarted with a new bus instance: nothing lost, verifier clean", async () => {
  await using s = await stores();
  const first = await worker(s);
  await activity(s, 4);
  await projected(s);
  const offsetsBefore = await checkpointsTotal(s);
  // Appends keep coming while the worker stops: the relay's cursor and the drain cover them.
  const during = activity(s, 3);
  await first.stop();
  await during;
  await activity(s, 2); // while no worker runs

  const second = await worker(s, inProcessBus()); // a new process: empty log, old checkpoints
  try {
    await projected(s);
    await assertVerified(s);
    assert.ok((await checkpointsTotal(s)) > offsetsBefore, "offsets continue past the old ones");
  } finally {
    await second.stop();
  }
});

Deno.test("In-process bus - after a crash, rewindRelay republishes what the lost log held", async () => {
  await using s = await stores();
  // A "crashed" process: its relay published (and saved its cursor) into a log no projector read.
  const lost = inProcessBus();
  const relay = startRelay({ sql: s.eventSql, publisher: await lost.publisher() });
  await activity(s, 3);
  const target = await lastPosition(s.eventSql);
  // caughtUp() answers "nothing readable now": another transaction on the server can hold that.
  const deadline = Date.now() + 10_000;
  while (relay.cursor().position < target) {
    assert.ok(Date.now() < deadline, "the relay published everything");
    await relay.caughtUp();
  }
  await relay.stop();
  const [cursor] = await s.eventSql`select position::int from relay_cursors where relay = 'main'`;
  assert.equal(cursor.position, target, "the relay counts everything as published");

  const moved = await rewindRelay({ eventSql: s.eventSql, readSql: s.readSql });
  assert.ok(moved && moved.position < target, "the cursor moved back before the unapplied events");
  const w = await worker(s, inProcessBus());
  try {
    await projected(s);
    await assertVerified(s);
    assert.equal(await rewindRelay({ eventSql: s.eventSql, readSql: s.readSql }), null);
  } finally {
    await w.stop();
  }
});
