/**
 * The worker's health port (HEALTH_PORT), as the compose health check uses
 * it: a real `deno task worker` process on the real broker and PostgreSQL.
 */
import assert from "node:assert/strict";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { brokers } from "../infra/pipeline_test_utils.ts";
import { freePort, poll, spawnApp } from "./processes.ts";

Deno.test({
  name: "Worker health - /health 200 with every check ok, /metrics, nothing else served",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using db = await tempDatabase();
    const port = freePort();
    const worker = spawnApp("worker", {
      script: "worker.ts",
      env: {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: brokers().join(","),
        KAFKA_TOPIC: `agora.test.${crypto.randomUUID().slice(0, 8)}`,
        KAFKA_GROUP_ID: `group-${crypto.randomUUID()}`,
        HEALTH_PORT: String(port),
        LISTEN_HOST: "127.0.0.1",
      },
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      let body: { status?: string; checks?: Record<string, string> } = {};
      await poll(async () => {
        if (worker.exited()) throw new Error(`worker exited:\n${worker.output()}`);
        const response = await fetch(`${url}/health`).catch(() => null);
        if (!response) return false;
        body = await response.json();
        return response.status === 200;
      }, { what: "the worker's /health to answer 200", timeoutMs: 60_000, intervalMs: 200 });
      assert.equal(body.status, "ok");
      assert.deepEqual(body.checks, { eventStore: "ok", readStore: "ok", bus: "ok" });

      const metrics = await fetch(`${url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
      await metrics.text();
      const other = await fetch(`${url}/`);
      assert.equal(other.status, 404);
      await other.body?.cancel();
    } finally {
      const exit = await worker.stop(15_000);
      assert.equal(exit.code, 0, worker.output());
    }
  },
});
