import assert from "node:assert/strict";
import {
  type AnyEvent,
  type PostEvent,
  postStreamId,
  type RecordedEvent,
} from "../../domain/mod.ts";
import type { ConsumedMessage } from "../bus/bus.ts";
import { brokers, testBus } from "../pipeline_test_utils.ts";
import { Kafka, logLevel } from "kafkajs";

/** `count` recorded PostLiked events of one stream, positions from `first` (never stored: bus only). */
function events(count: number, first = 1, postId = crypto.randomUUID()): RecordedEvent<AnyEvent>[] {
  return Array.from({ length: count }, (_, i) => {
    const event: PostEvent = {
      type: "PostLiked",
      data: { userId: crypto.randomUUID(), at: new Date(0).toISOString() },
    };
    return {
      ...event,
      eventId: crypto.randomUUID(),
      streamId: postStreamId(postId),
      streamType: "post",
      streamVersion: i + 1,
      globalPosition: first + i,
      schemaVersion: 1,
      occurredAt: new Date(0),
      metadata: { userId: null, correlationId: "c", causationId: "c" },
    };
  });
}

/** Resolves when `ready()` holds, failing after `ms`. */
async function until(ready: () => boolean, what: () => string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("Kafka bus - a publish larger than one produce request arrives whole and in order, one message per run of a stream; a consumer starts at its checkpoint", async () => {
  const bus = testBus({ partitions: 1 });
  await bus.ensureTopic();
  const publisher = await bus.publisher();
  const consumer = bus.consumer({ groupId: `group-${crypto.randomUUID()}` });
  const received: { offset: number; position: number }[] = [];
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => done = resolve);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // 2,500 events of one stream, 0.5 KB each: 5 messages of 500 events, more than one request.
  const published = events(2500).map((e) => ({
    ...e,
    metadata: { ...e.metadata, correlationId: "c".repeat(100) },
  }));
  try {
    await publisher.publish(published);
    await consumer.start({
      // The durable checkpoint says: resume at offset 2 (the third message).
      checkpoint: () => Promise.resolve(2),
      handle(batch) {
        // The seek lands right after the join: a first fetch may still start earlier
        // (the projector skips those by offset, as here).
        for (const m of batch.messages) {
          if (m.offset >= 2) received.push({ offset: m.offset, position: m.event!.globalPosition });
        }
        if (received.length >= 1500) done();
        return Promise.resolve({ kind: "done", nextOffset: batch.messages.at(-1)!.offset + 1 });
      },
    });
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${received.length} of 1500`)), 60_000);
      }),
    ]);
    assert.deepEqual(
      received.map((r) => r.position),
      Array.from({ length: 1500 }, (_, i) => i + 1001),
    );
    // Every event of a message shares its offset.
    assert.deepEqual(
      received.map((r) => r.offset),
      Array.from({ length: 1500 }, (_, i) => 2 + Math.floor(i / 500)),
    );
  } finally {
    clearTimeout(timer);
    await consumer.stop();
    await publisher.close();
  }
});

Deno.test("Kafka bus - the key is the stream id: each stream stays on one partition, in version order, headers intact", async () => {
  const bus = testBus({ partitions: 3 });
  await bus.ensureTopic();
  const publisher = await bus.publisher();
  const consumer = bus.consumer({ groupId: `group-${crypto.randomUUID()}` });
  const streams = Array.from({ length: 6 }, (_, i) => events(20, i * 20 + 1));
  // Interleaved, as the relay publishes a page of many streams.
  const published = streams[0].flatMap((_, v) => streams.map((stream) => stream[v]));
  const seen: { partition: number; message: ConsumedMessage }[] = [];
  try {
    await publisher.publish(published);
    await consumer.start({
      checkpoint: () => Promise.resolve(null),
      handle(batch) {
        for (const message of batch.messages) seen.push({ partition: batch.partition, message });
        const last = batch.messages.at(-1);
        return Promise.resolve({ kind: "done", nextOffset: (last?.offset ?? -1) + 1 });
      },
    });
    await until(() => seen.length >= published.length, () => `${seen.length} of 120`);
    assert.equal(seen.length, published.length, "each once");
    for (const stream of streams) {
      const streamId = stream[0].streamId;
      const mine = seen.filter((s) => s.message.event?.streamId === streamId);
      assert.equal(new Set(mine.map((s) => s.partition)).size, 1, `${streamId} on one partition`);
      assert.deepEqual(
        mine.map((s) => s.message.event?.streamVersion),
        stream.map((e) => e.streamVersion),
      );
      assert.equal(mine[0].message.wire.key, streamId);
      assert.equal(mine[0].message.wire.headers["event-type"], "PostLiked");
      assert.equal(mine[0].message.wire.headers["event-id"], stream[0].eventId);
    }
  } finally {
    await consumer.stop();
    await publisher.close();
  }
});

Deno.test("Kafka bus - the group's committed offsets follow the handled batches, at most once per interval, and stop sends the last", async () => {
  const bus = testBus({ partitions: 1, offsetHintIntervalMs: 3_000 });
  await bus.ensureTopic();
  const groupId = `group-${crypto.randomUUID()}`;
  const publisher = await bus.publisher();
  const consumer = bus.consumer({ groupId });
  const admin = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING }).admin();
  const committed = async () => {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [bus.topic] });
    return Number(partitions[0].offset);
  };
  let handled = 0;
  try {
    await admin.connect();
    try {
      await consumer.start({
        checkpoint: () => Promise.resolve(null),
        handle(batch) {
          handled = batch.messages.at(-1)!.offset + 1;
          return Promise.resolve({ kind: "done", nextOffset: handled });
        },
      });
      // Ten publishes of one event each, 50 ms apart: ten messages, most in batches of their own.
      for (let i = 0; i < 10; i++) {
        await publisher.publish(events(1, i + 1));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await until(() => handled === 10, () => `handled ${handled} of 10`);
      // The first batch's offset went at once; the others wait for the interval.
      assert.ok(await committed() < 10, "not one commit per batch");
      const deadline = Date.now() + 10_000;
      while (await committed() !== 10 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(await committed(), 10, "the latest offset, once the interval passed");
      await publisher.publish(events(1, 11));
      await until(() => handled === 11, () => `handled ${handled} of 11`);
    } finally {
      await consumer.stop();
      await publisher.close();
    }
    assert.equal(await committed(), 11, "stop sent the last offset");
  } finally {
    await admin.disconnect();
  }
});
