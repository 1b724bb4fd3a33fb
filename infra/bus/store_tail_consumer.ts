import type { Logger } from "../../app/log.ts";
import { silentLogger } from "../../app/log.ts";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { Sql } from "../postgres/connect.ts";
import { type Cursor, readAll, START } from "../postgres/read_all.ts";
import { advisoryUnlock, tryAdvisoryLock } from "../postgres/advisory_lock.ts";
import type { ConsumedMessage, EventConsumer } from "./bus.ts";
import { decodeAll, encode } from "./wire.ts";
import { wakeSignal } from "../wake_signal.ts";
import { listenForAppends } from "../postgres/append_listener.ts";
import { backoffMs } from "../../app/backoff.ts";

/** The topic name the projector checkpoints the store tail under (one partition, 0). */
export const STORE_TAIL_TOPIC = "event-store";

/** Options of the store-tailing consumer. */
export type StoreTailOptions = {
  /** The event store. */
  eventSql: Sql;
  /** One member of a group consumes at a time; the others stand by. */
  groupId: string;
  /** Most events handed to one `handle` call (default 500). */
  batchSize?: number;
  /** Fallback poll interval when no NOTIFY arrives (default 1000 ms). */
  pollMs?: number;
  logger?: Logger;
};

/**
 * The projector's consumer without a broker: it tails the events table
 * through the relay's gap-safe `readAll` and hands the projector batches of
 * one partition, woken by the `events_appended` NOTIFY, polling as fallback.
 *
 * Offsets are ordinals in the gap-safe order: offset n is the n-th event by
 * (transaction id, position) among transactions older than every running
 * one. That prefix only ever grows at its end, so an offset names the same
 * event forever, and the projector's checkpoint (committed with its rows)
 * says exactly where to resume after a crash: nothing is skipped, nothing is
 * applied twice. On start and on a seek, the cursor is found by counting to
 * the offset (one index scan). Messages go through the same wire encoding as
 * Kafka, so the projector sees exactly what it would see from a broker.
 *
 * One member per group consumes (a session advisory lock on a dedicated
 * connection, read on that connection); if its process dies, another takes
 * over within `pollMs`.
 *
 * @example
 * ```ts
 * const projector = await startProjector({
 *   readSql, eventSql, groupId, consumer: storeTailConsumer({ eventSql, groupId }),
 * });
 * ```
 */
export function storeTailConsumer(options: StoreTailOptions): EventConsumer {
  const { eventSql, groupId } = options;
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 1000;
  const logger = options.logger ?? silentLogger;
  const lockKey = `agora-store-tail:${groupId}`;

  let stopped = false;
  let leader = false;
  let running: Promise<void> | null = null;
  let appends: { close(): Promise<void> } | null = null;
  // A NOTIFY that arrives while a batch is handled must not be lost: it ends the next sleep at once.
  const { wake: wakeUp, sleep, pause } = wakeSignal(() => stopped);

  type Handlers = Parameters<EventConsumer["start"]>[0];

  async function lead({ handle, checkpoint }: Handlers): Promise<void> {
    const conn = await eventSql.reserve();
    try {
      if (!(await tryAdvisoryLock(conn, lockKey))) return;
      leader = true;
      let offset = (await checkpoint(STORE_TAIL_TOPIC, 0)) ?? 0;
      let cursor = await cursorAt(conn, offset);
      logger.info("projector tails the event store", { group: groupId, offset });
      let failures = 0;
      let idle = 0;
      while (!stopped) {
        const page = await readAll(conn, { after: cursor, limit: batchSize });
        if (page.events.length === 0) {
          // Right after a NOTIFY, an older open transaction may still hold the rows back: look
          // again soon (20, 40, 80 ms...), then settle to the poll interval.
          idle++;
          if (await sleep(Math.min(pollMs, 10 * 2 ** Math.min(idle, 10)))) idle = 0;
          continue;
        }
        idle = 0;
        const messages = page.events.map((event, i) => message(event, offset + i));
        let outcome;
        try {
          outcome = await handle({ topic: STORE_TAIL_TOPIC, partition: 0, messages });
          failures = 0;
        } catch (error) {
          // The batch rolled back: deliver it again from the same place, with backoff.
          failures++;
          logger.warn("projector batch failed; will retry", { error: String(error), failures });
          await pause(backoffMs(failures, { baseMs: 250, maxMs: 10_000 }));
          continue;
        }
        const next = outcome.kind === "done" ? outcome.nextOffset : outcome.offset;
        cursor = next === offset + messages.length ? page.cursor : await cursorAt(conn, next);
        offset = next;
      }
    } finally {
      if (leader) await advisoryUnlock(conn, lockKey);
      leader = false;
      conn.release();
    }
  }

  return {
    start(handlers) {
      stopped = false;
      appends = listenForAppends(eventSql, wakeUp, { logger, who: "store tail" });
      running = (async () => {
        while (!stopped) {
          try {
            await lead(handlers);
          } catch (error) {
            leader = false;
            logger.warn("store tail lost its connection", { error: String(error) });
          }
          if (!stopped) await pause(pollMs); // a standby member checks again for the lock
        }
      })();
      return Promise.resolve();
    },
    assignment: () => (leader ? [0] : []),
    async stop() {
      stopped = true;
      wakeUp();
      await running;
      await appends?.close();
    },
  };
}

/**
 * The cursor just before the event at `offset` in the gap-safe order. No
 * horizon is needed: every event delivered so far was below an earlier
 * horizon, so it and everything before it in this order is committed now.
 */
async function cursorAt(conn: Sql, offset: number): Promise<Cursor> {
  if (offset === 0) return START;
  const [row] = await conn`
    select transaction_id::text as transaction_id, global_position from events
    order by transaction_id, global_position
    offset ${offset - 1} limit 1`;
  if (!row) {
    throw new Error(
      `the projector's checkpoint (${offset}) is past the end of the event store: ` +
        `the read store belongs to another event store`,
    );
  }
  return { transactionId: row.transaction_id, position: Number(row.global_position) };
}

/** The event as the projector would receive it from Kafka (encoded, then decoded). */
function message(event: RecordedEvent<AnyEvent>, offset: number): ConsumedMessage {
  const [decoded] = decodeAll(encode(event));
  return { offset, ...decoded };
}
