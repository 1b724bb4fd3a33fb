import type postgres from "postgres";
import { z } from "zod";
import type { PostFilter, ReadStore } from "../../app/ports.ts";
import {
  type CommentView,
  type PostDetail,
  type PostPage,
  type PostSummary,
  ValidationFailed,
} from "../../domain/mod.ts";
import type { Sql } from "../postgres/connect.ts";
import { PROJECTION_CHANNEL } from "../postgres/tables.ts";
import { appliedPosition, readModelGeneration } from "./read_model_progress.ts";

/** Readers waiting for their own write listen on the projector's channel. */
export { PROJECTION_CHANNEL };

/** Options of `postgresReadStore`. */
export type ReadStoreOptions = {
  /**
   * How often pending `waitForPosition` calls re-check without a notification
   * (default 500 ms). Only a safety net: a NOTIFY sent while the listening
   * connection reconnects is lost.
   */
  safetyRecheckMs?: number;
};

/** The read store on PostgreSQL; `close()` stops its LISTEN. */
export type PostgresReadStore = ReadStore & { close(): Promise<void> };

const POST_COLUMNS = `id, author, author_name, message, created_at, updated_at, likes, comments,
  version, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`;

/** A posts row as postgres.js returns it (integer columns arrive as numbers). */
type PostRow = {
  id: string;
  author: string;
  author_name: string;
  message: string;
  created_at: Date;
  updated_at: Date | null;
  likes: number;
  comments: number;
  version: number;
  /** created_at with all six fractional digits, so a cursor never rounds a row away. */
  cursor_at: string;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The position of the last row of a page: the next page starts strictly after it. */
const cursorKey = z.object({
  // Year 0 passes the ISO format but Postgres rejects it.
  createdAt: z.iso.datetime().refine((at) => !at.startsWith("0000")),
  id: z.uuid(),
});
type CursorKey = z.infer<typeof cursorKey>;

function encodeCursor(key: CursorKey): string {
  return btoa(JSON.stringify(key)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): CursorKey {
  const invalid = () => new ValidationFailed("cursor: invalid", { cursor: "invalid cursor" });
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
  } catch {
    throw invalid();
  }
  const parsed = cursorKey.safeParse(decoded);
  if (!parsed.success) throw invalid();
  return parsed.data;
}

/** A comment as the post query aggregates it (times as Date.toISOString() writes them). */
type CommentJson = Omit<CommentView, "edited">;

/** SQL for a timestamptz column as Date.toISOString() writes it (UTC, milliseconds); null stays null. */
function isoMs(column: string): string {
  return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The one place a posts row becomes a PostSummary. */
function toPostSummary(row: PostRow): PostSummary {
  return {
    id: row.id,
    author: row.author,
    authorName: row.author_name,
    message: row.message,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at?.toISOString() ?? null,
    likes: Number(row.likes),
    comments: Number(row.comments),
    version: Number(row.version),
  };
}

/**
 * The ReadStore port on the projection tables. Reads never replay events.
 * `waitForPosition` shares one LISTEN connection among all waiters, opened on
 * first use; a position is applied when `applied_positions` holds it or it is
 * at or below the projector's pruning bound (see prune_positions.ts).
 *
 * @example
 * ```ts
 * const readStore = postgresReadStore(connect(env.READ_DATABASE_URL));
 * const page = await readStore.findPosts({ minLikes: 1 }, { limit: 20 });
 * const more = await readStore.findPosts({ minLikes: 1 }, { limit: 20, cursor: page.nextCursor! });
 * await readStore.close();
 * ```
 */
export function postgresReadStore(
  readSql: Sql,
  options: ReadStoreOptions = {},
): PostgresReadStore {
  const positions = positionWaiter(readSql, options.safetyRecheckMs ?? 500);

  async function findPosts(
    filter: PostFilter,
    page: { limit: number; cursor?: string },
  ): Promise<PostPage> {
    if (!Number.isInteger(page.limit) || page.limit < 1) {
      throw new ValidationFailed("limit: must be a positive integer", {
        limit: "must be a positive integer",
      });
    }
    const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
    const none = readSql``;
    const byAuthor = filter.author === undefined
      ? none
      : readSql`and author_name = ${filter.author.toLowerCase()}`;
    // The tag as a whole word after "#" (the query schema allows only word characters in it).
    const byTag = filter.tag === undefined
      ? none
      : readSql`and message ~* ${`(^|[^[:alnum:]_&#/])#${filter.tag}([^[:alnum:]_]|$)`}`;
    const withComments = filter.withComments ? readSql`and comments > 0` : none;
    const minLikes = filter.minLikes === undefined
      ? none
      : readSql`and likes >= ${filter.minLikes}`;
    const afterCursor = after === null
      ? none
      // As text: postgres.js would send a timestamptz parameter through Date, dropping microseconds.
      : readSql`and (created_at, id) < (${after.createdAt}::text::timestamptz, ${after.id}::uuid)`;
    const rows = await readSql<PostRow[]>`
      select ${readSql.unsafe(POST_COLUMNS)} from posts
      where true ${byAuthor} ${byTag} ${withComments} ${minLikes} ${afterCursor}
      order by created_at desc, id desc
      limit ${page.limit + 1}`;
    const more = rows.length > page.limit;
    const shown = more ? rows.slice(0, page.limit) : rows;
    const last = shown.at(-1);
    return {
      posts: shown.map(toPostSummary),
      nextCursor: more && last ? encodeCursor({ createdAt: last.cursor_at, id: last.id }) : null,
    };
  }

  async function findPost(postId: string, viewerId: string | null): Promise<PostDetail | null> {
    if (!UUID.test(postId)) return null;
    const viewer = viewerId !== null && UUID.test(viewerId) ? viewerId : null;
    // One statement is one snapshot, so the comment count and the comment list agree; and one
    // round trip (a read-only transaction took four).
    const [post] = await readSql<
      (PostRow & { liked_by_me: boolean; comment_list: CommentJson[] })[]
    >`
      select ${readSql.unsafe(POST_COLUMNS)},
             exists (select 1 from likes where post_id = posts.id and user_id = ${viewer})
               as liked_by_me,
             coalesce((
               select json_agg(json_build_object(
                        'id', c.id, 'author', c.author, 'authorName', c.author_name,
                        'comment', c.comment, 'createdAt', ${readSql.unsafe(isoMs("c.created_at"))},
                        'updatedAt', ${readSql.unsafe(isoMs("c.updated_at"))})
                      order by c.created_at, c.id)
               from comments c where c.post_id = posts.id
             ), '[]') as comment_list
      from posts where id = ${postId}`;
    if (!post) return null;
    return {
      ...toPostSummary(post),
      likedByMe: post.liked_by_me,
      commentList: post.comment_list.map((c) => ({ ...c, edited: c.updatedAt !== null })),
    };
  }

  async function likedPostIds(userId: string, postIds: string[]): Promise<string[]> {
    if (!UUID.test(userId) || postIds.length === 0) return [];
    const rows = await readSql<{ post_id: string }[]>`
      select post_id from likes where user_id = ${userId} and post_id = any(${postIds}::uuid[])`;
    return rows.map((row) => row.post_id);
  }

  async function userExists(username: string): Promise<boolean> {
    const [row] = await readSql<{ found: boolean }[]>`
      select exists (select 1 from users where username = ${username.toLowerCase()}) as found`;
    return row.found;
  }

  return {
    findPosts,
    findPost,
    userExists,
    likedPostIds,
    generation: () => readModelGeneration(readSql),
    waitForPosition: (position, timeoutMs) => positions.wait(position, timeoutMs),
    appliedPosition: () => appliedPosition(readSql),
    close: () => positions.close(),
  };
}

type Waiter = {
  position: number;
  resolve: (applied: boolean) => void;
  timer: ReturnType<typeof setTimeout>;
};

/**
 * Waiters for applied positions behind one shared LISTEN. Every wake-up (a
 * notification or the safety tick) runs one query for all pending positions.
 */
function positionWaiter(readSql: Sql, safetyRecheckMs: number) {
  const waiters = new Set<Waiter>();
  let listening: Promise<postgres.ListenMeta> | null = null;
  let tick: ReturnType<typeof setInterval> | null = null;
  let checking = false;
  let checkAgain = false;

  async function isApplied(position: number): Promise<boolean> {
    const [row] = await readSql<{ applied: boolean }[]>`
      select exists (select 1 from applied_positions where position = ${position})
        or ${position} <= (select pruned_below from projector_state where id = 'projector')
        as applied`;
    return row.applied === true;
  }

  function settle(waiter: Waiter, applied: boolean): void {
    if (!waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    waiter.resolve(applied);
    if (waiters.size === 0 && tick !== null) {
      clearInterval(tick);
      tick = null;
    }
  }

  async function recheck(): Promise<void> {
    // A wake-up during a check runs one more check after it, never a parallel one.
    if (checking) {
      checkAgain = true;
      return;
    }
    checking = true;
    try {
      do {
        checkAgain = false;
        const pending = [...new Set([...waiters].map((w) => w.position))];
        if (pending.length === 0) break;
        const rows = await readSql<{ position: string }[]>`
          select p.position from unnest(${pending}::bigint[]) as p(position)
          where exists (select 1 from applied_positions a where a.position = p.position)
             or p.position <= (select pruned_below from projector_state where id = 'projector')`;
        const applied = new Set(rows.map((r) => Number(r.position)));
        for (const waiter of waiters) {
          if (applied.has(waiter.position)) settle(waiter, true);
        }
      } while (checkAgain);
    } catch {
      // The next notification or safety tick checks again; the timeout bounds the wait.
    } finally {
      checking = false;
    }
  }

  function listen(): Promise<postgres.ListenMeta> {
    listening ??= readSql.listen(PROJECTION_CHANNEL, () => void recheck()).catch((error) => {
      listening = null;
      throw error;
    });
    return listening;
  }

  async function wait(position: number, timeoutMs: number): Promise<boolean> {
    if (position <= 0) return true;
    if (timeoutMs <= 0) return await isApplied(position);
    const applied = new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        position,
        resolve,
        timer: setTimeout(() => settle(waiter, false), timeoutMs),
      };
      waiters.add(waiter);
    });
    tick ??= setInterval(() => void recheck(), safetyRecheckMs);
    // One check once LISTEN is active, shared with the other new waiters (one query, not one
    // per waiter): it sees every batch committed before it, anything later notifies.
    listen().then(() => recheck(), () => recheck());
    return await applied;
  }

  async function close(): Promise<void> {
    for (const waiter of [...waiters]) settle(waiter, false);
    const active = listening;
    listening = null;
    if (active) await active.then((meta) => meta.unlisten(), () => {});
  }

  return { wait, close };
}
