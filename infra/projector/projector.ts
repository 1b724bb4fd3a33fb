import type postgres from "postgres";
import type { Logger } from "../../app/log.ts";
import { silentLogger } from "../../app/log.ts";
import type { Metrics } from "../../app/metrics.ts";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { BatchOutcome, ConsumedBatch, ConsumedMessage, EventConsumer } from "../bus/bus.ts";
import type { Sql } from "../postgres/connect.ts";
import { readStream } from "../postgres/read_stream.ts";
import { PROJECTION_CHANNEL } from "../postgres/tables.ts";
import { type FetchStream, projectEvent, type Tx } from "../projections/apply_event.ts";

/** How often an event is tried before it goes to the dead letters. */
const MAX_ATTEMPTS = 3;

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
};

/** A running projector. */
export type Projector = {
  stop(): Promise<void>;
  assignment(): number[];
};

/**
 * The projector: a Kafka consumer-group member that applies each batch to
 * the projection tables in ONE read-store transaction together with the
 * partition checkpoint, so a crash anywhere leaves rows and checkpoint in
 * agreement. Resumes from the PostgreSQL checkpoint; skips redeliveries by
 * stream version; sends events that keep failing to dead_letters.
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

  async function checkpoint(topic: string, partition: number): Promise<number | null> {
    const [row] = await readSql`
      select next_offset from projector_checkpoints
      where consumer_group = ${groupId} and topic = ${topic} and partition = ${partition}`;
    return row ? Number(row.next_offset) : null;
  }

  async function handle(batch: ConsumedBatch): Promise<BatchOutcome> {
    const { topic, partition, messages } = batch;
    const first = messages[0].offset;
    return await readSql.begin(async (tx) => {
      // The checkpoint row lock also orders this batch against Restore read DB's swap.
      await tx`insert into projector_checkpoints (consumer_group, topic, partition, next_offset)
               values (${groupId}, ${topic}, ${partition}, ${first})
               on conflict do nothing`;
      const [{ next_offset }] = await tx`
        select next_offset from projector_checkpoints
        where consumer_group = ${groupId} and topic = ${topic} and partition = ${partition}
        for update`;
      const next = Number(next_offset);
      if (first > next) {
        // Kafka is ahead of the truth (e.g. a fresh read store): go back to the checkpoint.
        logger.warn("projector seeks back to its checkpoint", { partition, from: first, to: next });
        return { kind: "seek", offset: next } as const;
      }
      let maxPosition = 0;
      let applied = 0;
      for (const message of messages) {
        if (message.offset < next) continue; // delivered again after a restart
        const outcome = await applyOne(tx, message);
        if (outcome === "applied") applied++;
        if (message.event) maxPosition = Math.max(maxPosition, message.event.globalPosition);
      }
      const nextOffset = messages.at(-1)!.offset + 1;
      await tx`update projector_checkpoints set next_offset = ${nextOffset}, updated_at = now()
               where consumer_group = ${groupId} and topic = ${topic} and partition = ${partition}`;
      if (maxPosition > 0) {
        await tx`update projector_state
                 set max_position = greatest(max_position, ${maxPosition}), updated_at = now()
                 where id = 'projector'`;
        await tx`select pg_notify(${PROJECTION_CHANNEL}, ${String(maxPosition)})`;
      }
      metrics?.inc("projector_events_applied_total", {}, applied);
      return { kind: "done", nextOffset } as const;
    });
  }

  /** Applies one message; after MAX_ATTEMPTS failures it becomes a dead letter. */
  async function applyOne(tx: postgres.TransactionSql, message: ConsumedMessage): Promise<string> {
    if (!message.event) {
      await deadLetter(tx, { message, error: message.error, attempts: 1 });
      return "dead";
    }
    const event = message.event;
    let lastError = "";
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        // A savepoint per try: a failed event rolls back alone, the batch goes on.
        return await tx.savepoint((sp) => projectEvent(sp, event, { fetchStream }));
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
    }
    await deadLetter(tx, { message, error: lastError, attempts: MAX_ATTEMPTS });
    // The stream moves past the poison event so its later events still apply.
    await tx`insert into projection_streams (stream_id, version, position)
             values (${event.streamId}, ${event.streamVersion}, ${event.globalPosition})
             on conflict (stream_id) do update set version = excluded.version,
               position = excluded.position
             where projection_streams.version < excluded.version`;
    await tx`insert into applied_positions (position) values (${event.globalPosition})
             on conflict do nothing`;
    return "dead";
  }

  async function deadLetter(
    tx: Tx,
    entry: { message: ConsumedMessage; error: string; attempts: number },
  ): Promise<void> {
    const { message, error, attempts } = entry;
    const event: RecordedEvent<AnyEvent> | null = message.event;
    const headers = message.wire.headers;
    await tx`
      insert into dead_letters (event_id, stream_id, stream_version, global_position, event_type,
                                payload, error, attempts)
      values (${event?.eventId ?? uuidOr(headers["event-id"])},
              ${event?.streamId ?? message.wire.key},
              ${event?.streamVersion ?? null},
              ${event?.globalPosition ?? (Number(headers["global-position"]) || null)},
              ${event?.type ?? headers["event-type"] ?? "unknown"},
              ${tx.json({ key: message.wire.key, value: message.wire.value, headers })},
              ${error}, ${attempts})
      on conflict (event_id) where resolved_at is null do nothing`;
    metrics?.inc("projector_dead_letters_total");
    logger.warn("event sent to dead letters", { streamId: message.wire.key, error });
  }

  await consumer.start({ handle, checkpoint });
  return {
    assignment: () => consumer.assignment(),
    stop: () => consumer.stop(),
  };
}

/** A header's event id if it is a UUID, else a new one (garbage must not stop the batch). */
function uuidOr(value: string | undefined): string {
  return value && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? value
    : crypto.randomUUID();
}
