import assert from "node:assert/strict";
import { postStreamId } from "../domain/mod.ts";
import { eventStoreContract, liked } from "./event_store_contract.ts";
import { inMemoryEventStore } from "./in_memory_event_store.ts";

for (const [name, run] of Object.entries(eventStoreContract)) {
  Deno.test(`In-memory event store - ${name}`, () => run(inMemoryEventStore()));
}

Deno.test("In-memory event store - what a caller holds is a copy: changing it changes nothing stored", async () => {
  const store = inMemoryEventStore();
  const streamId = postStreamId(crypto.randomUUID());
  const batch = liked(1);
  await store.append(streamId, batch, { expectedVersion: 0 });
  const [read] = await store.readStream(streamId);
  if (read.type !== "PostLiked" || batch[0].event.type !== "PostLiked") throw new Error("setup");
  const userId = read.data.userId;
  read.data.userId = "changed after reading";
  batch[0].event.data.userId = "changed after appending";
  const [again] = await store.readStream(streamId);
  assert.equal(again.type === "PostLiked" && again.data.userId, userId);
});

Deno.test("In-memory event store - an event its schema refuses is not stored, nor any of its batch", async () => {
  const store = inMemoryEventStore();
  const streamId = postStreamId(crypto.randomUUID());
  const [good] = liked(1);
  const bad = {
    ...liked(1)[0],
    event: { type: "PostLiked" as const, data: { userId: "x", at: "y" } },
  };
  await assert.rejects(store.append(streamId, [good, bad], { expectedVersion: 0 }));
  assert.deepEqual(await store.readStream(streamId), []);
  assert.deepEqual(store.all(), []);
});
