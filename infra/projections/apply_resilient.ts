import { messageOf } from "../../app/log.ts";
import type postgres from "postgres";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import { applyBatch } from "./apply_batch.ts";
import type { FetchStream } from "./apply_event.ts";
import { insertDeadLetter, skipEvent } from "./dead_letter.ts";

/** Options of `applyResilient`. */
export type ResilientOptions = {
  fetchStream: FetchStream;
  /** Tries of an event on its own before it becomes a dead letter (the projector: 3). */
  attempts: number;
  /** Told about each dead letter, after it is recorded (logs, metrics). */
  onDeadLetter?: (event: RecordedEvent<AnyEvent>, error: string) => void;
  /**
   * The whole batch already failed once, outside a savepoint, with this
   * error: start by splitting it (that try counts as its first).
   */
  failedOnce?: { error: unknown };
};

/**
 * Applies events with `applyBatch` in one savepoint; if that fails, each half
 * in its own savepoint, down to the single event at fault, which is tried
 * `attempts` times in all, then recorded in dead_letters and its stream moved
 * past it, so the rest of the batch and the stream's later events still
 * apply. Returns how many events were applied.
 *
 * @example
 * ```ts
 * const applied = await sql.begin((tx) => applyResilient(tx, events, { fetchStream, attempts: 3 }));
 * ```
 */
export async function applyResilient(
  tx: postgres.TransactionSql,
  events: readonly RecordedEvent<AnyEvent>[],
  options: ResilientOptions,
): Promise<number> {
  const { fetchStream } = options;
  const attempt = async (batch: readonly RecordedEvent<AnyEvent>[]) =>
    (await tx.savepoint((sp) => applyBatch(sp, batch, { fetchStream }))).applied;

  async function bisect(batch: readonly RecordedEvent<AnyEvent>[]): Promise<number> {
    if (batch.length === 0) return 0;
    try {
      return await attempt(batch);
    } catch (error) {
      return await split(batch, error);
    }
  }

  /** `batch` failed with `error`: its halves on their own, down to the event at fault. */
  async function split(batch: readonly RecordedEvent<AnyEvent>[], error: unknown) {
    if (batch.length === 1) return await retryOrDeadLetter(batch[0], error);
    const middle = Math.ceil(batch.length / 2);
    return await bisect(batch.slice(0, middle)) + await bisect(batch.slice(middle));
  }

  async function retryOrDeadLetter(event: RecordedEvent<AnyEvent>, first: unknown) {
    let lastError = messageOf(first);
    for (let tried = 1; tried < options.attempts; tried++) {
      try {
        return await attempt([event]);
      } catch (error) {
        lastError = messageOf(error);
      }
    }
    await insertDeadLetter(tx, {
      eventId: event.eventId,
      streamId: event.streamId,
      streamVersion: event.streamVersion,
      globalPosition: event.globalPosition,
      eventType: event.type,
      payload: event,
      error: lastError,
      attempts: Math.max(1, options.attempts),
    });
    await skipEvent(tx, {
      streamId: event.streamId,
      version: event.streamVersion,
      position: event.globalPosition,
    });
    options.onDeadLetter?.(event, lastError);
    return 0;
  }

  return options.failedOnce && events.length > 0
    ? await split(events, options.failedOnce.error)
    : await bisect(events);
}
