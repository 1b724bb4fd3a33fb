import type { Logger } from "../app/log.ts";
import { silentLogger } from "../app/log.ts";
import type { Metrics } from "../app/metrics.ts";
import type { EventBus, EventPublisher } from "./bus/bus.ts";
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
