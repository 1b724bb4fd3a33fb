import {
  foldWith,
  isPostEvent,
  isUserEvent,
  postDecider,
  type PostEvent,
  type PostState,
  userDecider,
  type UserEvent,
  type UserState,
} from "../../domain/mod.ts";
import type { Sql } from "../postgres/connect.ts";
import { readAll, START } from "../postgres/read_all.ts";

/**
 * What the verifier found: one readable line per difference (empty when the
 * projections match), and how much of the store it folded.
 *
 * @example
 * ```ts
 * const result: Verification = { differences: ["posts 5f0…: missing"], streams: 2, events: 9 };
 * ```
 */
export type Verification = {
  readonly differences: string[];
  readonly streams: number;
  readonly events: number;
};

type Value = string | number | null;
/** A row as postgres.js returns it. */
type DbRow = Record<string, unknown>;
type Row = Record<string, Value>;
/** A table's rows by key; the key is what a difference line names. */
type Table = Map<string, Row>;
type Tables = Record<
  "users" | "posts" | "comments" | "likes" | "projection_streams",
  Table
>;

type Folded = {
  posts: Map<string, PostState>;
  users: Map<string, UserState>;
  /** Last stream version per stream. */
  versions: Map<string, number>;
  positions: number[];
};

/** How many positions a missing-positions line lists before "…". */
const LISTED = 10;

/**
 * The verifier: folds the whole event store from scratch with the domain's
 * own deciders, derives the rows the projections should hold, and compares
 * them with the live projection tables row by row. Meant for a quiet system
 * (after the projector caught up): a projector that is behind shows up as
 * differences.
 *
 * @example
 * ```ts
 * const { differences } = await verifyReadModel({ eventSql, readSql });
 * for (const line of differences) console.log(line); // "posts 5f0…: likes expected 3, found 2"
 * ```
 */
export async function verifyReadModel(
  options: { eventSql: Sql; readSql: Sql; batchSize?: number },
): Promise<Verification> {
  const folded = await foldStore(options.eventSql, options.batchSize ?? 1000);
  const expected = expectedTables(folded);
  const { tables: found, applied, prunedBelow } = await projectedTables(options.readSql);
  const differences: string[] = [];
  for (const name of Object.keys(expected) as (keyof Tables)[]) {
    differences.push(...compare(name, expected[name], found[name]));
  }
  // Positions at or below the pruning bound were applied and pruned (prune_positions.ts).
  const missing = folded.positions.filter((p) => p > prunedBelow && !applied.has(p));
  if (missing.length > 0) {
    const listed = missing.slice(0, LISTED).join(", ") + (missing.length > LISTED ? ", …" : "");
    differences.push(`applied_positions: ${missing.length} missing (${listed})`);
  }
  return { differences, streams: folded.versions.size, events: folded.positions.length };
}

/** Every stream folded into its aggregate's state, through the gap-safe cursor. */
async function foldStore(eventSql: Sql, batchSize: number): Promise<Folded> {
  const folded: Folded = { posts: new Map(), users: new Map(), versions: new Map(), positions: [] };
  let cursor = START;
  for (;;) {
    const page = await readAll(eventSql, { after: cursor, limit: batchSize });
    if (page.events.length === 0) return folded;
    // Each stream's events of the page in one fold: `evolve` copies a post's likers and
    // comments, so event by event a long post would fold in quadratic time.
    const byStream = Map.groupBy(page.events, (event) => event.streamId);
    for (const [streamId, events] of byStream) {
      const posts: PostEvent[] = [];
      const users: UserEvent[] = [];
      for (const event of events) {
        if (isPostEvent(event)) posts.push(event);
        else if (isUserEvent(event)) users.push(event);
      }
      if (posts.length > 0) {
        const state = folded.posts.get(streamId) ?? postDecider.initialState();
        folded.posts.set(streamId, foldWith(postDecider, posts, state));
      }
      if (users.length > 0) {
        const state = folded.users.get(streamId) ?? userDecider.initialState();
        folded.users.set(streamId, foldWith(userDecider, users, state));
      }
      const last = events.at(-1)!.streamVersion;
      folded.versions.set(streamId, Math.max(folded.versions.get(streamId) ?? 0, last));
    }
    for (const event of page.events) folded.positions.push(event.globalPosition);
    cursor = page.cursor;
  }
}

/** The rows the projections should hold; a removed post has none. */
function expectedTables(folded: Folded): Tables {
  const tables: Tables = {
    users: new Map(),
    posts: new Map(),
    comments: new Map(),
    likes: new Map(),
    projection_streams: new Map(),
  };
  for (const user of folded.users.values()) {
    if (user.status !== "registered") continue;
    tables.users.set(user.userId, {
      username: user.username,
      registered_at: timestamp(user.registeredAt),
    });
  }
  for (const post of folded.posts.values()) {
    if (post.status !== "active") continue;
    tables.posts.set(post.postId, {
      author: post.author,
      author_name: post.authorName,
      message: post.message,
      created_at: timestamp(post.createdAt),
      updated_at: timestamp(post.updatedAt),
      likes: post.likers.size,
      comments: post.comments.size,
      version: post.version,
    });
    for (const [commentId, comment] of post.comments) {
      tables.comments.set(commentId, {
        post_id: post.postId,
        author: comment.author,
        author_name: comment.authorName,
        comment: comment.comment,
        created_at: timestamp(comment.createdAt),
        updated_at: timestamp(comment.updatedAt),
      });
    }
    for (const userId of post.likers) tables.likes.set(`${post.postId}/${userId}`, {});
  }
  for (const [streamId, version] of folded.versions) {
    tables.projection_streams.set(streamId, { version });
  }
  return tables;
}

/** The live projection tables, read in one snapshot so they agree with each other. */
async function projectedTables(
  readSql: Sql,
): Promise<{ tables: Tables; applied: Set<number>; prunedBelow: number }> {
  return await readSql.begin("isolation level repeatable read read only", async (tx) => {
    const users = await tx<DbRow[]>`select id, username, registered_at from users`;
    const posts = await tx<DbRow[]>`
      select id, author, author_name, message, created_at, updated_at, likes, comments, version
      from posts`;
    const comments = await tx<DbRow[]>`
      select id, post_id, author, author_name, comment, created_at, updated_at from comments`;
    const likes = await tx<DbRow[]>`select post_id, user_id from likes`;
    const streams = await tx<DbRow[]>`select stream_id, version from projection_streams`;
    const applied = await tx<{ position: string }[]>`select position from applied_positions`;
    const [state] = await tx<{ pruned_below: string }[]>`
      select pruned_below from projector_state where id = 'projector'`;
    return {
      tables: {
        users: byKey(users, (r) => String(r.id), (r) => ({
          username: String(r.username),
          registered_at: timestamp(r.registered_at),
        })),
        posts: byKey(posts, (r) => String(r.id), (r) => ({
          author: String(r.author),
          author_name: String(r.author_name),
          message: String(r.message),
          created_at: timestamp(r.created_at),
          updated_at: timestamp(r.updated_at),
          likes: Number(r.likes),
          comments: Number(r.comments),
          version: Number(r.version),
        })),
        comments: byKey(comments, (r) => String(r.id), (r) => ({
          post_id: String(r.post_id),
          author: String(r.author),
          author_name: String(r.author_name),
          comment: String(r.comment),
          created_at: timestamp(r.created_at),
          updated_at: timestamp(r.updated_at),
        })),
        likes: byKey(likes, (r) => `${String(r.post_id)}/${String(r.user_id)}`, () => ({})),
        projection_streams: byKey(streams, (r) => String(r.stream_id), (r) => ({
          version: Number(r.version),
        })),
      },
      applied: new Set(applied.map((r) => Number(r.position))),
      prunedBelow: Number(state?.pruned_below ?? 0),
    };
  });
}

function byKey(rows: readonly DbRow[], key: (r: DbRow) => string, row: (r: DbRow) => Row): Table {
  return new Map(rows.map((r) => [key(r), row(r)]));
}

/** Difference lines of one table: missing rows, differing columns, unexpected rows. */
function compare(name: string, expected: Table, found: Table): string[] {
  const lines: string[] = [];
  for (const key of [...expected.keys()].sort()) {
    const want = expected.get(key)!;
    const have = found.get(key);
    if (!have) {
      lines.push(`${name} ${key}: missing`);
      continue;
    }
    for (const [column, value] of Object.entries(want)) {
      if (have[column] !== value) {
        lines.push(
          `${name} ${key}: ${column} expected ${show(value)}, found ${show(have[column])}`,
        );
      }
    }
  }
  for (const key of [...found.keys()].sort()) {
    if (!expected.has(key)) lines.push(`${name} ${key}: unexpected row`);
  }
  return lines;
}

/** A Date or an ISO string as one comparable ISO string (UTC, milliseconds). */
function timestamp(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value as string | Date).toISOString();
}

function show(value: Value | undefined): string {
  if (typeof value !== "string") return String(value ?? null);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}
