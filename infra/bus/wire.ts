import { messageOf } from "../../app/log.ts";
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
 * The envelope of one event, as JSON sees it. A RecordedEvent read from the
 * store is already upcast and validated (`toRecordedEvent`), so it travels at
 * the current schema version; the consumer validates it again on receipt.
 */
function toEnvelope(event: RecordedEvent<AnyEvent>) {
  const schemaVersion = schemaVersions[event.type];
  return {
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
  };
}

/** Limits of one bus message (see `encodeRuns`). */
export type RunLimits = {
  /** Events per message at most; 1 sends every event alone, as earlier releases did. */
  readonly maxEvents: number;
  /** JSON characters per message at most (a UTF-8 byte is at most 3 of them). */
  readonly maxChars: number;
};

/**
 * Encodes events, in the relay's order, as bus messages: each run of
 * consecutive events of one stream (an append, or appends to a hot stream)
 * becomes one message, cut at `limits`; key = stream id, so the order within
 * every stream, and among a partition's messages, is the store's order. One
 * event travels as a JSON envelope with headers for routing without parsing
 * (the format of every release); several as a JSON array of envelopes with
 * `event-count` and the first and last positions as headers. The producer's
 * and the consumer's costs are mostly per message, not per byte.
 *
 * @example
 * ```ts
 * const [wire] = encodeRuns([liked], { maxEvents: 500, maxChars: 256 * 1024 });
 * // { key: "post-…", value: "{…}", headers: { "event-type": "PostLiked", … } }
 * ```
 */
export function encodeRuns(
  events: readonly RecordedEvent<AnyEvent>[],
  limits: RunLimits,
): WireMessage[] {
  const messages: WireMessage[] = [];
  let run: { events: RecordedEvent<AnyEvent>[]; json: string[]; chars: number } | null = null;
  const flush = () => {
    if (run) messages.push(message(run.events, run.json));
    run = null;
  };
  for (const event of events) {
    const json = JSON.stringify(toEnvelope(event));
    const fits = run !== null && run.events[0].streamId === event.streamId &&
      run.events.length < limits.maxEvents && run.chars + json.length + 1 <= limits.maxChars;
    if (!fits) flush();
    run ??= { events: [], json: [], chars: 1 };
    run.events.push(event);
    run.json.push(json);
    run.chars += json.length + 1;
  }
  flush();
  return messages;
}

/** Encodes one event as a message of its own. */
export function encode(event: RecordedEvent<AnyEvent>): WireMessage {
  return message([event], [JSON.stringify(toEnvelope(event))]);
}

function message(events: readonly RecordedEvent<AnyEvent>[], json: readonly string[]): WireMessage {
  const first = events[0];
  if (events.length === 1) {
    return {
      key: first.streamId,
      value: json[0],
      headers: {
        "event-id": first.eventId,
        "event-type": first.type,
        "schema-version": String(schemaVersions[first.type]),
        "global-position": String(first.globalPosition),
      },
    };
  }
  return {
    key: first.streamId,
    value: `[${json.join(",")}]`,
    headers: {
      "event-count": String(events.length),
      "global-position": String(first.globalPosition),
      "last-position": String(events.at(-1)!.globalPosition),
    },
  };
}

/** One event of a message, decoded, or why it could not be (a poison event). */
export type Decoded =
  | {
    readonly event: RecordedEvent<AnyEvent>;
    readonly wire: WireMessage;
    readonly error?: undefined;
  }
  | { readonly event: null; readonly wire: WireMessage; readonly error: string };

/**
 * Decodes a bus message into its events, each validated on its own: one bad
 * envelope in a run is one poison event (its `wire` holds that envelope
 * alone), the others still decode. A value that is not JSON at all is one
 * poison message.
 */
export function decodeAll(wire: WireMessage): Decoded[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(wire.value);
  } catch (error) {
    return [{ event: null, wire, error: `malformed event envelope: ${messageOf(error)}` }];
  }
  if (!Array.isArray(parsed)) return [decodeOne(parsed, wire)];
  if (parsed.length === 0) return [{ event: null, wire, error: "empty event run" }];
  return parsed.map((item) => {
    const one = decodeOne(item, wire);
    // A poison event of a run goes to the dead letters alone, with its own envelope.
    return one.event === null ? { ...one, wire: { key: wire.key, ...envelopeWire(item) } } : one;
  });
}

/** One envelope of a run as if it had travelled alone (for a dead letter of it alone). */
function envelopeWire(item: unknown): Omit<WireMessage, "key"> {
  const fields = typeof item === "object" && item !== null ? item as Record<string, unknown> : {};
  const headers: Record<string, string> = {};
  if (typeof fields.eventId === "string") headers["event-id"] = fields.eventId;
  if (typeof fields.type === "string") headers["event-type"] = fields.type;
  if (typeof fields.globalPosition === "number") {
    headers["global-position"] = String(fields.globalPosition);
  }
  return { value: JSON.stringify(item), headers };
}

function decodeOne(value: unknown, wire: WireMessage): Decoded {
  try {
    return { event: fromEnvelope(value), wire };
  } catch (error) {
    return { event: null, wire, error: messageOf(error) };
  }
}

function fromEnvelope(value: unknown): RecordedEvent<AnyEvent> {
  const parsed = envelope.safeParse(value);
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
