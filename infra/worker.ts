import type { Logger } from "../app/log.ts";
import { silentLogger } from "../app/log.ts";
import type { Metrics } from "../app/metrics.ts";
import type { EventBus, EventPublisher } from "./bus/bus.ts";
import { inProcessBus, rewindRelay } from "./bus/in_process_bus.ts";
import type { Config } from "./config.ts";
import { kafkaBus } from "./kafka/kafka_bus.ts";
import { explainKafkaError, kafkaBusOptions } from "./kafka/kafka_settings.ts";
import type { Sql } from "./postgres/connect.ts";
import { type Projector, startProjector } from "./projector/projector.ts";
import { type Relay, startRelay } from "./relay/relay.ts";

/** A running worker: the outbox relay plus one projector group member. */
export type Worker = {
  relay: Relay;
  projector: Projector;
  /** Resolves when the bus answers. */
  ping(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Starts relay and projector, the background half of the system. Several
 * workers may run: one relay leads, the projectors split the partitions.
 *
 * @example
 * ```ts
 * const worker = await startWorker({ eventSql, readSql, bus, groupId: "agora-projector" });
 * await worker.stop();
 * ```
 */
export async function startWorker(options: {
  eventSql: Sql;
  readSql: Sql;
  bus: EventBus;
  groupId: string;
  relayName?: string;
  logger?: Logger;
  metrics?: Metrics;
}): Promise<Worker> {
  const { eventSql, readSql, bus, groupId, metrics } = options;
  const logger = options.logger ?? silentLogger;
  await bus.ensureTopic();
  const publisher: EventPublisher = await bus.publisher();
  const relay = startRelay({
    sql: eventSql,
    publisher,
    name: options.relayName ?? "main",
    logger,
    metrics,
  });
  const projector = await startProjector({
    readSql,
    eventSql,
    consumer: bus.consumer({ groupId }),
    groupId,
    logger,
    metrics,
  });
  return {
    relay,
    projector,
    ping: () => bus.ping(),
    async stop() {
      // Stop taking new work first, then let the current batch commit, then close.
      await relay.stop();
      await projector.stop();
      await publisher.close();
    },
  };
}

/** The worker could not start on Kafka; the message names the setting to check. */
export class KafkaStartError extends Error {
  override name = "KafkaStartError";
}

/**
 * The worker the configuration asks for: on Kafka with KAFKA_BROKERS, else on
 * the in-process bus (one worker only), whose relay first rewinds to the
 * first unapplied event because the bus kept nothing across the restart.
 *
 * @example
 * ```ts
 * const { worker, bus } = await startConfiguredWorker(config, { eventSql, readSql, logger });
 * ```
 */
export async function startConfiguredWorker(
  config: Config,
  deps: { eventSql: Sql; readSql: Sql; logger: Logger; metrics?: Metrics },
): Promise<{ worker: Worker; bus: string }> {
  const { eventSql, readSql, logger } = deps;
  const kafka = Boolean(config.KAFKA_BROKERS?.length);
  if (!kafka) await rewindRelay({ eventSql, readSql });
  const bus = kafka
    ? kafkaBus({ ...(await kafkaBusOptions(config)), logger })
    : inProcessBus({ topic: config.KAFKA_TOPIC, partitions: config.KAFKA_PARTITIONS, logger });
  let worker: Worker;
  try {
    worker = await startWorker({
      eventSql,
      readSql,
      bus,
      groupId: config.KAFKA_GROUP_ID,
      logger,
      metrics: deps.metrics,
    });
  } catch (error) {
    // A wrong password or an unknown CA: say which setting, not kafkajs' retry chain.
    if (kafka) throw new KafkaStartError(explainKafkaError(error, config), { cause: error });
    throw error;
  }
  return { worker, bus: kafka ? `Kafka ${config.KAFKA_BROKERS!.join(",")}` : "in-process" };
}
