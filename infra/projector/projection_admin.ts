import type { ProjectionAdmin, ProjectionStatus } from "../../app/ports.ts";
import type { Sql } from "../postgres/connect.ts";
import { readStream } from "../postgres/read_stream.ts";
import { applyBatch } from "../projections/apply_batch.ts";
import type { Tx } from "../projections/apply_event.ts";
import { parseStreamId } from "../../domain/mod.ts";
import { restorePercent } from "../projections/restore_progress.ts";
import { appliedPosition, raiseGeneration } from "../projections/read_model_progress.ts";
import { messageOf } from "../../app/log.ts";

/**
 * The admin view of the projector: checkpoints, lag, dead letters, and the
 * retry of a dead letter (its whole stream is projected again from the event
 * store, so nothing is applied out of order).
 *
 * @example
 * ```ts
 * const admin = projectionAdmin({ eventSql, readSql });
 * const { lagEvents } = await admin.status();
 * ```
 */
export function projectionAdmin(deps: { eventSql: Sql; readSql: Sql }): ProjectionAdmin {
  const { eventSql, readSql } = deps;
  return {
    async status(): Promise<ProjectionStatus> {
      const [store] = await eventSql`
        select coalesce(max(global_position), 0)::bigint as position from events`;
      const storePosition = Number(store.position);
      const applied = await appliedPosition(readSql);
      // Lag: events above what the projector has applied (positions are applied per partition,
      // so this is an estimate from the top; exact once caught up).
      const [lag] = await eventSql`
        select count(*)::int as n, min(occurred_at) as oldest from events
        where global_position > ${applied}`;
      const checkpoints = await readSql`
        select consumer_group, topic, partition, next_offset, updated_at
        from projector_checkpoints order by consumer_group, topic, partition`;
      const dead = await readSql`
        select id, event_id, stream_id, stream_version, global_position, event_type, error, attempts,
               created_at
        from dead_letters where resolved_at is null order by id desc limit 100`;
      const [restore] = await readSql`
        select id, status, total, done from restore_jobs order by started_at desc limit 1`;
      return {
        lastRestore: restore
          ? {
            id: restore.id,
            status: restore.status,
            percent: restorePercent({
              status: restore.status,
              done: Number(restore.done),
              total: Number(restore.total),
            }),
          }
          : null,
        storePosition,
        appliedPosition: applied,
        lagEvents: lag.n,
        lagMs: lag.oldest ? Math.max(0, Date.now() - new Date(lag.oldest).getTime()) : 0,
        checkpoints: checkpoints.map((c) => ({
          consumerGroup: c.consumer_group,
          topic: c.topic,
          partition: c.partition,
          nextOffset: Number(c.next_offset),
          updatedAt: new Date(c.updated_at).toISOString(),
        })),
        deadLetters: dead.map((d) => ({
          id: Number(d.id),
          eventId: d.event_id,
          streamId: d.stream_id,
          streamVersion: d.stream_version === null ? null : Number(d.stream_version),
          globalPosition: d.global_position === null ? null : Number(d.global_position),
          eventType: d.event_type,
          error: d.error,
          attempts: d.attempts,
          createdAt: new Date(d.created_at).toISOString(),
        })),
      };
    },

    async retryDeadLetter(id: number): Promise<boolean> {
      const [letter] = await readSql`
        select stream_id from dead_letters where id = ${id} and resolved_at is null`;
      if (!letter) return false;
      const streamId: string = letter.stream_id;
      const events = await readStream(eventSql, { streamId });
      try {
        await readSql.begin(async (tx) => {
          await tx`select 1 from dead_letters where id = ${id} for update`;
          await forgetStream(tx, streamId);
          await applyBatch(tx, events, {
            fetchStream: (s, range) => readStream(eventSql, { streamId: s, ...range }),
          });
          await tx`update dead_letters set resolved_at = now() where id = ${id}`;
          await raiseGeneration(tx); // the stream's rows changed
        });
        return events.length > 0;
      } catch (error) {
        await readSql`update dead_letters set attempts = attempts + 1,
                      error = ${messageOf(error)}
                      where id = ${id}`;
        return false;
      }
    },
  };
}

/** Removes a stream's rows from the projections so it can be applied from version 1. */
async function forgetStream(tx: Tx, streamId: string): Promise<void> {
  const stream = parseStreamId(streamId);
  if (stream?.kind === "post" && /^[0-9a-f-]{36}$/i.test(stream.postId)) {
    await tx`delete from likes where post_id = ${stream.postId}`;
    await tx`delete from comments where post_id = ${stream.postId}`;
    await tx`delete from posts where id = ${stream.postId}`;
  } else if (stream?.kind === "user") {
    await tx`delete from users where username = ${stream.username}`;
  }
  await tx`delete from projection_streams where stream_id = ${streamId}`;
}
