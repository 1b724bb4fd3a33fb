import assert from "node:assert/strict";
import { postStreamId } from "../domain/mod.ts";
import type { SnapshotChange, SnapshotStore } from "./ports.ts";

const SCHEMA = 2;

/** A change of a fresh stream's snapshot to `version`, built on `base`, upserting `keys`. */
function change(
  streamId: string,
  version: number,
  base: number | null,
  options: { keys?: string[]; removals?: string[]; schemaVersion?: number } = {},
): SnapshotChange {
  return {
    streamId,
    version,
    position: version * 10,
    schemaVersion: options.schemaVersion ?? SCHEMA,
    head: { version },
    base,
    upserts: (options.keys ?? []).map((key) => [key, { key }] as const),
    removals: options.removals ?? [],
  };
}

/** The keys a snapshot has among `asked`, sorted. */
async function keysOf(store: SnapshotStore, streamId: string, asked: string[]) {
  const snapshot = await store.load(streamId, asked);
  return snapshot?.entries.map(([key]) => key).sort() ?? null;
}

/**
 * What every SnapshotStore must do, as named cases: infra/postgres's store and
 * the in-memory one run the same cases, so the application's tests on the
 * in-memory store hold on PostgreSQL too.
 *
 * @example
 * ```ts
 * for (const [name, run] of Object.entries(snapshotStoreContract)) {
 *   Deno.test(`In-memory snapshots - ${name}`, () => run(inMemorySnapshots()));
 * }
 * ```
 */
export const snapshotStoreContract: Record<string, (store: SnapshotStore) => Promise<void>> = {
  async "load answers the head and only the entries asked for; null for a stream with none"(store) {
    const streamId = postStreamId(crypto.randomUUID());
    assert.equal(await store.load(streamId, []), null);
    assert.equal(await store.save(change(streamId, 5, null, { keys: ["a", "b", "c"] })), true);
    const snapshot = await store.load(streamId, ["a", "c", "missing"]);
    assert.deepEqual(
      { ...snapshot, entries: snapshot?.entries.toSorted() },
      {
        streamId,
        version: 5,
        position: 50,
        schemaVersion: SCHEMA,
        head: { version: 5 },
        entries: [["a", { key: "a" }], ["c", { key: "c" }]],
      },
    );
    assert.deepEqual(await keysOf(store, streamId, []), []);
  },

  async "a save on its base upserts and removes entries; on another base it writes nothing"(store) {
    const streamId = postStreamId(crypto.randomUUID());
    await store.save(change(streamId, 5, null, { keys: ["a", "b"] }));
    assert.equal(await store.save(change(streamId, 9, 5, { keys: ["c"], removals: ["a"] })), true);
    assert.deepEqual(await keysOf(store, streamId, ["a", "b", "c"]), ["b", "c"]);
    assert.equal(await store.save(change(streamId, 12, 5, { keys: ["d"] })), false, "stale base");
    assert.equal((await store.load(streamId, []))?.version, 9);
    assert.deepEqual(await keysOf(store, streamId, ["d"]), []);
  },

  async "of two saves on one base, one wins and only its entries are written"(store) {
    const streamId = postStreamId(crypto.randomUUID());
    await store.save(change(streamId, 50, null, { keys: ["a"] }));
    const results = await Promise.all([
      store.save(change(streamId, 100, 50, { keys: ["b"] })),
      store.save(change(streamId, 101, 50, { keys: ["c"] })),
    ]);
    assert.deepEqual(results.toSorted(), [false, true]);
    const [version, winner] = results[0] ? [100, "b"] : [101, "c"];
    assert.equal((await store.load(streamId, []))?.version, version);
    assert.deepEqual(await keysOf(store, streamId, ["a", "b", "c"]), ["a", winner]);
  },

  async "a save from the first event replaces an older snapshot and all its entries, not a newer one"(
    store,
  ) {
    const streamId = postStreamId(crypto.randomUUID());
    await store.save(change(streamId, 50, null, { keys: ["a", "b"] }));
    assert.equal(await store.save(change(streamId, 50, null, { keys: ["x"] })), false, "as new");
    assert.equal(await store.save(change(streamId, 40, null, { keys: ["x"] })), false, "older");
    assert.equal(await store.save(change(streamId, 60, null, { keys: ["c"] })), true);
    assert.deepEqual(await keysOf(store, streamId, ["a", "b", "c", "x"]), ["c"]);
  },

  async "a save from the first event replaces one of another schema version, whatever its version"(
    store,
  ) {
    const streamId = postStreamId(crypto.randomUUID());
    await store.save(change(streamId, 90, null, { keys: ["old"], schemaVersion: 1 }));
    assert.equal(await store.save(change(streamId, 9, 90, { keys: ["x"] })), false, "no base");
    assert.equal(await store.save(change(streamId, 60, null, { keys: ["new"] })), true);
    const snapshot = await store.load(streamId, ["old", "new"]);
    assert.equal(snapshot?.schemaVersion, SCHEMA);
    assert.deepEqual(snapshot?.entries.map(([key]) => key), ["new"]);
  },
};
