import { z } from "zod";
import type { PostState } from "./post/decider.ts";
import type { PostEvent } from "./post/events.ts";

const postId = z.uuid({ error: "postId must be a UUID" });
const limit = z.coerce.number().int().min(1).max(100).default(20);
/** Opaque keyset cursor (see the projection store for its format). */
const cursor = z.string().max(200).optional();

/** Zod schema of each query, keyed by type. */
export const querySchemas = {
  FindAllPosts: z.object({
    type: z.literal("FindAllPosts"),
    author: z.string().trim().toLowerCase().optional(),
    /** Only posts carrying this `#tag` (letters, digits, underscores; without the `#`). */
    tag: z.string().regex(/^[\p{L}\p{N}_]{1,50}$/u, {
      error: "tag must be letters, digits or underscores",
    })
      .optional(),
    withComments: z.boolean().optional(),
    minLikes: z.coerce.number().int().min(0).optional(),
    limit,
    cursor,
  }),
  FindPostById: z.object({ type: z.literal("FindPostById"), postId }),
  FindPostsByAuthor: z.object({
    type: z.literal("FindPostsByAuthor"),
    author: z.string().trim().toLowerCase().min(1),
    limit,
    cursor,
  }),
  FindPostsWithComments: z.object({ type: z.literal("FindPostsWithComments"), limit, cursor }),
  FindPostsWithLikes: z.object({
    type: z.literal("FindPostsWithLikes"),
    min: z.coerce.number().int().min(0),
    limit,
    cursor,
  }),
  GetPostHistory: z.object({ type: z.literal("GetPostHistory"), postId }),
  /**
   * A post as it was at `version` (default: its latest), with its whole
   * timeline: the history page's time travel. A version past the end is the end.
   */
  GetPostAsOf: z.object({
    type: z.literal("GetPostAsOf"),
    postId,
    version: z.coerce.number().int().min(1).optional(),
  }),
  /** Which of these posts the signed-in reader likes (the feed's like buttons). */
  FindLikedPostIds: z.object({
    type: z.literal("FindLikedPostIds"),
    postIds: z.array(postId).max(100),
  }),
  /** Whether a user with this name is registered (their page is a 404 otherwise). */
  UserExists: z.object({
    type: z.literal("UserExists"),
    username: z.string().trim().toLowerCase(),
  }),
} as const;

type Schemas = typeof querySchemas;

/**
 * A query as sent to the mediator (after defaults are applied).
 *
 * @example
 * ```ts
 * const q: Query = { type: "FindPostById", postId };
 * ```
 */
export type Query = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];

/** A query as a client may write it (defaults still missing). */
export type QueryInput = { [K in keyof Schemas]: z.input<Schemas[K]> }[keyof Schemas];

/** One post in a list (the feed and its filters). */
export type PostSummary = {
  id: string;
  author: string;
  authorName: string;
  message: string;
  createdAt: string;
  updatedAt: string | null;
  likes: number;
  comments: number;
  version: number;
};

/** A page of posts, newest first, with the cursor of the next page. */
export type PostPage = { posts: PostSummary[]; nextCursor: string | null };

/** One comment of a post. */
export type CommentView = {
  id: string;
  author: string;
  authorName: string;
  comment: string;
  createdAt: string;
  updatedAt: string | null;
  edited: boolean;
};

/** A post with its comments and whether the viewer liked it. */
export type PostDetail = PostSummary & { likedByMe: boolean; commentList: CommentView[] };

/** One entry of a post's audit timeline: the event (type and data) with its metadata. */
export type HistoryEntry = PostEvent & {
  version: number;
  position: number;
  occurredAt: string;
  userId: string | null;
  correlationId: string;
  causationId: string;
  schemaVersion: number;
  eventId: string;
};

/** A post's timeline and the post as it was at one version of it. */
export type PostAsOf = {
  entries: HistoryEntry[];
  /** The version shown: the one asked for, at most the latest. */
  version: number;
  /** The post folded from its events up to `version`. */
  state: PostState;
};
