/**
 * /ready follows the database: unready while it is unreachable, ready again
 * when it is back. A TCP proxy on loopback stands between the app and
 * PostgreSQL so the test can cut the line without stopping the server.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../app/log.ts";
import { loadConfig } from "../infra/config.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { startServer } from "../server.ts";
import { WEB } from "./test_server.ts";

/** A loopback TCP proxy to 127.0.0.1:5432 that can drop every connection and refuse new ones. */
function cuttableProxy() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let cut = false;
  (async () => {
    for await (const client of listener) {
      if (cut) {
        client.close();
        continue;
      }
      const server = await Deno.connect({ hostname: "127.0.0.1", port: 5432 }).catch(() => null);
      if (!server) {
        client.close();
        continue;
      }
      open.add(client).add(server);
      const close = () => {
        for (const c of [client, server]) {
          open.delete(c);
          try {
            c.close();
          } catch { /* closed already */ }
        }
      };
      client.readable.pipeTo(server.writable).catch(() => {}).finally(close);
      server.readable.pipeTo(client.writable).catch(() => {}).finally(close);
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    cut() {
      cut = true;
      for (const c of [...open]) {
        try {
          c.close();
        } catch { /* closed already */ }
      }
      open.clear();
    },
    restore() {
      cut = false;
    },
    close() {
      this.cut();
      listener.close();
    },
  };
}

async function ready(
  url: string,
): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: await res.json() };
}

/** Re-checks until `want` or the deadline (the app reconnects on its own schedule). */
async function until(url: string, want: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await ready(url);
    if (got.status === want) return got;
    if (Date.now() > deadline) {
      assert.fail(`/ready stayed ${got.status}: ${JSON.stringify(got.body)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

Deno.test("Readiness - /ready turns unready when the database goes away and ready when it returns", async () => {
  await using db = await tempDatabase("agora_ready");
  const proxy = cuttableProxy();
  const url = new URL(db.url);
  url.port = String(proxy.port);
  const server = await startServer(
    loadConfig({ DATABASE_URL: url.toString(), PORT: "0", LOG_LEVEL: "error" }),
    { web: WEB, logger: silentLogger, withWorker: false, hostname: "127.0.0.1" },
  );
  try {
    const up = await ready(server.url);
    assert.equal(up.status, 200);
    assert.deepEqual(up.body.checks, { eventStore: "ok", readStore: "ok" });
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    await health.body?.cancel();

    proxy.cut();
    const down = await until(server.url, 503);
    assert.notEqual(down.body.checks.eventStore, "ok");
    const stillAlive = await fetch(`${server.url}/health`);
    assert.equal(stillAlive.status, 200, "liveness does not depend on the database");
    await stillAlive.body?.cancel();

    proxy.restore();
    await until(server.url, 200);
  } finally {
    proxy.restore();
    await server.shutdown();
    proxy.close();
  }
});

Deno.test("Metrics - /metrics speaks Prometheus text with command counts and latency", async () => {
  await using db = await tempDatabase("agora_metrics");
  const server = await startServer(
    loadConfig({ DATABASE_URL: db.url, PORT: "0", LOG_LEVEL: "error" }),
    { web: WEB, logger: silentLogger, withWorker: false, hostname: "127.0.0.1" },
  );
  try {
    const signup = await fetch(`${server.url}/api/v1/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "metrics_user", password: "password-1" }),
    });
    assert.equal(signup.status, 201);
    await signup.body?.cancel();
    const res = await fetch(`${server.url}/metrics`);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();
    assert.match(text, /commands_total\{outcome="ok",type="RegisterUser"\} 1/);
    assert.match(text, /command_duration_seconds_count\{type="RegisterUser"\} 1/);
    assert.match(text, /events_appended_total\{stream_type="user"\} 1/);
    assert.match(text, /projection_lag_events \d+/);
    assert.match(text, /dead_letters 0/);
  } finally {
    await server.shutdown();
  }
});
