/**
 * Relay fail-over (issue 14): two workers against one event store, a web
 * process taking a burst of posts. The leading relay crashes (SIGKILL), or
 * loses its database connection while its process lives (a TCP proxy the
 * test cuts): the standby takes over within a stated bound, one relay leads
 * at a time, and the read model ends with every accepted post exactly once.
 */
import assert from "node:assert/strict";
import { type AppProcess, poll, stackFixture, startBurst, tcpProxy } from "./processes.ts";

const START_MS = 30_000;
/**
 * The standby's relay polls for the free leadership every second (its poll
 * interval); PostgreSQL ends a killed process's session, and with it the
 * advisory lock, as soon as the socket closes. 5 s leaves room on a busy CI.
 */
const TAKEOVER_MS = 5_000;
/** A cut connection is noticed at the next query on it, bounded by the relay's 10 s query timeout. */
const CUT_NOTICED_MS = 15_000;
const REQUEST_MS = 10_000;

const leaderSince = (worker: AppProcess) =>
  worker.logs().filter((l) => l.msg === "relay is the leader").map((l) =>
    Date.parse(String(l.time))
  );

Deno.test("Relay fail-over - the leader SIGKILLed mid-burst: the standby leads within 5 s, nothing lost or doubled", async () => {
  await using f = await stackFixture("relaykill");
  try {
    const a = f.worker("worker-a");
    await poll(() => leaderSince(a).length > 0, { what: "worker-a to lead", timeoutMs: START_MS });
    const b = f.worker("worker-b");
    await poll(() => b.logs().some((l) => l.msg === "worker connected to the bus"), {
      what: "worker-b to join",
      timeoutMs: START_MS,
    });
    assert.equal(leaderSince(b).length, 0, "worker-b is a standby");

    const burst = startBurst(f.users, { requestMs: REQUEST_MS });
    await poll(() => burst.accepted.size >= 15, {
      what: "posts before the crash",
      timeoutMs: 30_000,
    });
    const killedAt = Date.now();
    await a.kill();
    await poll(() => leaderSince(b).length > 0, {
      what: "worker-b to take over",
      timeoutMs: TAKEOVER_MS,
    });
    const tookMs = leaderSince(b)[0] - killedAt;
    console.log(`standby led ${tookMs} ms after the leader was killed`);
    await burst.acceptMore(15);
    await burst.stopAllAccepted();

    await f.assertComplete(burst.accepted);
    await f.fleet.assertGracefulStop(["worker-a"]);
  } catch (error) {
    await f.fleet.failed(error);
  }
});

Deno.test("Relay fail-over - the leader's database connection cut while its process lives: it steps down, the standby leads, never two at once", async () => {
  await using f = await stackFixture("relaycut");
  const target = Number(new URL(f.env.DATABASE_URL).port || 5432);
  await using proxy = tcpProxy(target);
  const viaProxy = new URL(f.env.DATABASE_URL);
  viaProxy.port = String(proxy.port);
  try {
    // worker-a reaches the event store through the proxy; its read store directly (the
    // projector keeps its partitions), so the cut is the relay's alone.
    const a = f.worker("worker-a", {
      DATABASE_URL: viaProxy.toString(),
      READ_DATABASE_URL: f.env.DATABASE_URL,
    });
    await poll(() => leaderSince(a).length > 0, { what: "worker-a to lead", timeoutMs: START_MS });
    const b = f.worker("worker-b");
    await poll(() => b.logs().some((l) => l.msg === "worker connected to the bus"), {
      what: "worker-b to join",
      timeoutMs: START_MS,
    });

    const burst = startBurst(f.users, { requestMs: REQUEST_MS });
    await poll(() => burst.accepted.size >= 15, {
      what: "posts before the cut",
      timeoutMs: 30_000,
    });
    proxy.block(true);
    proxy.cut();
    const cutAt = Date.now();
    // PostgreSQL ends worker-a's session at once, so the lock is free; worker-a itself can
    // publish nothing more (it reads each batch on the cut connection before publishing)
    // and steps down when its next query fails or times out.
    await poll(() => leaderSince(b).length > 0, {
      what: "worker-b to take over",
      timeoutMs: TAKEOVER_MS,
    });
    await poll(
      () => a.logs().some((l) => l.msg === "relay lost its connection or leadership"),
      { what: "worker-a to notice it lost the leadership", timeoutMs: CUT_NOTICED_MS },
    );
    console.log(`standby led ${leaderSince(b)[0] - cutAt} ms after the cut`);
    // The network comes back: worker-a must stay a standby while worker-b leads.
    proxy.block(false);
    await burst.acceptMore(15);
    await poll(() => proxy.open() > 0, { what: "worker-a to reconnect", timeoutMs: 30_000 });
    await burst.stopAllAccepted();
    assert.equal(a.exited(), null, "worker-a lives on");
    assert.equal(leaderSince(a).length, 1, "worker-a did not lead again while worker-b led");
    assert.equal(leaderSince(b).length, 1);
    await f.assertComplete(burst.accepted);
    await f.fleet.assertGracefulStop();
  } catch (error) {
    await f.fleet.failed(error);
  }
});
