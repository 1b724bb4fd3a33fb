import type { Logger } from "../app/log.ts";
import { silentLogger } from "../app/log.ts";
import type { Metrics } from "../app/metrics.ts";
import type { EventBus, EventPublisher } from "./bus/bus.ts";
import { STORE_TAIL_TOPIC, storeTailConsumer } from "./bus/store_tail_consumer.ts";
import type { Config } from "./config.ts";
import { kafkaBus } from "./kafka/kafka_bus.ts";
import { explainKafkaError, kafkaBusOptions } from "./kafka/kafka_settings.ts";
import type { Sql } from "./postgres/connect.ts";
import { type Projector, startProjector } from "./projector/projector.ts";
import { type Relay, startRelay } from "./relay/relay.ts";
import { retrying } from "./retrying.ts";

/** A running worker: the outbox relay plus one projector group member. */
export type Worker = {
  /** Null when the projector tails the event store itself (no broker, nothing to relay). */
  relay: Relay | null;
  projector: Projector;
  /** Resolves when the bus answers. */
  ping(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Starts relay and projector, the background half of the system. Several
 * workers may run: one relay leads, the projectors split the partitions.
 * Resolves at once even when the bus is not reachable yet (a broker that
 * starts late): the events table is the outbox, so appends go on, while the
 * bus connection is retried in the background with a log line per failure
 * and `ping()` (readiness) says the worker is still waiting for the bus.
 *
 * @example
 * ```ts
 * const worker = await startWorker({ eventSql, readSql, bus, groupId: "agora-projector" });
 * await worker.stop();
 * ```
 */
export function startWorker(options: {
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
  const stopping = new AbortController();
  let waitingFor: string | null = "connecting";
  const connected = retrying("bus connection (topic and producer)", async () => {
    await bus.ensureTopic();
    return await bus.publisher();
  }, {
    logger,
    signal: stopping.signal,
    onFailure: (error) => waitingFor = error instanceof Error ? error.message : String(error),
  });
  let projector: Projector | null = null;
  const projecting = connected.then((publisher) =>
    publisher && retrying("projector start (consumer group join)", async () => {
      const consumer = bus.consumer({ groupId });
      try {
        projector = await startProjector({ readSql, eventSql, consumer, groupId, logger, metrics });
      } catch (error) {
        await consumer.stop().catch(() => {});
        throw error;
      }
      waitingFor = null;
      logger.info("worker connected to the bus", { topic: bus.topic, groupId });
    }, { logger, signal: stopping.signal })
  );
  // The relay publishes once the bus answers; until then it holds its cursor.
  const publisher: EventPublisher = {
    async publish(events) {
      const ready = await connected;
      if (!ready) throw new Error("the worker is stopping");
      await ready.publish(events);
    },
    close: async () => {},
  };
  const relay = startRelay({
    sql: eventSql,
    publisher,
    name: options.relayName ?? "main",
    logger,
    metrics,
  });
  return Promise.resolve({
    relay,
    projector: {
      assignment: () => projector?.assignment() ?? [],
      stop: async () => await projector?.stop(),
    },
    async ping() {
      if (waitingFor !== null) {
        throw new Error(
          `bus not reachable yet, relay and projector retrying (last error: ${waitingFor})`,
        );
      }
      await bus.ping();
    },
    async stop() {
      // Stop taking new work first, then let the current batch commit, then close.
      stopping.abort();
      await relay.stop();
      await projecting;
      await projector?.stop();
      await (await connected)?.close();
    },
  });
}

/** The worker could not start on Kafka; the message names the setting to check. */
export class KafkaStartError extends Error {
  override name = "KafkaStartError";
}

/**
 * The worker without a broker: the projector tails the event store directly
 * (no relay). Several may run: one consumes, the others stand by.
 *
 * @example
 * ```ts
 * const worker = await startStoreTailWorker({ eventSql, readSql, groupId: "agora-projector" });
 * ```
 */
export async function startStoreTailWorker(options: {
  eventSql: Sql;
  readSql: Sql;
  groupId: string;
  pollMs?: number;
  logger?: Logger;
  metrics?: Metrics;
}): Promise<Worker> {
  const { eventSql, readSql, groupId } = options;
  const logger = options.logger ?? silentLogger;
  const consumer = storeTailConsumer({ eventSql, groupId, pollMs: options.pollMs, logger });
  const projector = await startProjector({
    readSql,
    eventSql,
    consumer,
    groupId,
    logger,
    metrics: options.metrics,
  });
  return {
    relay: null,
    projector,
    ping: async () => {
      await eventSql`select 1`;
    },
    stop: () => projector.stop(),
  };
}

/**
 * The worker the configuration asks for: relay and projector on Kafka with
 * KAFKA_BROKERS, else a projector tailing the event store.
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
  const { eventSql, readSql, logger, metrics } = deps;
  const groupId = config.KAFKA_GROUP_ID;
  if (!config.KAFKA_BROKERS?.length) {
    const worker = await startStoreTailWorker({ eventSql, readSql, groupId, logger, metrics });
    return { worker, bus: `none: the projector tails the event store (${STORE_TAIL_TOPIC})` };
  }
  const bus = kafkaBus({ ...(await kafkaBusOptions(config)), logger });
  let worker: Worker;
  try {
    worker = await startWorker({ eventSql, readSql, bus, groupId, logger, metrics });
  } catch (error) {
    // A wrong password or an unknown CA: say which setting, not kafkajs' retry chain.
    throw new KafkaStartError(explainKafkaError(error, config), { cause: error });
  }
  return { worker, bus: `Kafka ${config.KAFKA_BROKERS.join(",")}` };
}
