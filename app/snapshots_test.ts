import assert from "node:assert/strict";
import { type Actor, postSnapshotCodec, postStreamId } from "../domain/mod.ts";
import { postgresEventStore } from "../infra/postgres/event_store.ts";
import { migrate } from "../infra/postgres/migrate.ts";
import { postgresSnapshotStore } from "../infra/postgres/snapshots.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { requestContext } from "./context.ts";
import type { EventStore } from "./ports.ts";
import { commandSide } from "./test_utils.ts";

const actor = (i: number): Actor => ({
  userId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  username: `fan_${i}`,
  isAdmin: false,
});

/** The event store, counting the events each readStream returns. */
function counting(store: EventStore) {
  const reads: number[] = [];
  return {
    reads,
    store: {
      ...store,
      async readStream(...args: Parameters<EventStore["readStream"]>) {
        const events = await store.readStream(...args);
        reads.push(events.length);
        return events;
      },
    } satisfies EventStore,
  };
}

async function setUp() {
  const db = await tempDatabase();
  const sql = db.connect();
  await migrate(sql, "event_store");
  const { store, reads } = counting(postgresEventStore(sql));
  const snapshots = postgresSnapshotStore(sql);
  // Holding no states between commands, so each loads as a fresh process would.
  const { mediator } = commandSide({ store, snapshots, snapshotEvery: 50, cachedStreams: 0 });
  return { db, sql, store, reads, snapshots, mediator };
}

Deno.test("Snapshots - a long stream loads from its snapshot plus the events after it", async () => {
  const { db, reads, snapshots, mediator } = await setUp();
  await using _ = db;
  const { postId } = await mediator.send(
    { type: "CreatePost", message: "popular" },
    requestContext({ actor: actor(0) }),
  );
  for (let i = 1; i <= 120; i++) {
    await mediator.send({ type: "LikePost", postId }, requestContext({ actor: actor(i) }));
  }
  const snapshot = await snapshots.load(postStreamId(postId));
  assert.equal(snapshot?.version, 100, "taken when the version crossed 100");
  assert.equal(snapshot?.schemaVersion, postSnapshotCodec.schemaVersion);

  reads.length = 0;
  // A fan who liked before the snapshot likes again: the snapshot knows, so nothing happens.
  const again = await mediator.send(
    { type: "LikePost", postId },
    requestContext({ actor: actor(7) }),
  );
  assert.equal(again.version, 121);
  assert.deepEqual(reads, [21], "only the 21 events after version 100 were read");
  const fresh = await mediator.send(
    { type: "LikePost", postId },
    requestContext({ actor: actor(999) }),
  );
  assert.equal(fresh.version, 122);
});

Deno.test("Snapshots - one of another schema version is ignored, and the answer is the same", async () => {
  const { db, reads, snapshots, mediator } = await setUp();
  await using _ = db;
  const { postId } = await mediator.send(
    { type: "CreatePost", message: "p" },
    requestContext({ actor: actor(0) }),
  );
  for (let i = 1; i <= 60; i++) {
    await mediator.send({ type: "LikePost", postId }, requestContext({ actor: actor(i) }));
  }
  const saved = await snapshots.load(postStreamId(postId));
  assert.ok(saved, "a snapshot was taken at version 50");
  await snapshots.save({ ...saved, schemaVersion: 99, state: { nonsense: true } });
  reads.length = 0;
  const again = await mediator.send(
    { type: "LikePost", postId },
    requestContext({ actor: actor(3) }),
  );
  assert.equal(again.version, 61, "a second like is still a no-op");
  assert.deepEqual(reads, [61], "the whole stream was read instead");
});
