import assert from "node:assert/strict";
import { ConcurrencyError, type PostEvent, postStreamId } from "../domain/mod.ts";
import type { EventStore, NewEvent } from "./ports.ts";

const AT = "2026-01-01T10:00:00.000Z";
const userId = "00000000-0000-4000-8000-00000000a11c";

/** `n` PostLiked events on their way into a store, each with a fresh id. */
export function liked(n = 1): NewEvent[] {
  return Array.from({ length: n }, () => {
    const event: PostEvent = { type: "PostLiked", data: { userId: crypto.randomUUID(), at: AT } };
    return {
      eventId: crypto.randomUUID(),
      event,
      metadata: { userId, correlationId: crypto.randomUUID(), causationId: crypto.randomUUID() },
    };
  });
}

/**
 * What every EventStore must do, as named cases: infra/postgres's store and
 * the in-memory one run the same cases, so the application's tests on the
 * in-memory store hold on PostgreSQL too.
 *
 * @example
 * ```ts
 * for (const [name, run] of Object.entries(eventStoreContract)) {
 *   Deno.test(`In-memory event store - ${name}`, () => run(inMemoryEventStore()));
 * }
 * ```
 */
export const eventStoreContract: Record<string, (store: EventStore) => Promise<void>> = {
  async "append then read a stream back with metadata and positions"(store) {
    const streamId = postStreamId(crypto.randomUUID());
    const first = await store.append(streamId, liked(2), { expectedVersion: 0 });
    const second = await store.append(streamId, liked(1), { expectedVersion: 2 });
    assert.equal(first.nextExpectedVersion, 2);
    assert.equal(second.nextExpectedVersion, 3);
    assert.equal(first.duplicate, false);
    assert.ok(second.positions[0] > first.positions[1]);
    const events = await store.readStream(streamId);
    assert.deepEqual(events.map((e) => e.streamVersion), [1, 2, 3]);
    assert.deepEqual(events.map((e) => e.globalPosition), [
      ...first.positions,
      ...second.positions,
    ]);
    assert.equal(events[0].streamType, "post");
    assert.equal(events[0].type, "PostLiked");
    assert.equal(events[0].metadata.userId, userId);
    assert.equal(events[0].schemaVersion, 1);
    assert.ok(events[0].occurredAt instanceof Date);
    const window = await store.readStream(streamId, { fromVersion: 2, toVersion: 2 });
    assert.deepEqual(window.map((e) => e.streamVersion), [2]);
    assert.deepEqual(await store.readStream(postStreamId(crypto.randomUUID())), []);
  },

  async "concurrent appends at one expected version: one wins, the others conflict"(store) {
    const streamId = postStreamId(crypto.randomUUID());
    await store.append(streamId, liked(1), { expectedVersion: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.append(streamId, liked(1), { expectedVersion: 1 })),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "rejected") {
        assert.ok(r.reason instanceof ConcurrencyError, String(r.reason));
      }
    }
    assert.deepEqual((await store.readStream(streamId)).map((e) => e.streamVersion), [1, 2]);
  },

  async "a new stream is created once; a version ahead of the stream conflicts; any appends"(
    store,
  ) {
    const streamId = postStreamId(crypto.randomUUID());
    await store.append(streamId, liked(1), { expectedVersion: 0 });
    await assert.rejects(
      store.append(streamId, liked(1), { expectedVersion: 0 }),
      ConcurrencyError,
    );
    await assert.rejects(
      store.append(streamId, liked(1), { expectedVersion: 5 }),
      ConcurrencyError,
    );
    await assert.rejects(
      store.append(postStreamId(crypto.randomUUID()), liked(1), { expectedVersion: 3 }),
      ConcurrencyError,
    );
    const any = await store.append(streamId, liked(2), { expectedVersion: "any" });
    assert.equal(any.nextExpectedVersion, 3);
    assert.deepEqual((await store.readStream(streamId)).map((e) => e.streamVersion), [1, 2, 3]);
  },

  async "re-appending stored event ids returns the original positions and writes nothing"(store) {
    const streamId = postStreamId(crypto.randomUUID());
    const batch = liked(3);
    const original = await store.append(streamId, batch, { expectedVersion: 0 });
    const again = await store.append(streamId, batch, { expectedVersion: 0 });
    const anyAgain = await store.append(streamId, batch, { expectedVersion: "any" });
    assert.equal(again.duplicate, true);
    assert.equal(anyAgain.duplicate, true);
    assert.deepEqual(again.positions, original.positions);
    assert.deepEqual(anyAgain.positions, original.positions);
    assert.equal(again.nextExpectedVersion, 3);
    assert.equal((await store.readStream(streamId)).length, 3);
    const next = await store.append(streamId, liked(1), { expectedVersion: 3 });
    assert.equal(next.nextExpectedVersion, 4, "the stream did not advance on a duplicate");
  },

  async "an event id stored in another stream, or half a batch stored, conflicts and writes nothing"(
    store,
  ) {
    const one = postStreamId(crypto.randomUUID());
    const two = postStreamId(crypto.randomUUID());
    const batch = liked(2);
    await store.append(one, batch, { expectedVersion: 0 });
    await assert.rejects(store.append(two, batch, { expectedVersion: 0 }), ConcurrencyError);
    await assert.rejects(
      store.append(one, [batch[1], ...liked(1)], { expectedVersion: "any" }),
      ConcurrencyError,
    );
    assert.deepEqual(await store.readStream(two), []);
    assert.equal((await store.readStream(one)).length, 2);
  },
};
