import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";
import type { FetchStream, Tx } from "./apply_event.ts";
import { planChanges, type ProjectionChanges } from "./plan_changes.ts";

/** What `applyBatch` did: events written (gap fills included) and redeliveries skipped. */
export type BatchResult = { applied: number; skipped: number };

/**
 * Applies a batch of events set-based, in a constant number of statements
 * whatever its size: the streams' versions are read once, the events folded
 * in memory into row changes (`planChanges`), then each table is written
 * with one statement over `unnest` arrays, counters added per post in one
 * update. Exactly once and in stream order: a version already applied is
 * skipped (redelivery, replay); a version ahead of the next expected one
 * first pulls the missing versions from the event store. Records each
 * stream's version and the applied positions. A failing statement fails the
 * whole batch: the caller bisects to find the event at fault.
 *
 * @example
 * ```ts
 * const { applied } = await sql.begin((tx) => applyBatch(tx, events, { fetchStream }));
 * ```
 */
export async function applyBatch(
  tx: Tx,
  events: readonly RecordedEvent<AnyEvent>[],
  options: { fetchStream: FetchStream },
): Promise<BatchResult> {
  if (events.length === 0) return { applied: 0, skipped: 0 };
  const streamIds = [...new Set(events.map((e) => e.streamId))];
  const rows = await tx<{ stream_id: string; version: string }[]>`
    select stream_id, version from projection_streams
    where stream_id = any(${streamIds}::text[]) for update`;
  const versions = new Map(rows.map((r) => [r.stream_id, Number(r.version)]));
  const ordered: RecordedEvent<AnyEvent>[] = [];
  let skipped = 0;
  for (const event of events) {
    const last = versions.get(event.streamId) ?? 0;
    if (event.streamVersion <= last) {
      skipped++;
      continue;
    }
    if (event.streamVersion > last + 1) {
      ordered.push(
        ...await options.fetchStream(event.streamId, {
          fromVersion: last + 1,
          toVersion: event.streamVersion - 1,
        }),
      );
    }
    ordered.push(event);
    versions.set(event.streamId, event.streamVersion);
  }
  if (ordered.length === 0) return { applied: 0, skipped };
  // Together: the bookkeeping rides in the same pipeline as the rows.
  await Promise.all([writeChanges(tx, planChanges(ordered)), recordApplied(tx, ordered)]);
  return { applied: ordered.length, skipped };
}

/** Each stream's new head and every applied position, one statement each. */
async function recordApplied(tx: Tx, events: readonly RecordedEvent<AnyEvent>[]): Promise<void> {
  const heads = new Map<string, RecordedEvent<AnyEvent>>();
  for (const event of events) heads.set(event.streamId, event);
  const head = [...heads.values()];
  // Sent together: the connection pipelines them (one round trip, not two).
  await Promise.all([
    tx`
    insert into projection_streams (stream_id, version, position)
    select * from unnest(${head.map((e) => e.streamId)}::text[],
                         ${head.map((e) => e.streamVersion)}::bigint[],
                         ${head.map((e) => e.globalPosition)}::bigint[])
    on conflict (stream_id) do update set version = excluded.version, position = excluded.position`,
    tx`
    insert into applied_positions (position)
    select unnest(${events.map((e) => e.globalPosition)}::bigint[])
    on conflict do nothing`,
  ]);
}

/** Adds one returned post id to its count. */
function countBy(rows: readonly { post_id: string }[], into: Map<string, number>, sign: number) {
  for (const { post_id } of rows) into.set(post_id, (into.get(post_id) ?? 0) + sign);
}

/**
 * Writes the planned changes. Likes and comments report the rows they really
 * inserted or deleted, so a post's counters always match its rows.
 */
async function writeChanges(tx: Tx, changes: ProjectionChanges): Promise<void> {
  const { users, newPosts, posts, likes, comments, removedPosts } = changes;
  // Every insert and delete is sent at once (the connection pipelines them, and the server
  // runs them in this order); only the counters wait, for the rows each really changed.
  const writes: Promise<unknown>[] = [];
  const likeDelta = new Map<string, number>();
  const commentDelta = new Map<string, number>();
  const counted = (
    query: Promise<{ post_id: string }[]>,
    into: Map<string, number>,
    sign: number,
  ) => writes.push(query.then((rows) => countBy(rows, into, sign)));
  if (users.length > 0) {
    writes.push(tx`
      insert into users (id, username, registered_at)
      select * from unnest(${users.map((u) => u.id)}::uuid[], ${
      users.map((u) => u.username)
    }::text[],
                           ${users.map((u) => u.registeredAt)}::timestamptz[])`);
  }
  if (newPosts.length > 0) {
    writes.push(tx`
      insert into posts (id, author, author_name, message, created_at, version)
      select * from unnest(${newPosts.map((p) => p.id)}::uuid[],
                           ${newPosts.map((p) => p.author)}::uuid[],
                           ${newPosts.map((p) => p.authorName)}::text[],
                           ${newPosts.map((p) => p.message)}::text[],
                           ${newPosts.map((p) => p.createdAt)}::timestamptz[],
                           ${newPosts.map((p) => p.version)}::integer[])`);
  }
  if (likes.deletes.length > 0) {
    counted(
      tx<{ post_id: string }[]>`
        delete from likes l using unnest(${likes.deletes.map((l) => l.postId)}::uuid[],
                                         ${likes.deletes.map((l) => l.userId)}::uuid[]) d(p, u)
        where l.post_id = d.p and l.user_id = d.u
        returning l.post_id`,
      likeDelta,
      -1,
    );
  }
  if (likes.inserts.length > 0) {
    counted(
      tx<{ post_id: string }[]>`
        insert into likes (post_id, user_id, liked_at)
        select * from unnest(${likes.inserts.map((l) => l.postId)}::uuid[],
                             ${likes.inserts.map((l) => l.userId)}::uuid[],
                             ${likes.inserts.map((l) => l.at)}::timestamptz[])
        returning post_id`,
      likeDelta,
      1,
    );
  }
  if (comments.deletes.length > 0) {
    counted(
      tx<{ post_id: string }[]>`
        delete from comments where id = any(${comments.deletes}::uuid[]) returning post_id`,
      commentDelta,
      -1,
    );
  }
  if (comments.inserts.length > 0) {
    const rows = comments.inserts;
    counted(
      tx<{ post_id: string }[]>`
        insert into comments (id, post_id, author, author_name, comment, created_at, updated_at)
        select * from unnest(${rows.map((c) => c.id)}::uuid[], ${rows.map((c) => c.postId)}::uuid[],
                             ${rows.map((c) => c.author)}::uuid[],
                             ${rows.map((c) => c.authorName)}::text[],
                             ${rows.map((c) => c.comment)}::text[],
                             ${rows.map((c) => c.createdAt)}::timestamptz[],
                             ${rows.map((c) => c.updatedAt)}::timestamptz[])
        returning post_id`,
      commentDelta,
      1,
    );
  }
  if (comments.updates.length > 0) {
    const rows = comments.updates;
    writes.push(tx`
      update comments c set comment = d.comment, updated_at = d.at
      from unnest(${rows.map((c) => c.id)}::uuid[], ${rows.map((c) => c.comment)}::text[],
                  ${rows.map((c) => c.at)}::timestamptz[]) d(id, comment, at)
      where c.id = d.id`);
  }
  await Promise.all(writes);
  const removed = new Set(removedPosts);
  const touched = posts.filter((p) => !removed.has(p.id));
  const last: Promise<unknown>[] = [];
  if (touched.length > 0) {
    last.push(tx`
      update posts p set
        likes = p.likes + d.likes, comments = p.comments + d.comments,
        message = coalesce(d.message, p.message), updated_at = coalesce(d.updated_at, p.updated_at),
        version = d.version
      from unnest(${touched.map((t) => t.id)}::uuid[],
                  ${touched.map((t) => likeDelta.get(t.id) ?? 0)}::integer[],
                  ${touched.map((t) => commentDelta.get(t.id) ?? 0)}::integer[],
                  ${touched.map((t) => t.message)}::text[],
                  ${touched.map((t) => t.updatedAt)}::timestamptz[],
                  ${touched.map((t) => t.version)}::integer[])
           d(id, likes, comments, message, updated_at, version)
      where p.id = d.id`);
  }
  if (removedPosts.length > 0) {
    last.push(tx`
      with l as (delete from likes where post_id = any(${removedPosts}::uuid[])),
           c as (delete from comments where post_id = any(${removedPosts}::uuid[]))
      delete from posts where id = any(${removedPosts}::uuid[])`);
  }
  await Promise.all(last);
}
