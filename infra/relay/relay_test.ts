import assert from "node:assert/strict";
import { postStreamId } from "../../domain/mod.ts";
import { postHistory, toNewEvents } from "../../bench/fixtures.ts";
import type { EventBus, EventPublisher } from "../bus/bus.ts";
import { stores, testBus } from "../pipeline_test_utils.ts";
import { startRelay } from "./relay.ts";

type Stores = Awaited<ReturnType<typeof stores>>;

/** `posts` posts of `length` events each, appended at once. */
async function appendPosts(s: Stores, options: { posts: number; length: number }) {
  for (let i = 0; i < options.posts; i++) {
    const postId = crypto.randomUUID();
    await s.store.append(postStreamId(postId), toNewEvents(postHistory(options.length, postId)), {
      expectedVersion: 0,
    });
  }
}

/** Every message on the topic, read by a fresh group until `count` arrived (bounded). */
async function consumeAll(bus: EventBus, count: number, timeoutMs = 60_000) {
  const seen: { partition: number; offset: number; streamId: string; version: number }[] = [];
  const consumer = bus.consumer({ groupId: `check-${crypto.randomUUID()}` });
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => done = resolve);
  await consumer.start({
    checkpoint: () => Promise.resolve(null),
    handle(batch) {
      for (const m of batch.messages) {
        assert.ok(m.event, "every message decodes");
        seen.push({
          partition: batch.partition,
          offset: m.offset,
          streamId: m.event.streamId,
          version: m.event.streamVersion,
        });
      }
      if (seen.length >= count) done();
      return Promise.resolve({ kind: "done", nextOffset: batch.messages.at(-1)!.offset + 1 });
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
  }
  return seen;
}

/** Waits (bounded) until relay `name` saved a cursor at `position`. */
async function cursorReaches(s: Stores, name: string, position: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await savedCursor(s, name))?.position !== position) {
    if (Date.now() > deadline) assert.fail(`relay ${name} did not reach position ${position}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function savedCursor(s: Stores, name: string) {
  const [row] = await s.eventSql`
    select transaction_id::text, position::int from relay_cursors where relay = ${name}`;
  return row ?? null;
}

Deno.test("Relay - publishes every event in stream order over several pages and saves the cursor after the acks", async () => {
  await using s = await stores();
  await appendPosts(s, { posts: 25, length: 100 }); // 2500 events: 5 pages of 500
  const bus = testBus();
  await bus.ensureTopic();
  const publisher = await bus.publisher();
  const relay = startRelay({ sql: s.eventSql, publisher, name: "r1", batchSize: 500 });
  try {
    const [{ last }] = await s.eventSql`select max(global_position)::int as last from events`;
    await cursorReaches(s, "r1", last);
    const seen = await consumeAll(bus, 2500);
    assert.equal(seen.length, 2500, "each event once");
    const versions = new Map<string, number>();
    for (const m of seen.sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      assert.equal(m.version, (versions.get(m.streamId) ?? 0) + 1, "stream order kept");
      versions.set(m.streamId, m.version);
    }
  } finally {
    await relay.stop();
    await publisher.close();
  }
});

Deno.test("Relay - a failed publish leaves the cursor where it was; the retry publishes", async () => {
  await using s = await stores();
  await appendPosts(s, { posts: 2, length: 10 });
  const bus = testBus();
  await bus.ensureTopic();
  const real = await bus.publisher();
  let failures = 0;
  let cursorWhileFailing: unknown = "unchecked";
  const flaky: EventPublisher = {
    async publish(events) {
      if (failures++ === 0) {
        cursorWhileFailing = await savedCursor(s, "r2");
        throw new Error("broker away");
      }
      await real.publish(events);
    },
    close: () => real.close(),
  };
  const relay = startRelay({ sql: s.eventSql, publisher: flaky, name: "r2", pollMs: 50 });
  try {
    await cursorReaches(s, "r2", 20);
    assert.equal(cursorWhileFailing, null, "nothing saved before the broker acknowledged");
    assert.equal((await consumeAll(bus, 20)).length, 20);
  } finally {
    await relay.stop();
    await flaky.close();
  }
});

Deno.test("Relay - one leader per name; a standby takes over when the leader stops", async () => {
  await using s = await stores();
  const bus = testBus();
  await bus.ensureTopic();
  const publisher = await bus.publisher();
  const first = startRelay({ sql: s.eventSql, publisher, name: "r3", pollMs: 50 });
  const leading = Date.now() + 10_000;
  while (!first.isLeader()) {
    if (Date.now() > leading) assert.fail("the first relay did not lead within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const second = startRelay({ sql: s.eventSql, publisher, name: "r3", pollMs: 50 });
  try {
    assert.equal(first.isLeader(), true);
    assert.equal(second.isLeader(), false);
    await first.stop();
    const deadline = Date.now() + 10_000;
    while (!second.isLeader()) {
      if (Date.now() > deadline) assert.fail("the standby did not take over within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await appendPosts(s, { posts: 1, length: 3 });
    await cursorReaches(s, "r3", 3);
  } finally {
    await first.stop();
    await second.stop();
    await publisher.close();
  }
});
