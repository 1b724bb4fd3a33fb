/**
 * A worker killed while its partitions are being rebalanced (issue 14): one
 * worker applies a burst on every partition, a second joins the group, and
 * the first is SIGKILLed as the rebalance starts, mid-batch. The survivor
 * gets every partition after the group's session timeout, resumes from the
 * PostgreSQL checkpoints, and the read model ends with every accepted post
 * exactly once and the verifier clean.
 */
import { poll, stackFixture, startBurst } from "./processes.ts";

const PARTITIONS = 4;
const START_MS = 30_000;
/** The kafkajs session timeout (10 s) plus a rebalance, with room for a busy CI. */
const TAKEOVER_MS = 45_000;

/** Partitions of a worker's latest group join, from its log. */
function partitionsOf(logs: Record<string, unknown>[]): number[] {
  const joined = logs.filter((l) => l.msg === "projector joined group").at(-1);
  return Array.isArray(joined?.partitions) ? joined.partitions as number[] : [];
}

Deno.test("Worker rebalance - the first worker SIGKILLed as a second one joins, mid-batch: the second takes every partition, nothing lost or doubled", async () => {
  await using f = await stackFixture("rebalance");
  try {
    const env = { KAFKA_PARTITIONS: String(PARTITIONS) };
    const a = f.worker("worker-a", env);
    await poll(() => partitionsOf(a.logs()).length === PARTITIONS, {
      what: "worker-a to own every partition",
      timeoutMs: START_MS,
    });
    const burst = startBurst(f.users, { requestMs: 10_000 });
    await poll(() => burst.accepted.size >= 20, { what: "a burst in flight", timeoutMs: 30_000 });

    // The second worker's consumer starts joining: the group rebalances; kill the first now.
    const b = f.worker("worker-b", env);
    await poll(() => b.logs().some((l) => l.msg === "worker connected to the bus"), {
      what: "worker-b to start joining",
      timeoutMs: START_MS,
    });
    await a.kill();
    const at = burst.accepted.size;
    await poll(() => partitionsOf(b.logs()).length === PARTITIONS, {
      what: "worker-b to own every partition",
      timeoutMs: TAKEOVER_MS,
    });
    await poll(() => burst.accepted.size >= at + 15, { what: "posts after", timeoutMs: 30_000 });
    await burst.stopAllAccepted();
    await f.assertComplete(burst.accepted);
    await f.fleet.assertGracefulStop(["worker-a"]);
  } catch (error) {
    await f.fleet.failed(error);
  }
});
