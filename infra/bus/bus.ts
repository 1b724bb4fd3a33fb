import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";

/** A message as it travels on the bus: key, JSON value, string headers. */
export type WireMessage = {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
};

/**
 * One consumed event: decoded when it could be, with the offset of the
 * message that carried it (one message may carry several events of a stream,
 * which then share its offset and `wire`). An event that could not be decoded
 * has a `wire` of its own: its envelope alone, for the dead letters.
 */
export type ConsumedMessage =
  & {
    readonly offset: number;
    readonly wire: WireMessage;
  }
  & (
    | { readonly event: RecordedEvent<AnyEvent>; readonly error?: undefined }
    | { readonly event: null; readonly error: string }
  );

/** Messages of one partition, in offset order. */
export type ConsumedBatch = {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
};

/** What a batch handler answers: the consumer then continues from `nextOffset`. */
export type BatchOutcome =
  | { readonly kind: "done"; readonly nextOffset: number }
  | { readonly kind: "seek"; readonly offset: number };

/**
 * Publishes recorded events. Resolves only after the bus acknowledged every
 * one (for Kafka: all in-sync replicas), so a caller may then move its cursor.
 *
 * @example
 * ```ts
 * await publisher.publish(page.events);
 * ```
 */
export interface EventPublisher {
  publish(events: readonly RecordedEvent<AnyEvent>[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A member of a consumer group. `start` resolves once the consumer runs;
 * `checkpoint(partition)` tells where the durable state says to resume.
 */
export interface EventConsumer {
  start(options: {
    handle: (batch: ConsumedBatch) => Promise<BatchOutcome>;
    checkpoint: (topic: string, partition: number) => Promise<number | null>;
  }): Promise<void>;
  /** Partitions currently assigned to this member. */
  assignment(): number[];
  stop(): Promise<void>;
}

/** A bus: one topic of events, publishers and group consumers on it. */
export interface EventBus {
  /** Creates the topic if missing. */
  ensureTopic(): Promise<void>;
  /** Resolves when the bus answers (readiness). */
  ping(): Promise<void>;
  publisher(): Promise<EventPublisher>;
  consumer(options: { groupId: string }): EventConsumer;
  readonly topic: string;
}
