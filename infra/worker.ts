import type { Logger } from "../app/log.ts";
import { messageOf, silentLogger } from "../app/log.ts";
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

/** How long start-up waits for the first answer of a bus that listens. */
const BUS_FIRST_ANSWER_MS = 30_000;

/**
 * Starts relay and projector, the background half of the system. Several
 * workers may run: one relay leads, the projectors split the partitions.
 * Waits for the first connection attempt: resolves once the projector has
 * joined, or after a failure that retrying may fix (the broker is not
 * up yet), or at once with `awaitBus: false` (nothing listens at the
 * brokers' addresses). Then the events table is the outbox, so appends go on,
 * while the bus connection is retried in the background with a log line per
 * failure and `ping()` (readiness) says the worker still waits for the bus.
 * An error `fatal` recognises (a wrong password, an untrusted certificate) is
 * not retried: start-up rejects with it.
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
  /** True for an error that retrying cannot fix (a setting is wrong). */
  fatal?: (error: unknown) => boolean;
  /** False: do not wait for the first connection attempt (default true). */
  awaitBus?: boolean;
}): Promise<Worker> {
  const { eventSql, readSql, bus, groupId, metrics } = options;
  const logger = options.logger ?? silentLogger;
  const stopping = new AbortController();
  let waitingFor: string | null = "connecting";
  let fatal: { error: unknown } | null = null;
  let firstFailure = () => {};
  const failedOnce = new Promise<void>((resolve) => firstFailure = resolve);
  const connected = retrying("bus connection (topic and producer)", async () => {
    try {
      await bus.ensureTopic();
      return await bus.publisher();
    } catch (error) {
      if (options.fatal?.(error)) {
        fatal = { error };
        stopping.abort(); // no retry fixes a wrong setting
      }
      throw error;
    }
  }, {
    logger,
    signal: stopping.signal,
    onFailure: (error) => {
      waitingFor = messageOf(error);
      firstFailure();
    },
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
  const worker: Worker = {
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
  };
  if (options.awaitBus !== false) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      projecting,
      failedOnce,
      new Promise((resolve) => timer = setTimeout(resolve, BUS_FIRST_ANSWER_MS)),
    ]).finally(() => clearTimeout(timer));
  }
  const failed = fatal as { error: unknown } | null;
  if (failed) {
    await worker.stop();
    throw failed.error;
  }
  return worker;
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
    worker = await startWorker({
      eventSql,
      readSql,
      bus,
      groupId,
      logger,
      metrics,
      // An unreachable broker may come up later; a refused login or certificate will not.
      fatal: (error) => !/ is unreachable /.test(explainKafkaError(error, config)),
      // Nothing listens yet (a broker that starts late): serve at once, connect later.
      awaitBus: await anyListening(config.KAFKA_BROKERS),
    });
  } catch (error) {
    // A wrong password or an unknown CA: say which setting, not kafkajs' retry chain.
    throw new KafkaStartError(explainKafkaError(error, config), { cause: error });
  }
  return { worker, bus: `Kafka ${config.KAFKA_BROKERS.join(",")}` };
}

/** How long a broker's port may take to accept a TCP connection in the start-up probe. */
const PROBE_MS = 1_000;

/** True when at least one `host:port` accepts a TCP connection (a quick, bounded probe). */
async function anyListening(addresses: string[]): Promise<boolean> {
  const probes = addresses.map(async (address) => {
    const at = address.lastIndexOf(":");
    const hostname = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
    const port = Number(address.slice(at + 1));
    if (!hostname || !Number.isInteger(port)) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connecting = Deno.connect({ hostname, port });
    const late = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), PROBE_MS));
    try {
      const conn = await Promise.race([connecting, late]);
      if (conn) conn.close();
      else connecting.then((c) => c.close(), () => {}); // answered after the probe gave up
      return conn !== null;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  });
  return (await Promise.all(probes)).some(Boolean);
}
