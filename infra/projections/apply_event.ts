import type postgres from "postgres";
import type { AnyEvent, RecordedEvent } from "../../domain/mod.ts";

/** A connection or a transaction: projection SQL runs inside the caller's transaction. */
export type Tx = postgres.Sql | postgres.TransactionSql;

/** The tables Restore read DB rebuilds and swaps in. */
export const PROJECTION_TABLES = [
  "users",
  "posts",
  "comments",
  "likes",
  "projection_streams",
  "applied_positions",
] as const;

/** `post-<uuid>` -> `<uuid>`. */
export function postIdOf(streamId: string): string {
  return streamId.slice("post-".length);
}

/**
 * Writes one event into the projection tables. No idempotency check here:
 * `projectEvent` guarantees each stream version arrives once and in order.
 */
export async function applyEvent(tx: Tx, event: RecordedEvent<AnyEvent>): Promise<void> {
  const version = event.streamVersion;
  switch (event.type) {
    case "UserRegistered": {
      const { userId, username, at } = event.data;
      await tx`insert into users (id, username, registered_at) values (${userId}, ${username}, ${at})`;
      return;
    }
    case "RoleGranted":
    case "RoleRevoked":
      return; // roles live on the write side only (the mediator reads the user's stream)
    case "PostCreated": {
      const { postId, author, authorName, message, at } = event.data;
      await tx`insert into posts (id, author, author_name, message, created_at, version)
               values (${postId}, ${author}, ${authorName}, ${message}, ${at}, ${version})`;
      return;
    }
    case "MessageUpdated": {
      const { message, at } = event.data;
      await tx`update posts set message = ${message}, updated_at = ${at}, version = ${version}
               where id = ${postIdOf(event.streamId)}`;
      return;
    }
    case "PostLiked": {
      const postId = postIdOf(event.streamId);
      await tx`insert into likes (post_id, user_id, liked_at)
               values (${postId}, ${event.data.userId}, ${event.data.at})`;
      await tx`update posts set likes = likes + 1, version = ${version} where id = ${postId}`;
      return;
    }
    case "PostUnliked": {
      const postId = postIdOf(event.streamId);
      // Count what was really removed, so a stray event cannot make the count drift.
      await tx`with gone as (
                 delete from likes where post_id = ${postId} and user_id = ${event.data.userId}
                 returning 1)
               update posts set likes = likes - (select count(*) from gone), version = ${version}
               where id = ${postId}`;
      return;
    }
    case "CommentAdded": {
      const postId = postIdOf(event.streamId);
      const { commentId, author, authorName, comment, at } = event.data;
      await tx`insert into comments (id, post_id, author, author_name, comment, created_at)
               values (${commentId}, ${postId}, ${author}, ${authorName}, ${comment}, ${at})`;
      await tx`update posts set comments = comments + 1, version = ${version} where id = ${postId}`;
      return;
    }
    case "CommentUpdated": {
      const postId = postIdOf(event.streamId);
      const { commentId, comment, at } = event.data;
      await tx`update comments set comment = ${comment}, updated_at = ${at} where id = ${commentId}`;
      await tx`update posts set version = ${version} where id = ${postId}`;
      return;
    }
    case "CommentRemoved": {
      const postId = postIdOf(event.streamId);
      await tx`with gone as (delete from comments where id = ${event.data.commentId} returning 1)
               update posts set comments = comments - (select count(*) from gone),
                 version = ${version}
               where id = ${postId}`;
      return;
    }
    case "PostRemoved": {
      const postId = postIdOf(event.streamId);
      await tx`delete from likes where post_id = ${postId}`;
      await tx`delete from comments where post_id = ${postId}`;
      await tx`delete from posts where id = ${postId}`;
      return;
    }
    default: {
      const unknown: never = event;
      throw new Error(`no projection for ${JSON.stringify(unknown)}`);
    }
  }
}

/** Reads a stream's events in [fromVersion, toVersion] from the event store (gap filling). */
export type FetchStream = (
  streamId: string,
  range: { fromVersion: number; toVersion: number },
) => Promise<RecordedEvent<AnyEvent>[]>;

/**
 * Applies an event exactly once and in stream order:
 * a version already applied is skipped (redelivery, replay); a version ahead
 * of the next expected one first pulls the missing versions from the event
 * store. Records the stream's version and the event's position.
 *
 * @example
 * ```ts
 * await sql.begin((tx) => projectEvent(tx, event, { fetchStream }));
 * ```
 */
export async function projectEvent(
  tx: Tx,
  event: RecordedEvent<AnyEvent>,
  options: { fetchStream: FetchStream },
): Promise<"applied" | "skipped"> {
  const [row] = await tx<{ version: string }[]>`
    select version from projection_streams where stream_id = ${event.streamId} for update`;
  const last = row ? Number(row.version) : 0;
  if (event.streamVersion <= last) return "skipped";
  const missing = event.streamVersion > last + 1
    ? await options.fetchStream(event.streamId, {
      fromVersion: last + 1,
      toVersion: event.streamVersion - 1,
    })
    : [];
  for (const earlier of [...missing, event]) {
    await applyEvent(tx, earlier);
    await tx`insert into applied_positions (position) values (${earlier.globalPosition})
             on conflict do nothing`;
  }
  await tx`
    insert into projection_streams (stream_id, version, position)
    values (${event.streamId}, ${event.streamVersion}, ${event.globalPosition})
    on conflict (stream_id) do update set version = excluded.version, position = excluded.position`;
  return "applied";
}
