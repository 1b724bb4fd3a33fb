import {
  type AnyEvent,
  type EventMetadata,
  readEvent,
  type RecordedEvent,
} from "../../domain/mod.ts";

/** The columns every event read selects, in SQL. */
export const EVENT_COLUMNS = `global_position, transaction_id::text as transaction_id, stream_id,
  stream_type, stream_version, event_id, event_type, schema_version, data, metadata, occurred_at`;

/** An events row as postgres.js returns it (int8 as string). */
export type EventRow = {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_type: string;
  stream_version: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: Date;
};

/** The one place snake_case rows become camelCase events; data is upcast and validated. */
export function toRecordedEvent(row: EventRow): RecordedEvent<AnyEvent> {
  const event = readEvent({
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
  });
  return {
    ...event,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    streamVersion: Number(row.stream_version),
    globalPosition: Number(row.global_position),
    schemaVersion: row.schema_version,
    occurredAt: row.occurred_at,
    metadata: row.metadata,
  } as RecordedEvent<AnyEvent>;
}
