import { z } from "zod";
import type { Stamp } from "../actor.ts";

/** Longest post message, in characters after trimming. */
export const MESSAGE_MAX = 2000;
/** Longest comment, in characters after trimming. */
export const COMMENT_MAX = 1000;

const postId = z.uuid({ error: "postId must be a UUID" });
const commentId = z.uuid({ error: "commentId must be a UUID" });
const message = z.string({ error: "message is required" }).trim()
  .min(1, { error: "message must not be empty" })
  .max(MESSAGE_MAX, { error: `message must be at most ${MESSAGE_MAX} characters` });
const comment = z.string({ error: "comment is required" }).trim()
  .min(1, { error: "comment must not be empty" })
  .max(COMMENT_MAX, { error: `comment must be at most ${COMMENT_MAX} characters` });

/** Zod schema of each Post command as a client sends it, keyed by type. */
export const postCommandSchemas = {
  CreatePost: z.object({ type: z.literal("CreatePost"), message }),
  EditMessage: z.object({
    type: z.literal("EditMessage"),
    postId,
    message,
    expectedVersion: z.int().min(1).optional(),
  }),
  LikePost: z.object({ type: z.literal("LikePost"), postId }),
  UnlikePost: z.object({ type: z.literal("UnlikePost"), postId }),
  AddComment: z.object({ type: z.literal("AddComment"), postId, comment }),
  EditComment: z.object({ type: z.literal("EditComment"), postId, commentId, comment }),
  RemoveComment: z.object({ type: z.literal("RemoveComment"), postId, commentId }),
  DeletePost: z.object({ type: z.literal("DeletePost"), postId }),
} as const;

type Schemas = typeof postCommandSchemas;

/**
 * A Post command as sent to the mediator.
 *
 * @example
 * ```ts
 * const like: PostCommand = { type: "LikePost", postId };
 * ```
 */
export type PostCommand = { [K in keyof Schemas]: z.infer<Schemas[K]> }[keyof Schemas];

/** A Post command with the ids of what it creates already chosen by the handler. */
export type PostIntent =
  | Exclude<PostCommand, { type: "CreatePost" | "AddComment" }>
  | (Extract<PostCommand, { type: "CreatePost" }> & { postId: string })
  | (Extract<PostCommand, { type: "AddComment" }> & { commentId: string });

/** A Post command as the decider sees it: an intent stamped with actor and time. */
export type PostDecision = PostIntent & Stamp;
