import assert from "node:assert/strict";
import type { Actor } from "../domain/mod.ts";
import { sessionCache } from "./session_cache.ts";

const alice: Actor = { userId: "u-alice", username: "alice", isAdmin: false };
const root: Actor = { userId: "u-root", username: "root", isAdmin: true };

function counted(answers: Record<string, Actor | null>) {
  const calls: string[] = [];
  return {
    calls,
    resolve: (id: string) => {
      calls.push(id);
      return Promise.resolve(answers[id] ?? null);
    },
  };
}

Deno.test("session cache: one lookup per time-to-live, shared by concurrent requests", async () => {
  let now = 0;
  const lookups = counted({ s1: alice });
  const cache = sessionCache({ resolve: lookups.resolve, ttlMs: 1000, now: () => now });
  const answers = await Promise.all([cache.actor("s1"), cache.actor("s1"), cache.actor("s1")]);
  assert.deepEqual(answers, [alice, alice, alice]);
  assert.equal(await cache.actor("nope"), null);
  assert.deepEqual(lookups.calls, ["s1", "nope"]);
  now = 1001;
  await cache.actor("s1");
  assert.deepEqual(lookups.calls, ["s1", "nope", "s1"]);
});

Deno.test("session cache: forget and forgetUser (by id or name) drop sessions at once", async () => {
  const lookups = counted({ s1: alice, s2: alice });
  const cache = sessionCache({ resolve: lookups.resolve, ttlMs: 60_000 });
  await cache.actor("s1");
  await cache.actor("s2");
  cache.forget("s1");
  await cache.actor("s1");
  await cache.actor("s2");
  assert.deepEqual(lookups.calls, ["s1", "s2", "s1"]);
  cache.forgetUser("u-alice");
  await cache.actor("s2");
  cache.forgetUser("ALICE");
  await cache.actor("s1");
  assert.deepEqual(lookups.calls, ["s1", "s2", "s1", "s2", "s1"]);
});

Deno.test("session cache: administrators and failed lookups are never reused", async () => {
  let fail = true;
  const calls: string[] = [];
  const cache = sessionCache({
    ttlMs: 60_000,
    resolve(id) {
      calls.push(id);
      if (id === "bad" && fail) return Promise.reject(new Error("database down"));
      return Promise.resolve(id === "root" ? root : null);
    },
  });
  assert.equal(await cache.actor("root"), root);
  assert.equal(await cache.actor("root"), root);
  await assert.rejects(cache.actor("bad"));
  fail = false;
  assert.equal(await cache.actor("bad"), null);
  assert.deepEqual(calls, ["root", "root", "bad", "bad"]);
});

Deno.test("session cache: a time-to-live of 0 looks up every time", async () => {
  const lookups = counted({ s1: alice });
  const cache = sessionCache({ resolve: lookups.resolve, ttlMs: 0 });
  await cache.actor("s1");
  await cache.actor("s1");
  assert.equal(lookups.calls.length, 2);
});

Deno.test("session cache: a sign-out while a lookup is in flight drops that lookup", async () => {
  let release!: (actor: Actor) => void;
  const calls: string[] = [];
  const cache = sessionCache({
    ttlMs: 60_000,
    resolve(id) {
      calls.push(id);
      return calls.length === 1
        ? new Promise((resolve) => release = resolve)
        : Promise.resolve(null);
    },
  });
  const first = cache.actor("s1");
  cache.forgetUser("u-alice"); // arrives before the lookup answers
  release(alice);
  assert.equal(await first, alice);
  assert.equal(await cache.actor("s1"), null, "looked up again");
});
