/**
 * `deno task worker`: the outbox relay and the projector (a Kafka consumer
 * group member), against DATABASE_URL, READ_DATABASE_URL and KAFKA_BROKERS.
 */
import { jsonLogger } from "./app/log.ts";
import { Metrics } from "./app/metrics.ts";
import { ConfigError, kafkaOptions, loadConfig } from "./infra/config.ts";
import { kafkaBus } from "./infra/kafka/kafka_bus.ts";
import { connect, migrate } from "./infra/postgres/mod.ts";
import { startWorker } from "./infra/worker.ts";

let config;
try {
  config = loadConfig(Deno.env.toObject());
  const missing = (["DATABASE_URL", "KAFKA_BROKERS"] as const).filter((k) => !config![k]);
  if (missing.length) throw new ConfigError(missing.map((k) => `${k}: required by the worker`));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  Deno.exit(2);
}
const logger = jsonLogger(config.LOG_LEVEL, { role: "worker" });
const eventSql = connect(config.DATABASE_URL!, { name: "agora-worker", max: config.PG_POOL_MAX });
const readSql = config.READ_DATABASE_URL
  ? connect(config.READ_DATABASE_URL, { name: "agora-worker", max: config.PG_POOL_MAX })
  : eventSql;
await migrate(eventSql, "event_store");
await migrate(readSql, "read_store");

const bus = kafkaBus({ ...kafkaOptions(config), logger });
const worker = await startWorker({
  eventSql,
  readSql,
  bus,
  groupId: config.KAFKA_GROUP_ID,
  logger,
  metrics: new Metrics(),
});
logger.info("worker started", {
  topic: config.KAFKA_TOPIC,
  group: config.KAFKA_GROUP_ID,
  brokers: config.KAFKA_BROKERS,
  separateReadStore: Boolean(config.READ_DATABASE_URL),
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info("worker stopping", { signal });
  await worker.stop();
  await Promise.all([eventSql.end({ timeout: 5 }), readSql.end({ timeout: 5 })]);
  logger.info("worker stopped");
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
