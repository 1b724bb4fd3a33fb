/**
 * Relay fail-over (issue 14): two workers against one event store, a web
 * process taking a burst of posts. The leading relay crashes (SIGKILL), or
 * loses its database connection while its process lives (a TCP proxy the
 * test cuts): the standby takes over within a stated bound, one relay leads
 * at a time, and the read model ends with every accepted post exactly once.
 */
import assert from "node:assert/strict";
import { assertVerified, brokers } from "../infra/pipeline_test_utils.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import {
  apiUser,
  type AppProcess,
  freePort,
  healthy,
  poll,
  spawnApp,
  startBurst,
  tcpProxy,
} from "./processes.ts";

const START_MS = 30_000;
/**
 * The standby's relay polls for the free leadership every second (its poll
 * interval); PostgreSQL ends a killed process's session, and with it the
 * advisory lock, as soon as the socket closes. 5 s leaves room on a busy CI.
 */
const TAKEOVER_MS = 5_000;
/** A cut connection is noticed at the next query on it, bounded by the relay's 10 s query timeout. */
const CUT_NOTICED_MS = 15_000;
const PROJECTED_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const REQUEST_MS = 10_000;

const leaderSince = (worker: AppProcess) =>
  worker.logs().filter((l) => l.msg === "relay is the leader").map((l) =>
    Date.parse(String(l.time))
  );

async function fixture(name: string) {
  const db = await tempDatabase(`agora_${name}`);
  const runId = crypto.randomUUID().slice(0, 8);
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers().join(","),
    KAFKA_TOPIC: `agora.${name}.${runId}`,
    KAFKA_GROUP_ID: `${name}-${runId}`,
    LISTEN_HOST: "127.0.0.1",
    LOG_LEVEL: "info",
  };
  const fleet: AppProcess[] = [];
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const web = spawnApp("web", {
    script: "main.ts",
    env: { ...env, ROLE: "web", PORT: String(port) },
  });
  fleet.push(web);
  await healthy(web, url, START_MS);
  const users = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) => apiUser(url, `${name}_${runId}_${i}`)),
  );
  return {
    db,
    env,
    fleet,
    users,
    worker(label: string, extra: Record<string, string> = {}) {
      const app = spawnApp(label, { script: "worker.ts", env: { ...env, ...extra } });
      fleet.push(app);
      return app;
    },
    /** Every accepted post in the read model once, and the verifier clean. */
    async assertComplete(accepted: Set<string>) {
      const sql = db.connect();
      const ids = [...accepted];
      await poll(async () => {
        const [{ n }] =
          await sql`select count(*)::int as n from posts where id = any(${ids}::uuid[])`;
        return n === ids.length;
      }, { what: `${ids.length} accepted posts in the read model`, timeoutMs: PROJECTED_MS });
      const [{ events }] = await sql`
        select count(*)::int as events from events where event_type = 'PostCreated'`;
      const [{ rows }] = await sql`select count(*)::int as rows from posts`;
      assert.equal(rows, events, "one posts row per PostCreated event");
      await assertVerified({ eventSql: sql, readSql: sql });
    },
    stopAll: () => Promise.all(fleet.map((app) => app.stop(STOP_GRACE_MS))),
    async [Symbol.asyncDispose]() {
      await Promise.all(fleet.map((app) => app.stop(STOP_GRACE_MS)));
      await db[Symbol.asyncDispose]();
    },
  };
}

Deno.test("Relay fail-over - the leader SIGKILLed mid-burst: the standby leads within 5 s, nothing lost or doubled", async () => {
  await using f = await fixture("relaykill");
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
    const at = burst.accepted.size;
    await poll(() => burst.accepted.size >= at + 15, { what: "posts after", timeoutMs: 30_000 });
    await burst.stop();
    assert.deepEqual(
      burst.answers.filter((x) => x.status !== 201 && x.status !== 429),
      [],
      "every post accepted (or refused by the write limit)",
    );

    await f.assertComplete(burst.accepted);
    const exits = await f.stopAll();
    assert.deepEqual(exits.filter((e) => e.name !== "worker-a" && (e.code !== 0 || e.killed)), []);
  } catch (error) {
    await f.stopAll();
    console.error(f.fleet.map((app) => app.output()).join("\n"));
    throw error;
  }
});

Deno.test("Relay fail-over - the leader's database connection cut while its process lives: it steps down, the standby leads, never two at once", async () => {
  await using f = await fixture("relaycut");
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
    const at = burst.accepted.size;
    await poll(() => burst.accepted.size >= at + 15, { what: "posts after", timeoutMs: 30_000 });
    await poll(() => proxy.open() > 0, { what: "worker-a to reconnect", timeoutMs: 30_000 });
    await burst.stop();
    assert.deepEqual(
      burst.answers.filter((x) => x.status !== 201 && x.status !== 429),
      [],
      "every post accepted (or refused by the write limit)",
    );
    assert.equal(a.exited(), null, "worker-a lives on");
    assert.equal(leaderSince(a).length, 1, "worker-a did not lead again while worker-b led");
    assert.equal(leaderSince(b).length, 1);
    await f.assertComplete(burst.accepted);
    const exits = await f.stopAll();
    assert.deepEqual(exits.filter((e) => e.code !== 0 || e.killed), [], "graceful exits");
  } catch (error) {
    await f.stopAll();
    console.error(f.fleet.map((app) => app.output()).join("\n"));
    throw error;
  }
});
