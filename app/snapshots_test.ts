import assert from "node:assert/strict";
import { fan as actor } from "../domain/test_utils.ts";
import { foldPost, isPostEvent, postSnapshotShape, postStreamId } from "../domain/mod.ts";
import { postgresEventStore } from "../infra/postgres/event_store.ts";
import { migrate } from "../infra/postgres/migrate.ts";
import { postgresSnapshotStore } from "../infra/postgres/snapshots.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { ownEvents } from "./aggregate.ts";
import { postAggregate } from "./post_handlers.ts";
import { advanceSnapshot } from "./snapshots.ts";
import { requestContext } from "./context.ts";
import type { Mediator } from "./mediator.ts";
import type { EventStore } from "./ports.ts";
import { commandSide } from "./test_utils.ts";

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

/**
 * A post by fan 0, liked by fans 1 to `likes` one after the other, each
 * like's snapshot work (moved off the commands' path) done before the next;
 * its id.
 */
async function likedPost(
  side: { mediator: Mediator; settled(): Promise<void> },
  likes: number,
): Promise<string> {
  const { postId } = await side.mediator.send(
    { type: "CreatePost", message: "popular" },
    requestContext({ actor: actor(0) }),
  );
  for (let i = 1; i <= likes; i++) {
    await side.mediator.send({ type: "LikePost", postId }, requestContext({ actor: actor(i) }));
    await side.settled();
  }
  return postId;
}

/** Likes and unlikes of one post through `mediator` (another process), by fan number. */
function likerIn(mediator: Mediator, postId: string) {
  return (type: "LikePost" | "UnlikePost", fan: number) =>
    mediator.send({ type, postId }, requestContext({ actor: actor(fan) }));
}

async function setUp() {
  const db = await tempDatabase();
  const sql = db.connect();
  await migrate(sql, "event_store");
  const { store, reads } = counting(postgresEventStore(sql));
  const snapshots = postgresSnapshotStore(sql);
  // Holding no states between commands, so each loads as a fresh process would.
  const side = commandSide({ store, snapshots, snapshotEvery: 50, cachedStreams: 0 });
  return { db, sql, store, reads, snapshots, side, mediator: side.mediator };
}

Deno.test("Snapshots - a long stream loads from its snapshot plus the events after it", async () => {
  const { db, reads, snapshots, side, mediator } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 120);
  const snapshot = await snapshots.load(postStreamId(postId), []);
  assert.equal(snapshot?.version, 100, "taken when the version crossed 100");
  assert.equal(snapshot?.schemaVersion, postSnapshotShape.schemaVersion);

  reads.length = 0;
  // A fan who liked before the snapshot likes again: the snapshot knows, so nothing happens.
  const again = await mediator.send(
    { type: "LikePost", postId },
    requestContext({ actor: actor(7) }),
  );
  assert.equal(again.version, 121);
  assert.equal(again.likes, 120);
  assert.deepEqual(reads, [21], "only the 21 events after version 100 were read");
  const fresh = await mediator.send(
    { type: "LikePost", postId },
    requestContext({ actor: actor(999) }),
  );
  assert.equal(fresh.version, 122);
  assert.equal(fresh.likes, 121, "the count comes from the snapshot's head and the events after");
});

Deno.test("Snapshots - one of another schema version is ignored, and the answer is the same", async () => {
  const { db, reads, snapshots, side, mediator } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 60);
  const saved = await snapshots.load(postStreamId(postId), []);
  assert.ok(saved, "a snapshot was taken at version 50");
  const replaced = await snapshots.save({
    ...saved,
    schemaVersion: 99,
    head: { nonsense: true },
    base: null,
    upserts: [],
    removals: [],
  });
  assert.ok(replaced);
  reads.length = 0;
  const again = await mediator.send(
    { type: "LikePost", postId },
    requestContext({ actor: actor(3) }),
  );
  assert.equal(again.version, 61, "a second like is still a no-op");
  assert.deepEqual(reads, [61], "the whole stream was read instead");
});

Deno.test("Snapshots - a process holding part of a post reads the entry a later command needs", async () => {
  const { db, sql, store, snapshots, side } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 60);
  // Another process, which keeps the states it loads: it loads the post from the
  // snapshot at version 50 with fan 7's entry only.
  const other = commandSide({ store, snapshots, snapshotEvery: 50 }).mediator;
  const again = await other.send({ type: "LikePost", postId }, requestContext({ actor: actor(7) }));
  assert.equal(again.version, 61, "fan 7 likes already");
  // Fan 8 liked before the snapshot too; the state it holds has no entry for fan 8.
  const unliked = await other.send(
    { type: "UnlikePost", postId },
    requestContext({ actor: actor(8) }),
  );
  assert.equal(unliked.version, 62, "the unlike was decided on fan 8's entry, read for it");
  assert.equal(unliked.likes, 59);
  const [{ count }] = await sql`select count(*)::int from events where event_type = 'PostUnliked'`;
  assert.equal(count, 1);
});

Deno.test("Snapshots - the entries are the post's likers and live comments at the snapshot's version", async () => {
  const { db, sql, store, mediator, side: { settled } } = await setUp();
  await using _ = db;
  const ctx = (i: number) => requestContext({ actor: actor(i) });
  const { postId } = await mediator.send({ type: "CreatePost", message: "p" }, ctx(0));
  const comments: string[] = [];
  for (let i = 1; i <= 160; i++) {
    await mediator.send({ type: "LikePost", postId }, ctx(i % 23));
    if (i % 3 === 0) await mediator.send({ type: "UnlikePost", postId }, ctx((i + 5) % 23));
    if (i % 4 === 0) {
      const { commentId } = await mediator.send(
        { type: "AddComment", postId, comment: `c${i}` },
        ctx(i),
      );
      comments.push(commentId);
    }
    if (i % 10 === 0) {
      await mediator.send(
        { type: "RemoveComment", postId, commentId: comments.shift()! },
        ctx(0), // the post's author
      );
    }
  }
  await settled();
  const streamId = postStreamId(postId);
  const [head] = await sql`select version from snapshots where stream_id = ${streamId}`;
  assert.ok(Number(head.version) >= 100, `moved forward to ${head.version}`);
  const events = ownEvents(streamId, await store.readStream(streamId), isPostEvent);
  const expected = foldPost(events.slice(0, Number(head.version)));
  assert.ok(expected.status === "active");
  const rows = await sql`select key, value from snapshot_entries where stream_id = ${streamId}`;
  assert.deepEqual(
    new Map(rows.map((r) => [r.key, r.value])),
    new Map<string, unknown>([
      ...[...expected.likers].map((u): [string, unknown] => [`liker:${u}`, true]),
      ...[...expected.comments].map(([id, c]): [string, unknown] => [`comment:${id}`, c]),
    ]),
  );
  assert.ok(expected.likers.size > 0 && expected.comments.size > 0);
  const [stored] = await sql`select state from snapshots where stream_id = ${streamId}`;
  assert.equal(stored.state.likes, expected.likers.size, "the head's like count");
});

Deno.test("Snapshots - a process holding part of a post keeps it exact across its own appends and others'", async () => {
  const { db, store, snapshots, side } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 60);
  const one = commandSide({ store, snapshots, snapshotEvery: 50 }).mediator;
  const two = commandSide({ store, snapshots, snapshotEvery: 50 }).mediator;
  const send = (m: typeof one, type: "LikePost" | "UnlikePost", fan: number) =>
    m.send({ type, postId }, requestContext({ actor: actor(fan) }));
  assert.equal((await send(two, "LikePost", 500)).version, 62); // two holds fan 500's entry
  assert.equal((await send(one, "LikePost", 501)).version, 63); // one holds fan 501's, appends
  assert.equal(
    (await send(two, "LikePost", 500)).version,
    63,
    "a no-op: two reads the event since",
  );
  // Fan 8 liked before the snapshot; neither process has read fan 8's entry.
  const unliked = await send(two, "UnlikePost", 8);
  assert.equal(unliked.version, 64);
  assert.equal(unliked.likes, 61);
  const again = await send(one, "UnlikePost", 9);
  assert.equal(again.version, 65);
  assert.equal(again.likes, 60);
});

Deno.test("Snapshots - moving forward: a snapshot moved by another writer meanwhile is left alone", async () => {
  const { db, store, snapshots, side, mediator } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 70);
  const streamId = postStreamId(postId);
  const snapshotting = { store: snapshots, shape: postSnapshotShape, every: 50 };
  // The keyed load (the second one) comes after another writer moved the snapshot to 71.
  let raced = false;
  const racing = {
    ...snapshots,
    async load(id: string, keys: readonly string[]) {
      if (keys.length > 0 && !raced) {
        raced = true;
        assert.ok(
          await advanceSnapshot(store, {
            streamId,
            aggregate: postAggregate,
            snapshots: snapshotting,
          }),
        );
      }
      return await snapshots.load(id, keys);
    },
  };
  const moved = await advanceSnapshot(store, {
    streamId,
    aggregate: postAggregate,
    snapshots: { ...snapshotting, store: racing },
  });
  assert.equal(moved, false);
  assert.equal((await snapshots.load(streamId, []))?.version, 71);
  const next = await mediator.send(
    { type: "LikePost", postId },
    requestContext({ actor: actor(99) }),
  );
  assert.equal(next.version, 72);
});

Deno.test("Snapshots - moving forward: entries that cannot be read are rebuilt from the first event, every one", async () => {
  const { db, sql, store, snapshots, side, mediator } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 49);
  const streamId = postStreamId(postId);
  await sql`update snapshot_entries set value = '"damaged"' where stream_id = ${streamId}`;
  // Commands reading a damaged entry fold the stream instead; these unlikes touch five.
  for (let i = 1; i <= 5; i++) {
    const { likes } = await mediator.send(
      { type: "UnlikePost", postId },
      requestContext({ actor: actor(i) }),
    );
    assert.equal(likes, 49 - i);
  }
  assert.ok(
    await advanceSnapshot(store, {
      streamId,
      aggregate: postAggregate,
      snapshots: { store: snapshots, shape: postSnapshotShape, every: 50 },
    }),
  );
  const rows = await sql`select value from snapshot_entries where stream_id = ${streamId}`;
  assert.equal(rows.length, 44, "every liker's entry, rewritten");
  assert.ok(rows.every((r) => r.value === true));
});

Deno.test("Snapshots - moving forward from another schema version drops its entries", async () => {
  const { db, sql, store, snapshots, mediator } = await setUp();
  await using _ = db;
  const { postId } = await mediator.send(
    { type: "CreatePost", message: "p" },
    requestContext({ actor: actor(0) }),
  );
  await mediator.send({ type: "LikePost", postId }, requestContext({ actor: actor(1) }));
  const streamId = postStreamId(postId);
  await snapshots.save({
    streamId,
    version: 1,
    position: 1,
    schemaVersion: 1,
    head: {},
    base: null,
    upserts: [["liker:ghost", true]],
    removals: [],
  });
  assert.ok(
    await advanceSnapshot(store, {
      streamId,
      aggregate: postAggregate,
      snapshots: { store: snapshots, shape: postSnapshotShape, every: 50 },
    }),
  );
  const keys = (await sql`select key from snapshot_entries where stream_id = ${streamId}`)
    .map((r) => r.key);
  assert.deepEqual(keys, [`liker:${actor(1).userId}`]);
});

Deno.test("Snapshots - a state held in part is given a missing entry from the snapshot alone", async () => {
  const { db, sql, store, reads, snapshots, side } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 60);
  const send = likerIn(commandSide({ store, snapshots, snapshotEvery: 50 }).mediator, postId);
  await send("LikePost", 7); // a no-op: loads the snapshot with fan 7's entry, reads again
  const readsSoFar = reads.length;
  const unliked = await send("UnlikePost", 8); // fan 8 liked before the snapshot
  assert.equal(unliked.version, 62);
  assert.equal(unliked.likes, 59);
  const liked = await send("LikePost", 501); // no entry: a new like
  assert.equal(liked.version, 63);
  assert.equal(liked.likes, 60);
  assert.equal(reads.length, readsSoFar, "no stream read: each entry read from the snapshot");
  const [{ count }] = await sql`select count(*)::int from events where event_type = 'PostUnliked'`;
  assert.equal(count, 1);
});

Deno.test("Snapshots - an entry changed since the snapshot is not taken from it: the stream is read again", async () => {
  const { db, sql, store, reads, snapshots, side, mediator } = await setUp();
  await using _ = db;
  const postId = await likedPost(side, 60);
  const send = likerIn(commandSide({ store, snapshots, snapshotEvery: 50 }).mediator, postId);
  await send("LikePost", 7); // holds the post in part, with fan 7's entry
  await mediator.send({ type: "UnlikePost", postId }, requestContext({ actor: actor(9) }));
  await send("LikePost", 7); // a no-op again: reads the unlike since, fan 9's entry changed
  const again = await send("UnlikePost", 9); // the snapshot still says fan 9 likes it
  assert.equal(again.version, 62, "a no-op: fan 9 took the like back already");
  const [{ count }] = await sql`select count(*)::int from events where event_type = 'PostUnliked'`;
  assert.equal(count, 1);
  const readsSoFar = reads.length;
  const unliked = await send("UnlikePost", 7); // fan 7's entry, from the snapshot again
  assert.equal(unliked.version, 63);
  assert.equal(reads.length, readsSoFar, "no stream read for an entry no event changed");
});
