/**
 * `deno task start` / `deno task dev`: the web process (pages and JSON API).
 * With ROLE=all it also runs the worker (relay + projector). Without
 * DATABASE_URL it starts an embedded PostgreSQL under DATA_DIR; without
 * KAFKA_BROKERS the projector tails the event store (no relay).
 */
import { jsonLogger } from "./app/log.ts";
import { loadConfig } from "./infra/config.ts";
import { startServer } from "./server.ts";

let config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  Deno.exit(2);
}
const logger = jsonLogger(config.LOG_LEVEL, { role: config.ROLE });
const server = await startServer(config, {
  logger,
  withWorker: config.ROLE === "all",
  hostname: config.LISTEN_HOST,
});
logger.info("web started", {
  url: server.url,
  role: config.ROLE,
  worker: server.system.worker ? "in this process" : "separate (deno task worker)",
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    await server.shutdown();
    Deno.exit(0);
  });
}
