import {
  type Consumer,
  Kafka,
  type KafkaConfig,
  logLevel,
  type Message,
  type SASLOptions,
} from "kafkajs";
import type { Logger } from "../../app/log.ts";
import { silentLogger } from "../../app/log.ts";
import type { ConsumedMessage, EventBus, EventConsumer, EventPublisher } from "../bus/bus.ts";
import { Buffer } from "node:buffer";
import { decodeAll, encodeRuns } from "../bus/wire.ts";
// Faster varint writers for kafkajs' produce requests (same bytes).
import "./varint_encoder.ts";

/** TLS material (PEM text, not paths): the CA to trust, a client certificate and its key. */
export type KafkaTls = { ca?: string; cert?: string; key?: string };

/**
 * Bytes of message values per produce request: a partition's record batch
 * stays under the broker's default 1 MB message limit.
 */
const REQUEST_BYTES = 768 * 1024;
/** JSON characters per message: at most 3 bytes each, so one message fits a request. */
const MESSAGE_CHARS = REQUEST_BYTES / 3;
/** Events per message by default (a run of one stream's events). */
const EVENTS_PER_MESSAGE = 500;
/** Partition batches one consumer applies at once (each holds one read-store connection). */
const PARTITIONS_IN_PARALLEL = 3;
/**
 * How often the consumer sends Kafka its offsets at most: they are a hint for
 * tools, and an offset commit per batch (a write to the broker's offsets topic)
 * cost about 5 % of the commands' throughput on one machine.
 */
const OFFSET_HINT_INTERVAL_MS = 1_000;

/** Connection settings of the Kafka adapter. */
export type KafkaBusOptions = {
  brokers: string[];
  topic: string;
  /** Partitions of the topic when it is created (default 3). */
  partitions?: number;
  /** Replicas of the topic when it is created (default 1; managed clusters want 3). */
  replicationFactor?: number;
  /** false: never create the topic, only check that it exists (default true). */
  createTopic?: boolean;
  clientId?: string;
  /**
   * Events of one stream per Kafka message at most (default 500). 1: one
   * message per event, the only format releases before runs could read; use
   * it while such consumers still run.
   */
  eventsPerMessage?: number;
  /**
   * How often a consumer sends Kafka its group's offsets at most (default
   * 1,000 ms): a hint for tools, the PostgreSQL checkpoint is the truth.
   */
  offsetHintIntervalMs?: number;
  /** true: TLS trusting the system's roots; an object: with this CA and client certificate. */
  ssl?: boolean | KafkaTls;
  sasl?: {
    mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
    username: string;
    password: string;
  };
  logger?: Logger;
};

/**
 * The bus on Apache Kafka (kafkajs, kept behind the project's own interface):
 * one topic, idempotent producer with acks from all in-sync replicas, key =
 * stream id so each aggregate's events stay in order within one partition.
 *
 * @example
 * ```ts
 * const bus = kafkaBus({ brokers: ["127.0.0.1:9092"], topic: "agora.events" });
 * await bus.ensureTopic();
 * ```
 */
export function kafkaBus(options: KafkaBusOptions): EventBus {
  const logger = options.logger ?? silentLogger;
  const config: KafkaConfig = {
    clientId: options.clientId ?? "agora",
    brokers: options.brokers,
    ssl: tlsOptions(options.ssl),
    sasl: options.sasl as SASLOptions | undefined,
    logLevel: logLevel.NOTHING,
    // kafkajs' default retries: fewer would weaken the idempotent producer's guarantees.
  };
  const kafka = new Kafka(config);
  const topic = options.topic;
  const eventsPerMessage = options.eventsPerMessage ?? EVENTS_PER_MESSAGE;
  const hintIntervalMs = options.offsetHintIntervalMs ?? OFFSET_HINT_INTERVAL_MS;

  return {
    topic,
    async ping() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.describeCluster();
      } finally {
        await admin.disconnect();
      }
    },
    async ensureTopic() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = await admin.listTopics();
        if (!existing.includes(topic) && options.createTopic === false) {
          throw new Error(
            `Kafka topic ${topic} does not exist and KAFKA_CREATE_TOPICS=false: ` +
              `create it at the provider (${options.partitions ?? 3} partitions)`,
          );
        }
        if (!existing.includes(topic)) {
          const created = await admin.createTopics({
            topics: [{
              topic,
              numPartitions: options.partitions ?? 3,
              replicationFactor: options.replicationFactor ?? 1,
            }],
            waitForLeaders: true,
          });
          // false: another process created it first.
          if (created) {
            logger.info("kafka topic created", { topic, partitions: options.partitions ?? 3 });
          }
        }
      } finally {
        await admin.disconnect();
      }
    },

    async publisher(): Promise<EventPublisher> {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return {
        async publish(events) {
          const limits = { maxEvents: eventsPerMessage, maxChars: MESSAGE_CHARS };
          // In order, one request at a time, each under REQUEST_BYTES.
          let chunk: Message[] = [];
          let bytes = 0;
          const send = async () => {
            if (chunk.length > 0) await producer.send({ topic, acks: -1, messages: chunk });
            chunk = [];
            bytes = 0;
          };
          for (const wire of encodeRuns(events, limits)) {
            const value = Buffer.from(wire.value);
            if (bytes + value.length > REQUEST_BYTES) await send();
            chunk.push({ key: wire.key, value, headers: wire.headers });
            bytes += value.length;
          }
          await send();
        },
        close: () => producer.disconnect(),
      };
    },

    consumer({ groupId }): EventConsumer {
      const consumer: Consumer = kafka.consumer({
        groupId,
        sessionTimeout: 10_000,
        rebalanceTimeout: 20_000,
        heartbeatInterval: 1_000,
        maxWaitTimeInMs: 500, // also bounds how long a rebalance waits for a fetch
        // Larger fetches make larger batches: the projector's cost is per batch, not per event.
        maxBytesPerPartition: 4 * 1024 * 1024,
        maxBytes: 16 * 1024 * 1024,
        retry: { initialRetryTime: 200, retries: 10 },
      });
      let assigned: number[] = [];
      // Kafka's committed offset is a hint for tools; the PostgreSQL checkpoint is the truth. So
      // it is sent in the background, at most once per offsetHintIntervalMs with each
      // partition's latest offset, and the next fetch does not wait for the broker's answer.
      const hints = new Map<number, string>();
      let hinting: Promise<void> | null = null;
      let hintTimer: ReturnType<typeof setTimeout> | undefined;
      let lastHintAt = 0;
      let stopping = false;
      const sendHints = () => {
        hintTimer = undefined;
        lastHintAt = Date.now();
        const offsets = [...hints].map(([partition, offset]) => ({ topic, partition, offset }));
        hints.clear();
        hinting = consumer.commitOffsets(offsets).catch(() => {}).finally(() => {
          hinting = null;
          if (hints.size > 0) hint();
        });
      };
      // Every offset held is sent, now; for the batch that ends as the consumer stops, and stop.
      const flushHints = async () => {
        clearTimeout(hintTimer);
        hintTimer = undefined;
        while (hinting || hints.size > 0) {
          if (!hinting) sendHints();
          await hinting;
        }
      };
      // Sends now if the last hint is old enough, else once it is; one request at a time.
      const hint = (partition?: number, offset?: string) => {
        if (partition !== undefined && offset !== undefined) hints.set(partition, offset);
        if (stopping || hinting || hintTimer !== undefined || hints.size === 0) return;
        const wait = lastHintAt + hintIntervalMs - Date.now();
        if (wait <= 0) sendHints();
        else hintTimer = setTimeout(sendHints, wait);
      };
      return {
        assignment: () => [...assigned],
        async start({ handle, checkpoint }) {
          stopping = false;
          // On every (re)join the PostgreSQL checkpoint, not Kafka's committed offset, says where to resume.
          consumer.on(consumer.events.GROUP_JOIN, (event) => {
            assigned = [...(event.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
            // An offset held for a partition another member now owns must not overwrite its own.
            for (const partition of hints.keys()) {
              if (!assigned.includes(partition)) hints.delete(partition);
            }
            logger.info("projector joined group", { groupId, partitions: assigned });
            for (const partition of assigned) {
              checkpoint(topic, partition).then((offset) => {
                if (offset !== null) consumer.seek({ topic, partition, offset: String(offset) });
              }).catch((error) => logger.error("seek failed", { partition, error: String(error) }));
            }
          });
          await consumer.connect();
          await consumer.subscribe({ topics: [topic], fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            // Partitions hold disjoint streams: their batches commit independently.
            partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
            eachBatchAutoResolve: false,
            eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
              if (!isRunning() || isStale() || batch.messages.length === 0) return;
              // A message carries one event or a run of one stream's events: all share its offset.
              const messages: ConsumedMessage[] = [];
              for (const m of batch.messages) {
                const offset = Number(m.offset);
                const wire = {
                  key: m.key?.toString() ?? "",
                  value: m.value?.toString() ?? "",
                  headers: Object.fromEntries(
                    Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v ?? "")]),
                  ),
                };
                for (const decoded of decodeAll(wire)) messages.push({ offset, ...decoded });
              }
              const outcome = await handle({ topic, partition: batch.partition, messages });
              if (outcome.kind === "seek") {
                consumer.seek({
                  topic,
                  partition: batch.partition,
                  offset: String(outcome.offset),
                });
                return;
              }
              resolveOffset(batch.messages.at(-1)!.offset);
              hint(batch.partition, String(outcome.nextOffset));
              // Stopping waits for this batch before leaving the group: its offset goes now.
              if (stopping) await flushHints();
              await heartbeat();
            },
          });
        },
        async stop() {
          // The last hints, best effort, sent now rather than at their time.
          stopping = true;
          await flushHints();
          await consumer.disconnect();
          assigned = [];
        },
      };
    },
  };
}

/** kafkajs' TLS settings: certificates always verified; PEM given, else the system's roots. */
function tlsOptions(ssl: KafkaBusOptions["ssl"]): KafkaConfig["ssl"] {
  if (!ssl) return false;
  if (ssl === true) return true;
  return {
    rejectUnauthorized: true,
    ...(ssl.ca ? { ca: [ssl.ca] } : {}),
    ...(ssl.cert ? { cert: ssl.cert } : {}),
    ...(ssl.key ? { key: ssl.key } : {}),
  };
}
