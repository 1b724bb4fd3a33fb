import type { Logger } from "../app/log.ts";
import { probe } from "./probe.ts";
import type { Metrics } from "../app/metrics.ts";
import type { Sql } from "./postgres/connect.ts";
import type { Worker } from "./worker.ts";

/** How long one dependency may take to answer before it counts as down. */
const TIMEOUT_MS = 2000;

/** The worker's small HTTP server: `/health` for container health checks, `/metrics`. */
export type WorkerHealthServer = { port: number; close(): Promise<void> };

/**
 * Serves `GET /health` (200 when both databases and the bus answer, else 503,
 * with each check's result) and `GET /metrics` (the worker's Prometheus text)
 * on `port` (HEALTH_PORT). The worker serves nothing else.
 *
 * @example
 * ```ts
 * const health = serveWorkerHealth({ port: 8001, hostname: "0.0.0.0", worker, eventSql, readSql, metrics, logger });
 * await health.close();
 * ```
 */
export function serveWorkerHealth(options: {
  port: number;
  hostname: string;
  worker: Worker;
  eventSql: Sql;
  readSql: Sql;
  metrics: Metrics;
  logger: Logger;
}): WorkerHealthServer {
  const { worker, eventSql, readSql, metrics } = options;
  const server = Deno.serve({
    port: options.port,
    hostname: options.hostname,
    onListen: () => {},
  }, async (request) => {
    const { pathname } = new URL(request.url);
    if (request.method !== "GET") return new Response("method not allowed", { status: 405 });
    if (pathname === "/metrics") {
      return new Response(metrics.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    if (pathname !== "/health") return new Response("not found", { status: 404 });
    const checks = Object.fromEntries(
      await Promise.all([
        probe("eventStore", () => eventSql`select 1`, TIMEOUT_MS),
        probe("readStore", () => readSql`select 1`, TIMEOUT_MS),
        probe("bus", () => worker.ping(), TIMEOUT_MS),
      ]),
    );
    const ok = Object.values(checks).every((v) => v === "ok");
    return Response.json({
      status: ok ? "ok" : "unhealthy",
      checks,
      relayLeader: worker.relay?.isLeader() ?? null, // null: no relay (store tail, no broker)
      partitions: worker.projector.assignment(),
    }, { status: ok ? 200 : 503 });
  });
  options.logger.info("worker health server", { port: server.addr.port });
  return { port: server.addr.port, close: () => server.shutdown() };
}
