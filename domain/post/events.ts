import { z } from "zod";

const at = z.iso.datetime();
const id = z.uuid();

/** Zod schema of each Post event's data, keyed by event type. */
export const postEventSchemas = {
  PostCreated: z.object({
    postId: id,
    author: id,
    authorName: z.string().min(1),
    message: z.string().min(1),
    at,
  }),
  /** Schema version 2 added `previousMessage` (null in events stored at version 1). */
  MessageUpdated: z.object({
    message: z.string().min(1),
    previousMessage: z.string().min(1).nullable(),
    at,
  }),
  PostLiked: z.object({ userId: id, at }),
  PostUnliked: z.object({ userId: id, at }),
  CommentAdded: z.object({
    commentId: id,
    author: id,
    authorName: z.string().min(1),
    comment: z.string().min(1),
    at,
  }),
  CommentUpdated: z.object({ commentId: id, comment: z.string().min(1), at }),
  CommentRemoved: z.object({ commentId: id, by: id, at }),
  PostRemoved: z.object({ by: id, at }),
} as const;

type Schemas = typeof postEventSchemas;

/**
 * The Post aggregate's events, a discriminated union on `type`.
 *
 * @example
 * ```ts
 * const liked: PostEvent = { type: "PostLiked", data: { userId, at } };
 * ```
 */
export type PostEvent = {
  [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> };
}[keyof Schemas];

/** Event type names of the Post aggregate. */
export type PostEventType = PostEvent["type"];

/** Narrows a Post event union member by its type name. */
export type PostEventOf<K extends PostEventType> = Extract<PostEvent, { type: K }>;
