import assert from "node:assert/strict";
import { liveHub, type LiveMessage } from "./live_hub.ts";

/** A hub over a fake change feed and a counted reader (pure unit: no I/O). */
function setup(options: { perClient?: number; total?: number } = {}) {
  const listeners = new Set<() => void>();
  let state = 0;
  const readsOf = new Map<string, number>();
  const hub = liveHub({
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    read(topic) {
      readsOf.set(topic, (readsOf.get(topic) ?? 0) + 1);
      return Promise.resolve({ position: state, event: "post", data: { topic, state } });
    },
    perClient: options.perClient ?? 1000,
    total: options.total ?? 1000,
    debounceMs: 1,
  });
  return {
    hub,
    readsOf,
    change() {
      state++;
      for (const l of listeners) l();
    },
  };
}

async function until(condition: () => boolean, timeoutMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 1));
  }
}

Deno.test("Live hub - 300 streams on one topic: one read per change, every stream gets it", async () => {
  const { hub, readsOf, change } = setup();
  const received: LiveMessage[][] = [];
  const subs = [];
  for (let i = 0; i < 300; i++) {
    const inbox: LiveMessage[] = [];
    received.push(inbox);
    const joined = hub.join({ topic: "post:1", client: "c", send: (m) => inbox.push(m) });
    assert.notEqual(typeof joined, "string");
    subs.push(joined as { close(): void });
  }
  await until(() => received.every((r) => r.length === 1));
  assert.equal(readsOf.get("post:1"), 1, "the current state: read once for all");
  change();
  change(); // a burst: debounced into one read
  await until(() => received.every((r) => r.length === 2));
  assert.equal(readsOf.get("post:1"), 2);
  assert.ok(received.every((r) => JSON.parse(r[1].json).state === 2));
  for (const s of subs) s.close();
  assert.equal(hub.open, 0);
});

Deno.test("Live hub - every (re)connection starts with the current state", async () => {
  const { hub, change } = setup();
  const first: LiveMessage[] = [];
  hub.join({ topic: "feed", client: "a", send: (m) => first.push(m) });
  await until(() => first.length === 1);
  change();
  await until(() => first.length === 2);
  const late: LiveMessage[] = [];
  hub.join({ topic: "feed", client: "b", send: (m) => late.push(m) });
  await until(() => late.length === 1);
  assert.equal(JSON.parse(late[0].json).state, 1);
});

Deno.test("Live hub - per-client and process caps; closing frees a slot", () => {
  const { hub } = setup({ perClient: 2, total: 3 });
  const a1 = hub.join({ topic: "feed", client: "a", send: () => {} });
  hub.join({ topic: "feed", client: "a", send: () => {} });
  assert.equal(hub.join({ topic: "feed", client: "a", send: () => {} }), "client_limit");
  hub.join({ topic: "feed", client: "b", send: () => {} });
  assert.equal(hub.join({ topic: "feed", client: "c", send: () => {} }), "process_limit");
  (a1 as { close(): void }).close();
  assert.notEqual(typeof hub.join({ topic: "feed", client: "a", send: () => {} }), "string");
});
