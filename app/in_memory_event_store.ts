import {
  type AnyEvent,
  ConcurrencyError,
  type RecordedEvent,
  schemaVersions,
  streamTypeOf,
  validateEvent,
} from "../domain/mod.ts";
import type { AppendResult, EventStore, ExpectedVersion, NewEvent } from "./ports.ts";

/**
 * The EventStore port in memory, for the application's tests (no PostgreSQL).
 * Same rules as infra/postgres's store: an append is all or nothing, a stale
 * expected version throws ConcurrencyError, and re-appending event ids this
 * stream already holds answers their original positions (`duplicate`)
 * instead of writing them again. Events are copied in and out, so a caller
 * cannot change what is stored.
 *
 * @example
 * ```ts
 * const store = inMemoryEventStore();
 * await store.append(postStreamId(postId), events, { expectedVersion: 0 });
 * ```
 */
export function inMemoryEventStore(): EventStore & {
  /** Every stored event in position order (for assertions). */
  all(): RecordedEvent<AnyEvent>[];
} {
  const streams = new Map<string, RecordedEvent<AnyEvent>[]>();
  const byId = new Map<string, RecordedEvent<AnyEvent>>();
  const log: RecordedEvent<AnyEvent>[] = [];

  function append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult> {
    const { expectedVersion } = options;
    if (events.length === 0) return Promise.reject(new Error("append needs at least one event"));
    const stream = streams.get(streamId) ?? [];
    const stored = events.map((e) => byId.get(e.eventId));
    // A retry of an append that went through: every id is already in this stream.
    if (stored.every((e) => e?.streamId === streamId)) {
      const found = stored.filter((e) => e !== undefined);
      return Promise.resolve({
        nextExpectedVersion: Math.max(...found.map((e) => e.streamVersion)),
        positions: found.map((e) => e.globalPosition),
        duplicate: true,
      });
    }
    const expected = expectedVersion === "any" ? -1 : expectedVersion;
    if (stored.some((e) => e !== undefined)) {
      return Promise.reject(new ConcurrencyError(streamId, expected)); // an id of another stream
    }
    if (expectedVersion !== "any" && expectedVersion !== stream.length) {
      return Promise.reject(new ConcurrencyError(streamId, expectedVersion, stream.length));
    }
    let recorded: RecordedEvent<AnyEvent>[];
    try {
      recorded = events.map((e, i) => ({
        ...structuredClone(validateEvent(e.event)),
        eventId: e.eventId,
        streamId,
        streamType: streamTypeOf(streamId),
        streamVersion: stream.length + i + 1,
        globalPosition: log.length + i + 1,
        schemaVersion: schemaVersions[e.event.type],
        occurredAt: new Date(),
        metadata: { ...e.metadata },
      }));
    } catch (error) {
      return Promise.reject(error); // nothing written: all or nothing
    }
    streams.set(streamId, [...stream, ...recorded]);
    for (const event of recorded) byId.set(event.eventId, event);
    log.push(...recorded);
    return Promise.resolve({
      nextExpectedVersion: stream.length + recorded.length,
      positions: recorded.map((e) => e.globalPosition),
      duplicate: false,
    });
  }

  return {
    append,
    readStream(streamId, options = {}) {
      const from = options.fromVersion ?? 1;
      const to = options.toVersion ?? Number.MAX_SAFE_INTEGER;
      const events = (streams.get(streamId) ?? [])
        .filter((e) => e.streamVersion >= from && e.streamVersion <= to);
      return Promise.resolve(structuredClone(events));
    },
    all: () => structuredClone(log),
  };
}
