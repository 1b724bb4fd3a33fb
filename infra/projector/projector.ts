import type postgres from "postgres";
import type { Logger } from "../../app/log.ts";
import { silentLogger } from "../../app/log.ts";
import type { Metrics } from "../../app/metrics.ts";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { BatchOutcome, ConsumedBatch, ConsumedMessage, EventConsumer } from "../bus/bus.ts";
import type { Sql } from "../postgres/connect.ts";
import { readStream } from "../postgres/read_stream.ts";
import { PROJECTION_CHANNEL } from "../postgres/tables.ts";
import type { FetchStream } from "../projections/apply_event.ts";
import { applyBatch } from "../projections/apply_batch.ts";
import { applyResilient } from "../projections/apply_resilient.ts";
import { insertDeadLetter } from "../projections/dead_letter.ts";
import { prunePositions } from "../projections/prune_positions.ts";

/** How often an event is tried on its own before it goes to the dead letters. */
export const MAX_ATTEMPTS = 3;

/** Options of the projector worker. */
export type ProjectorOptions = {
  /** The read store (projections, checkpoints, dead letters). */
  readSql: Sql;
  /** The event store, read only, to fill a stream's version gap. */
  eventSql: Sql;
  consumer: EventConsumer;
  groupId: string;
  logger?: Logger;
  metrics?: Metrics;
  /** Applied positions older than this are pruned (default 2 minutes). */
  positionRetentionMs?: number;
};

/** A running projector. */
export type Projector = {
  stop(): Promise<void>;
  assignment(): number[];
};

type Tx = postgres.TransactionSql;

/**
 * The projector: a Kafka consumer-group member that applies each batch to
 * the projection tables set-based (`applyBatch`: a handful of statements per
 * batch, whatever its size) in ONE read-store transaction together with the
 * partition checkpoint, so a crash anywhere leaves rows and checkpoint in
 * agreement. Resumes from the PostgreSQL checkpoint; skips redeliveries by
 * stream version. When a batch fails, its transaction rolls back and it goes
 * again in a new one, bisected, each half in its own savepoint, down to the
 * event at fault, which is tried MAX_ATTEMPTS times and then goes to
 * dead_letters while the rest of the batch applies.
 *
 * @example
 * ```ts
 * const projector = await startProjector({ readSql, eventSql, consumer: bus.consumer({ groupId }), groupId });
 * ```
 */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  const { readSql, eventSql, consumer, groupId } = options;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics;
  const fetchStream: FetchStream = (streamId, range) =>
    readStream(eventSql, { streamId, ...range });
  const pruner = prunePositions(readSql, {
    retentionMs: options.positionRetentionMs ?? 120_000,
    logger,
  });

  async function checkpoint(topic: string, partition: number): Promise<number | null> {
    const [row] = await readSql`
      select next_offset from projector_checkpoints
      where consumer_group = ${groupId} and topic = ${topic} and partition = ${partition}`;
    return row ? Number(row.next_offset) : null;
  }

  async function handle(batch: ConsumedBatch): Promise<BatchOutcome> {
    let outcome: BatchOutcome;
    try {
      // First as one plain transaction: a savepoint costs two round trips per batch.
      outcome = await applyOnce(batch, null);
    } catch (error) {
      // Everything rolled back: again from the checkpoint, now split in savepoints.
      logger.warn("projector batch failed; applying it again in parts", {
        partition: batch.partition,
        error: String(error),
      });
      outcome = await applyOnce(batch, { error });
    }
    if (outcome.kind === "done") pruner.maybePrune();
    return outcome;
  }

  /**
   * One transaction for the batch: the checkpoint, the rows, the notification.
   * `failedOnce` null: the events in one `applyBatch`, which fails the whole
   * transaction; else bisected in savepoints down to the event at fault.
   */
  async function applyOnce(
    batch: ConsumedBatch,
    failedOnce: { error: unknown } | null,
  ): Promise<BatchOutcome> {
    const { topic, partition, messages } = batch;
    const first = messages[0].offset;
    return await readSql.begin(async (tx) => {
      // Commit without waiting for the WAL flush: a crash can lose only the last batches,
      // rows and checkpoint together (one transaction, WAL order), and the projector then
      // applies them again from Kafka. The event store's own commits stay synchronous.
      // Creates or locks the checkpoint row; the lock also orders this batch against
      // Restore read DB's swap. Both statements go in one round trip.
      const [, [{ next_offset }]] = await Promise.all([
        tx`set local synchronous_commit = off`,
        tx`
          insert into projector_checkpoints (consumer_group, topic, partition, next_offset)
          values (${groupId}, ${topic}, ${partition}, ${first})
          on conflict (consumer_group, topic, partition)
            do update set next_offset = projector_checkpoints.next_offset
          returning next_offset`,
      ]);
      const next = Number(next_offset);
      if (first > next) {
        // Kafka is ahead of the truth (e.g. a fresh read store): go back to the checkpoint.
        logger.warn("projector seeks back to its checkpoint", { partition, from: first, to: next });
        return { kind: "seek", offset: next } as const;
      }
      const fresh = messages.filter((m) => m.offset >= next); // older ones: delivered again
      const events: RecordedEvent<AnyEvent>[] = [];
      // Undecodable messages are dead at once: trying again cannot help.
      for (const message of fresh) {
        if (message.event) events.push(message.event);
        else await deadLetter(tx, message, { error: message.error, attempts: 1 });
      }
      const applied = failedOnce === null
        ? (await applyBatch(tx, events, { fetchStream })).applied
        : await applyResilient(tx, events, {
          fetchStream,
          attempts: MAX_ATTEMPTS,
          failedOnce,
          onDeadLetter: (event, error) => {
            metrics?.inc("projector_dead_letters_total");
            logger.warn("event sent to dead letters", { streamId: event.streamId, error });
          },
        });
      const maxPosition = events.reduce((max, e) => Math.max(max, e.globalPosition), 0);
      const nextOffset = messages.at(-1)!.offset + 1;
      // The partition's own row: batches of other partitions do not wait for this one.
      const changed = maxPosition > 0 ? 1 : 0;
      await tx`
        with checkpoint as (
          update projector_checkpoints
          set next_offset = ${nextOffset}, updated_at = now(),
              max_position = greatest(max_position, ${maxPosition}),
              generation = generation + ${changed}
          where consumer_group = ${groupId} and topic = ${topic} and partition = ${partition})
        select pg_notify(${PROJECTION_CHANNEL}, ${String(maxPosition)})
        where ${maxPosition}::bigint > 0`;
      metrics?.inc("projector_events_applied_total", {}, applied);
      return { kind: "done", nextOffset } as const;
    });
  }

  /** A message that could not be decoded: dead at once, trying again cannot help. */
  async function deadLetter(
    tx: Tx,
    message: ConsumedMessage,
    failure: { error: string; attempts: number },
  ): Promise<void> {
    const headers = message.wire.headers;
    await insertDeadLetter(tx, {
      eventId: uuidOr(headers["event-id"]),
      streamId: message.wire.key,
      streamVersion: null,
      globalPosition: Number(headers["global-position"]) || null,
      eventType: headers["event-type"] ?? "unknown",
      payload: { key: message.wire.key, value: message.wire.value, headers },
      error: failure.error,
      attempts: failure.attempts,
    });
    metrics?.inc("projector_dead_letters_total");
    logger.warn("message sent to dead letters", {
      streamId: message.wire.key,
      error: failure.error,
    });
  }

  await consumer.start({ handle, checkpoint });
  return {
    assignment: () => consumer.assignment(),
    async stop() {
      await consumer.stop();
      await pruner.stop();
    },
  };
}

/** A header's event id if it is a UUID, else a new one (garbage must not stop the batch). */
function uuidOr(value: string | undefined): string {
  return value && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? value
    : crypto.randomUUID();
}
