/**
 * The Kafka broker is absent when the processes start (issue 14): the web
 * process serves reads and writes at once (the events table is the outbox),
 * says so on /ready and in its log, and its relay and projector connect by
 * themselves once the broker comes up; nothing appended is lost. Runs its own
 * broker on other ports, so the shared one keeps serving the other tests.
 */
import assert from "node:assert/strict";
import { assertVerified } from "../infra/pipeline_test_utils.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { apiUser, freePort, healthy, ownBroker, poll, spawnApp } from "./processes.ts";

const START_MS = 30_000;
/** From the broker answering to the worker having applied every event. */
const CONNECT_MS = 90_000;
const STOP_GRACE_MS = 10_000;
const POSTS = 5;

Deno.test("Broker late - a web process started before its broker serves reads and writes, then its worker connects and applies everything", async () => {
  const kafka = ownBroker("late-test", 19192);
  await kafka.run("stop"); // a leftover of an interrupted run must not be "late" too
  await using db = await tempDatabase("agora_late");
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const runId = crypto.randomUUID().slice(0, 8);
  const web = spawnApp("web", {
    script: "main.ts",
    env: {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafka.address,
      KAFKA_TOPIC: `agora.late.${runId}`,
      KAFKA_GROUP_ID: `late-${runId}`,
      ROLE: "all",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      LISTEN_HOST: "127.0.0.1",
      LOG_LEVEL: "info",
    },
  });
  try {
    // 1. No broker: the process starts, answers and accepts writes at once.
    await healthy(web, url, START_MS);
    const alice = await apiUser(url, `late_${runId}`);
    const ids: string[] = [];
    for (let i = 0; i < POSTS; i++) {
      const created = await alice.call("POST", "/api/v1/posts", { message: `before ${i}` });
      assert.equal(created.status, 201, JSON.stringify(created.data));
      ids.push(created.data.id);
    }
    const feed = await alice.call("GET", "/api/v1/posts");
    assert.equal(feed.status, 200, "reads are served without a broker");

    // 2. It says so: a log line, and /ready names the bus.
    await poll(
      () =>
        web.logs().some((l) => String(l.msg).startsWith("bus connection") && l.level === "warn"),
      { what: "the worker to log that the bus is not reachable", timeoutMs: START_MS },
    );
    const unready = await fetch(`${url}/ready`);
    const body = await unready.json();
    assert.equal(unready.status, 503);
    assert.match(body.checks.bus, /bus not reachable yet, relay and projector retrying/);
    assert.equal(body.checks.eventStore, "ok");
    assert.equal(web.exited(), null, "the web process is alive");

    // 3. The broker comes up: every post is applied, no restart needed.
    await kafka.run("start");
    await poll(async () => {
      const res = await fetch(`${url}/ready`);
      await res.body?.cancel();
      return res.status === 200;
    }, { what: "/ready to answer 200 once the broker is up", timeoutMs: CONNECT_MS });
    const after = await alice.call("POST", "/api/v1/posts", { message: "after" });
    assert.equal(after.status, 201);
    ids.push(after.data.id);
    const eventSql = db.connect();
    await poll(async () => {
      const [{ n }] = await eventSql`
        select count(*)::int as n from posts where id = any(${ids}::uuid[])`;
      return n === ids.length;
    }, { what: `all ${ids.length} posts to be projected`, timeoutMs: CONNECT_MS });
    await assertVerified({ eventSql, readSql: eventSql });

    const exit = await web.stop(STOP_GRACE_MS);
    assert.deepEqual({ code: exit.code, killed: exit.killed }, { code: 0, killed: false });
  } catch (error) {
    await web.stop(STOP_GRACE_MS);
    console.error(web.output());
    throw error;
  } finally {
    await web.stop(STOP_GRACE_MS);
    await kafka.run("stop");
  }
});
