import { appliedPosition } from "./projections/read_model_progress.ts";
import assert from "node:assert/strict";
import { silentLogger } from "../app/log.ts";
import { loadConfig } from "./config.ts";
import type { Sql } from "./postgres/connect.ts";
import { cronPipeline, runPipelineTick, type TickResult } from "./cron_pipeline.ts";
import { assertVerified, brokers, projected, stores } from "./pipeline_test_utils.ts";

/** A tick's dependencies on the test's stores, with a topic and group of its own. */
function tickDeps(s: { eventSql: Sql; readSql: Sql }) {
  const id = crypto.randomUUID().slice(0, 8);
  const config = loadConfig({
    KAFKA_BROKERS: brokers().join(","),
    KAFKA_TOPIC: `agora.crontick.${id}`,
    KAFKA_GROUP_ID: `agora-crontick-${id}`,
    KAFKA_PARTITIONS: "2",
  });
  return { config, eventSql: s.eventSql, readSql: s.readSql, logger: silentLogger };
}

Deno.test({
  name:
    "a tick publishes and projects what was appended before it, then stops; idle ticks are free",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s = await stores();
    const deps = tickDeps(s);
    const alice = await s.register("alice");
    await s.mediator.send({ type: "CreatePost", message: "first" }, alice);

    const busy = await runPipelineTick(deps, { budgetMs: 30_000 });
    assert.equal(busy.outcome, "done");
    assert.equal(busy.pending, 2);
    await projected(s, { timeoutMs: 1 }); // already there: the tick returned after it
    const idle = await runPipelineTick(deps, { budgetMs: 30_000 });
    assert.equal(idle.outcome, "idle");

    // The second tick resumes from the relay cursor and the projector checkpoint.
    await s.mediator.send({ type: "CreatePost", message: "second" }, alice);
    const again = await runPipelineTick(deps, { budgetMs: 30_000 });
    assert.equal(again.outcome, "done");
    assert.equal(again.pending, 1);
    await projected(s, { timeoutMs: 1 });
    await assertVerified(s);
    // Applied positions pruned by a long-running projector still count as applied.
    await s.readSql`
      update projector_state set pruned_below = ${await appliedPosition(s.readSql)}
      where id = 'projector'`;
    await s.readSql`delete from applied_positions`;
    assert.equal((await runPipelineTick(deps, { budgetMs: 30_000 })).outcome, "idle");
    console.log(`tick: first ${busy.ms} ms, idle ${idle.ms} ms, next ${again.ms} ms`);
  },
});

Deno.test({
  name: "overlapping ticks (two isolates) and a tick cut off by its budget stay exactly once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using s = await stores();
    const deps = tickDeps(s);
    const bob = await s.register("bob");
    for (let i = 0; i < 20; i++) {
      await s.mediator.send({ type: "CreatePost", message: `post ${i}` }, bob);
    }
    // A budget too short to finish, then two ticks at once.
    const cut = await runPipelineTick(deps, { budgetMs: 1 });
    assert.equal(cut.outcome, "budget");
    const both = await Promise.all([
      runPipelineTick(deps, { budgetMs: 30_000 }),
      runPipelineTick(deps, { budgetMs: 30_000 }),
    ]);
    for (const result of both) assert.notEqual(result.outcome, "budget");
    await projected(s, { timeoutMs: 1 });
    await assertVerified(s);
  },
});

Deno.test("a runner runs one tick at a time and folds requests made meanwhile into one more", async () => {
  const runs: number[] = [];
  let release: (() => void) | null = null;
  const pipeline = cronPipeline(async (budgetMs) => {
    runs.push(budgetMs);
    if (runs.length === 1) await new Promise<void>((resolve) => release = resolve);
    return { outcome: "done", pending: 1, ms: 0 } satisfies TickResult;
  }, { budgetMs: 50_000, nudgeBudgetMs: 5_000, logger: silentLogger });
  pipeline.nudge();
  pipeline.nudge();
  pipeline.nudge();
  const ticked = pipeline.tick();
  assert.deepEqual(runs, [5_000], "one run so far");
  release!();
  await ticked;
  assert.deepEqual(runs, [5_000, 50_000], "one follow-up with the largest budget asked for");
  await pipeline.idle();
});

Deno.test("a failing nudge is logged, never thrown", async () => {
  const warned: string[] = [];
  const pipeline = cronPipeline(() => Promise.reject(new Error("broker away")), {
    budgetMs: 1_000,
    logger: { ...silentLogger, warn: (msg) => warned.push(msg) },
  });
  pipeline.nudge();
  await pipeline.idle();
  await Promise.resolve();
  assert.deepEqual(warned, ["pipeline nudge failed"]);
});
