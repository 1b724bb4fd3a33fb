/**
 * `deno task worker`: the outbox relay and the projector (a Kafka consumer
 * group member), against DATABASE_URL, READ_DATABASE_URL and KAFKA_BROKERS
 * (without it, the projector tails the event store and there is no relay). With
 * HEALTH_PORT it serves /health and /metrics there.
 */
import { jsonLogger, messageOf } from "./app/log.ts";
import { Metrics } from "./app/metrics.ts";
import { ConfigError, loadConfig } from "./infra/config.ts";
import { connect, databaseTls, migrate } from "./infra/postgres/mod.ts";
import { startConfiguredWorker } from "./infra/worker.ts";
import { serveWorkerHealth } from "./infra/worker_health.ts";

let config;
try {
  config = loadConfig(Deno.env.toObject());
  if (!config.DATABASE_URL) {
    throw new ConfigError([
      "DATABASE_URL: required by a separate worker (the embedded database lives in `deno task dev`)",
    ]);
  }
} catch (error) {
  console.error(messageOf(error));
  Deno.exit(2);
}
const logger = jsonLogger(config.LOG_LEVEL, { role: "worker" });
const pool = { name: "agora-worker", max: config.PG_POOL_MAX };
const env = Deno.env.toObject();
const eventSql = connect(config.DATABASE_URL!, {
  ...pool,
  tls: await databaseTls(config.DATABASE_URL!, env),
});
const readSql = config.READ_DATABASE_URL
  ? connect(config.READ_DATABASE_URL, {
    ...pool,
    tls: await databaseTls(config.READ_DATABASE_URL, env),
  })
  : eventSql;
await migrate(eventSql, "event_store");
await migrate(readSql, "read_store");

const metrics = new Metrics();
let started;
try {
  started = await startConfiguredWorker(config, { eventSql, readSql, logger, metrics });
} catch (error) {
  // One line naming the setting to fix (a wrong password, an unknown CA), then exit.
  console.error(`worker: cannot start: ${messageOf(error)}`);
  await Promise.all([eventSql.end({ timeout: 1 }), readSql.end({ timeout: 1 })]);
  Deno.exit(1);
}
const { worker, bus } = started;
// HEALTH_PORT: /health for a container health check, /metrics for Prometheus.
const health = config.HEALTH_PORT === undefined ? null : serveWorkerHealth({
  port: config.HEALTH_PORT,
  hostname: config.LISTEN_HOST,
  worker,
  eventSql,
  readSql,
  metrics,
  logger,
});
logger.info("worker started", {
  topic: config.KAFKA_TOPIC,
  group: config.KAFKA_GROUP_ID,
  bus,
  separateReadStore: Boolean(config.READ_DATABASE_URL),
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("worker stopping", { signal });
  await health?.close();
  await worker.stop();
  await Promise.all([eventSql.end({ timeout: 5 }), readSql.end({ timeout: 5 })]);
  logger.info("worker stopped");
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
