import { z } from "zod";
import type { SnapshotShape } from "../decider.ts";
import type { PostDecision } from "./commands.ts";
import type { CommentState, PostState } from "./decider.ts";
import type { PostEvent } from "./events.ts";

/** Entry keys: one per user who likes the post, one per live comment. */
const LIKER = "liker:";
const COMMENT = "comment:";

const head = z.discriminatedUnion("status", [
  z.object({ status: z.literal("none"), version: z.literal(0) }),
  z.object({
    status: z.enum(["active", "removed"]),
    version: z.int().min(1),
    postId: z.string(),
    author: z.string(),
    authorName: z.string(),
    message: z.string(),
    createdAt: z.string(),
    updatedAt: z.string().nullable(),
    likes: z.int().min(0),
  }),
]);

const liker = z.literal(true);

const comment = z.object({
  author: z.string(),
  authorName: z.string(),
  comment: z.string(),
  createdAt: z.string(),
  updatedAt: z.string().nullable(),
});

/**
 * How a Post is kept in a snapshot: the head holds the post itself and its like
 * count; each liker and each live comment is an entry. A like or unlike reads
 * the acting user's entry, a comment edit or removal the comment's; every
 * other decision reads the head alone. So loading a post with 100,000 events
 * reads the head, at most one entry, and the events after the snapshot.
 *
 * @example
 * ```ts
 * postSnapshotShape.keysRead({ type: "LikePost", postId, actor, at }); // ["liker:<actor's id>"]
 * ```
 */
export const postSnapshotShape: SnapshotShape<PostDecision, PostEvent, PostState> = {
  schemaVersion: 2,
  keysRead(command) {
    switch (command.type) {
      case "LikePost":
      case "UnlikePost":
        return [LIKER + command.actor.userId];
      case "EditComment":
      case "RemoveComment":
        return [COMMENT + command.commentId];
      case "CreatePost":
      case "EditMessage":
      case "AddComment":
      case "DeletePost":
        return [];
      default: {
        const unknown: never = command;
        throw new Error(`unknown post command ${JSON.stringify(unknown)}`);
      }
    }
  },
  keysChanged(event) {
    switch (event.type) {
      case "PostLiked":
      case "PostUnliked":
        return [LIKER + event.data.userId];
      case "CommentAdded":
      case "CommentUpdated":
      case "CommentRemoved":
        return [COMMENT + event.data.commentId];
      case "PostCreated":
      case "MessageUpdated":
      case "PostRemoved":
        return [];
      default: {
        const unknown: never = event;
        throw new Error(`unknown post event ${JSON.stringify(unknown)}`);
      }
    }
  },
  head(state) {
    if (state.status === "none") return state;
    const { likers: _likers, comments: _comments, ...rest } = state;
    return rest;
  },
  entry(state, key) {
    if (state.status === "none") return undefined;
    if (key.startsWith(LIKER)) return state.likers.has(key.slice(LIKER.length)) || undefined;
    if (key.startsWith(COMMENT)) return state.comments.get(key.slice(COMMENT.length));
    return undefined;
  },
  restore(data, entries) {
    const h = head.parse(data);
    if (h.status === "none") return h;
    const state: PostState = { ...h, likers: new Set(), comments: new Map() };
    postSnapshotShape.addEntries(state, entries);
    return state;
  },
  addEntries(state, entries) {
    if (state.status === "none") return;
    const likers: string[] = [];
    const comments: [string, CommentState][] = [];
    for (const [key, value] of entries) {
      if (key.startsWith(LIKER)) {
        liker.parse(value);
        likers.push(key.slice(LIKER.length));
      } else if (key.startsWith(COMMENT)) {
        comments.push([key.slice(COMMENT.length), comment.parse(value)]);
      } else {
        throw new Error(`unknown post snapshot entry ${key}`);
      }
    }
    // Read first, then added: an unreadable entry leaves the state as it was.
    for (const userId of likers) (state.likers as Set<string>).add(userId);
    for (const [id, c] of comments) (state.comments as Map<string, CommentState>).set(id, c);
  },
};
