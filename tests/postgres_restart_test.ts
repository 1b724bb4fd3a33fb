/**
 * PostgreSQL restarted during a burst (issue 14): requests answer 503 with a
 * clear message within a bound, never 500 and never hang, and the web
 * process and the worker recover by themselves; every accepted write reaches
 * the read model and the verifier is clean. The cluster is the test's own.
 */
import assert from "node:assert/strict";
import { assertVerified, brokers } from "../infra/pipeline_test_utils.ts";
import { connect } from "../infra/postgres/connect.ts";
import {
  apiUser,
  type BurstAnswer,
  freePort,
  healthy,
  ownCluster,
  poll,
  processFleet,
  spawnApp,
} from "./processes.ts";

const CLIENTS = 4;
const START_MS = 30_000;
/** The longest any request may take, outage or not. */
const REQUEST_BOUND_MS = 10_000;
const RECOVER_MS = 60_000;
const STOP_GRACE_MS = 10_000;
/** Between one client's requests, so the burst stays under the API's write limit. */
const THINK_MS = 150;

Deno.test("PostgreSQL restart - a burst across a restart gets 201 or a clear 503 in bounded time; web and worker recover by themselves; nothing accepted is lost", async () => {
  await using pg = await ownCluster("agora_restart");
  const admin = connect(pg.url(), { max: 1 });
  await admin.unsafe("create database agora");
  await admin.end();
  const runId = crypto.randomUUID().slice(0, 8);
  const env = {
    DATABASE_URL: pg.url("agora"),
    KAFKA_BROKERS: brokers().join(","),
    KAFKA_TOPIC: `agora.pgrestart.${runId}`,
    KAFKA_GROUP_ID: `pgrestart-${runId}`,
    LISTEN_HOST: "127.0.0.1",
    LOG_LEVEL: "info",
  };
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const fleet = processFleet(STOP_GRACE_MS);
  try {
    const web = fleet.add(spawnApp("web", {
      script: "main.ts",
      env: { ...env, ROLE: "web", PORT: String(port) },
    }));
    await healthy(web, url, START_MS);
    const worker = fleet.add(spawnApp("worker", { script: "worker.ts", env }));
    await poll(() => worker.logs().some((l) => l.msg === "worker connected to the bus"), {
      what: "the worker to join its group",
      timeoutMs: START_MS,
    });

    const users = await Promise.all(
      Array.from({ length: CLIENTS }, (_, i) => apiUser(url, `pg_${runId}_${i}`)),
    );
    const accepted = new Set<string>();
    const answers: BurstAnswer[] = [];
    let burst = true;
    const request = async (
      user: (typeof users)[number],
      method: string,
      path: string,
      body?: unknown,
    ) => {
      const started = Date.now();
      try {
        const res = await user.http.request(path, {
          method,
          headers: body === undefined ? {} : { "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_BOUND_MS),
        });
        const text = await res.text();
        const data = text.startsWith("{") ? JSON.parse(text) : null;
        answers.push({
          request: `${method} ${path}`,
          at: new Date(started).toISOString(),
          status: res.status,
          ms: Date.now() - started,
          code: data?.error?.code,
          message: data?.error?.message,
        });
        return { status: res.status, data };
      } catch (error) {
        answers.push({
          request: `${method} ${path}`,
          at: new Date(started).toISOString(),
          status: 0,
          ms: Date.now() - started,
          message: String(error),
        });
        return { status: 0, data: null };
      }
    };
    const clients = users.map(async (user, i) => {
      for (let n = 0; burst; n++) {
        const created = await request(user, "POST", "/api/v1/posts", {
          message: `burst ${i}.${n}`,
        });
        if (created.status === 201) accepted.add(created.data.id);
        await request(user, "GET", "/api/v1/posts?limit=5");
        await new Promise((resolve) => setTimeout(resolve, THINK_MS));
      }
    });
    const count = (status: number) => answers.filter((a) => a.status === status).length;

    try {
      await poll(() => accepted.size >= 10, {
        what: "writes before the restart",
        timeoutMs: 30_000,
      });
      console.log(`stopping PostgreSQL at ${new Date().toISOString()}`);
      await pg.ctl("stop");
      const before = count(503);
      await poll(() => count(503) >= before + 6, {
        what: "503 answers while the database is down",
        timeoutMs: 30_000,
      });
      console.log(`starting PostgreSQL at ${new Date().toISOString()}`);
      await pg.ctl("start");
      console.log(`PostgreSQL started at ${new Date().toISOString()}`);
      const sizeAtStart = accepted.size;
      await poll(() => accepted.size >= sizeAtStart + 10, {
        what: "writes accepted again after the restart",
        timeoutMs: RECOVER_MS,
      });
    } finally {
      burst = false;
      await Promise.all(clients);
    }

    // Only 200/201 and a clear 503 (429 is the write limit doing its job); none hung.
    const odd = answers.filter((a) => ![200, 201, 429, 503].includes(a.status));
    assert.deepEqual(odd, [], "answers other than 200, 201, 429 or 503");
    const unavailable = answers.filter((a) => a.status === 503);
    assert.ok(unavailable.length >= 6);
    for (const a of unavailable) {
      assert.ok(["database_unavailable", "timeout"].includes(a.code ?? ""), JSON.stringify(a));
      assert.match(a.message ?? "", /retry in a moment/);
    }
    const slowest = Math.max(...answers.map((a) => a.ms));
    assert.ok(slowest < REQUEST_BOUND_MS, `slowest answer ${slowest} ms`);
    console.log(
      `answers: ${count(201)} created, ${count(200)} reads, ${unavailable.length} x 503, ` +
        `${count(429)} x 429; slowest ${slowest} ms`,
    );

    // Both processes recovered on their own: every accepted post projected, verifier clean.
    const sql = connect(pg.url("agora"), { max: 2 });
    try {
      const ids = [...accepted];
      await poll(async () => {
        const [{ n }] =
          await sql`select count(*)::int as n from posts where id = any(${ids}::uuid[])`;
        return n === ids.length;
      }, { what: `${ids.length} accepted posts in the read model`, timeoutMs: RECOVER_MS });
      await assertVerified({ eventSql: sql, readSql: sql });
    } finally {
      await sql.end({ timeout: 1 });
    }
    const ready = await fetch(`${url}/ready`);
    assert.equal(ready.status, 200, JSON.stringify(await ready.json()));
    assert.equal(web.exited(), null, "the web process was not restarted");
    assert.equal(worker.exited(), null, "the worker was not restarted");

    await fleet.assertGracefulStop();
  } catch (error) {
    await fleet.failed(error);
  }
});
