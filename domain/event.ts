/**
 * A domain event as deciders produce it: a type tag and its data.
 *
 * @example
 * ```ts
 * const e: DomainEvent<"PostLiked", { userId: string; at: string }> = {
 *   type: "PostLiked",
 *   data: { userId: "u1", at: "2026-01-01T00:00:00.000Z" },
 * };
 * ```
 */
export type DomainEvent<T extends string = string, D = unknown> = {
  readonly type: T;
  readonly data: D;
};

/** Metadata every stored event carries besides its data. */
export type EventMetadata = {
  /** Who caused it; null for system events. */
  readonly userId: string | null;
  /** Ties together everything one request caused. */
  readonly correlationId: string;
  /** The id of the command (or event) that caused this event. */
  readonly causationId: string;
};

/**
 * An event as read back from the store: the domain event plus where and when
 * it was recorded.
 */
export type RecordedEvent<E extends DomainEvent = DomainEvent> = E & {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamType: string;
  /** 1 for the first event of a stream. */
  readonly streamVersion: number;
  /** Position in the whole store; increases with every append. */
  readonly globalPosition: number;
  readonly schemaVersion: number;
  readonly occurredAt: Date;
  readonly metadata: EventMetadata;
};
