import { z } from "zod";
import { type AnyEvent, readEvent, type RecordedEvent, schemaVersions } from "../../domain/mod.ts";
import type { WireMessage } from "./bus.ts";

/** The envelope's zod schema; the data is validated by the event's own schema. */
const envelope = z.object({
  eventId: z.uuid(),
  type: z.string(),
  schemaVersion: z.int().min(1),
  data: z.unknown(),
  streamId: z.string().min(1),
  streamType: z.string().min(1),
  streamVersion: z.int().min(1),
  globalPosition: z.int().min(1),
  /** Written by earlier releases; read and ignored, so old messages still decode. */
  transactionId: z.string().optional(),
  occurredAt: z.iso.datetime({ offset: true }),
  metadata: z.object({
    userId: z.string().nullable(),
    correlationId: z.string(),
    causationId: z.string(),
  }),
});

/**
 * Encodes a recorded event for the bus: key = stream id (per-aggregate
 * order), headers for routing without parsing, JSON value.
 *
 * @example
 * ```ts
 * const wire = encode(event); // { key: "post-…", value: "{…}", headers: { "event-type": "PostLiked", … } }
 * ```
 */
export function encode(event: RecordedEvent<AnyEvent>): WireMessage {
  // Events read from the store are already upcast: they travel at the current schema version.
  const schemaVersion = schemaVersions[event.type];
  readEvent({ type: event.type, schemaVersion, data: event.data }); // never publish what cannot be read
  const value = JSON.stringify({
    eventId: event.eventId,
    type: event.type,
    schemaVersion,
    data: event.data,
    streamId: event.streamId,
    streamType: event.streamType,
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition,
    occurredAt: event.occurredAt.toISOString(),
    metadata: event.metadata,
  });
  return {
    key: event.streamId,
    value,
    headers: {
      "event-id": event.eventId,
      "event-type": event.type,
      "schema-version": String(schemaVersion),
      "global-position": String(event.globalPosition),
    },
  };
}

/** Decodes and validates a bus message; throws when it is not a readable event. */
export function decode(wire: WireMessage): RecordedEvent<AnyEvent> {
  const parsed = envelope.safeParse(JSON.parse(wire.value));
  if (!parsed.success) throw new Error(`malformed event envelope: ${parsed.error.message}`);
  const e = parsed.data;
  const event = readEvent({ type: e.type, schemaVersion: e.schemaVersion, data: e.data });
  return {
    ...event,
    eventId: e.eventId,
    streamId: e.streamId,
    streamType: e.streamType,
    streamVersion: e.streamVersion,
    globalPosition: e.globalPosition,
    schemaVersion: e.schemaVersion,
    occurredAt: new Date(e.occurredAt),
    metadata: e.metadata,
  } as RecordedEvent<AnyEvent>;
}

/** Decodes, or explains why not (a poison message). */
export function tryDecode(
  wire: WireMessage,
): { event: RecordedEvent<AnyEvent>; error?: undefined } | { event: null; error: string } {
  try {
    return { event: decode(wire) };
  } catch (error) {
    return { event: null, error: error instanceof Error ? error.message : String(error) };
  }
}
