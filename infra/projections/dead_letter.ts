import type { Tx } from "./apply_event.ts";

/** An event (or undecodable message) that could not be applied. */
export type DeadLetter = {
  eventId: string;
  streamId: string;
  streamVersion: number | null;
  globalPosition: number | null;
  eventType: string;
  /** What was received, kept for the operator: stored as JSON. */
  payload: unknown;
  error: string;
  attempts: number;
};

/**
 * Records a dead letter (once per event while it is open). The payload goes
 * as text cast to jsonb, the one encoding for every caller (a jsonb
 * parameter would be encoded a second time by some clients).
 *
 * @example
 * ```ts
 * await insertDeadLetter(tx, { eventId, streamId, streamVersion: 3, globalPosition: 42,
 *   eventType: "PostLiked", payload: event, error: "boom", attempts: 3 });
 * ```
 */
export async function insertDeadLetter(tx: Tx, letter: DeadLetter): Promise<void> {
  await tx`
    insert into public.dead_letters (event_id, stream_id, stream_version, global_position,
                                     event_type, payload, error, attempts)
    values (${letter.eventId}, ${letter.streamId}, ${letter.streamVersion},
            ${letter.globalPosition}, ${letter.eventType},
            ${JSON.stringify(letter.payload ?? null)}::text::jsonb, ${letter.error},
            ${letter.attempts})
    on conflict (event_id) where resolved_at is null do nothing`;
}

/**
 * Moves a stream past an event that will not be applied (a dead letter), so
 * the stream's later events still apply; its position counts as handled for
 * readers waiting on it.
 *
 * @example
 * ```ts
 * await skipEvent(tx, { streamId: "post-…", version: 3, position: 42 });
 * ```
 */
export async function skipEvent(
  tx: Tx,
  event: { streamId: string; version: number; position: number },
): Promise<void> {
  await tx`
    insert into projection_streams (stream_id, version, position)
    values (${event.streamId}, ${event.version}, ${event.position})
    on conflict (stream_id) do update set version = excluded.version, position = excluded.position
    where projection_streams.version < excluded.version`;
  await tx`insert into applied_positions (position) values (${event.position})
           on conflict do nothing`;
}
