import {
  CommentNotFound,
  NotAuthor,
  PostAlreadyExists,
  PostNotFound,
  PostRemoved,
  ValidationFailed,
  VersionMismatch,
} from "../errors.ts";
import { COMMENT_MAX, MESSAGE_MAX, type PostDecision } from "./commands.ts";
import type { PostEvent } from "./events.ts";

/** A live comment inside the Post aggregate. */
export type CommentState = {
  readonly author: string;
  readonly authorName: string;
  readonly comment: string;
  readonly createdAt: string;
  readonly updatedAt: string | null;
};

/** The state a Post decision needs; `version` counts applied events. */
export type PostState =
  | { readonly status: "none"; readonly version: 0 }
  | {
    readonly status: "active" | "removed";
    readonly version: number;
    readonly postId: string;
    readonly author: string;
    readonly authorName: string;
    readonly message: string;
    readonly createdAt: string;
    readonly updatedAt: string | null;
    readonly likers: ReadonlySet<string>;
    readonly comments: ReadonlyMap<string, CommentState>;
  };

type Existing = Exclude<PostState, { status: "none" }>;

/** The state of a post that has no events yet. */
export function initialState(): PostState {
  return { status: "none", version: 0 };
}

/**
 * Applies one event to the state. Total and pure: it never throws for an
 * event the decider could have produced.
 */
export function evolve(state: PostState, event: PostEvent): PostState {
  const version = state.version + 1;
  if (event.type === "PostCreated") {
    const { postId, author, authorName, message, at } = event.data;
    return {
      status: "active",
      version,
      postId,
      author,
      authorName,
      message,
      createdAt: at,
      updatedAt: null,
      likers: new Set(),
      comments: new Map(),
    };
  }
  if (state.status === "none") return state; // cannot happen for a valid stream
  switch (event.type) {
    case "MessageUpdated":
      return { ...state, version, message: event.data.message, updatedAt: event.data.at };
    case "PostLiked":
      return { ...state, version, likers: new Set(state.likers).add(event.data.userId) };
    case "PostUnliked": {
      const likers = new Set(state.likers);
      likers.delete(event.data.userId);
      return { ...state, version, likers };
    }
    case "CommentAdded": {
      const { commentId, author, authorName, comment, at } = event.data;
      const comments = new Map(state.comments).set(commentId, {
        author,
        authorName,
        comment,
        createdAt: at,
        updatedAt: null,
      });
      return { ...state, version, comments };
    }
    case "CommentUpdated": {
      const current = state.comments.get(event.data.commentId);
      if (!current) return { ...state, version };
      const comments = new Map(state.comments).set(event.data.commentId, {
        ...current,
        comment: event.data.comment,
        updatedAt: event.data.at,
      });
      return { ...state, version, comments };
    }
    case "CommentRemoved": {
      const comments = new Map(state.comments);
      comments.delete(event.data.commentId);
      return { ...state, version, comments };
    }
    case "PostRemoved":
      return { ...state, version, status: "removed" };
    default: {
      const unknown: never = event;
      throw new Error(`unknown post event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Folds events into state, starting from `initialState()` unless given. */
export function fold(events: readonly PostEvent[], from: PostState = initialState()): PostState {
  return events.reduce(evolve, from);
}

/**
 * Decides which events a command produces, or throws a named error.
 * An empty array means "nothing to do" (a second like, an unlike without a like).
 *
 * @example
 * ```ts
 * const events = decide({ type: "LikePost", postId, actor, at }, state);
 * ```
 */
export function decide(command: PostDecision, state: PostState): PostEvent[] {
  const { actor, at } = command;
  switch (command.type) {
    case "CreatePost": {
      if (state.status !== "none") throw new PostAlreadyExists(command.postId);
      const message = text(command.message, "message", MESSAGE_MAX);
      return [{
        type: "PostCreated",
        data: {
          postId: command.postId,
          author: actor.userId,
          authorName: actor.username,
          message,
          at,
        },
      }];
    }
    case "EditMessage": {
      const post = live(state, command.postId);
      if (post.author !== actor.userId) throw new NotAuthor("only the author can edit this post");
      if (command.expectedVersion !== undefined && command.expectedVersion !== post.version) {
        throw new VersionMismatch(command.expectedVersion, post.version);
      }
      const message = text(command.message, "message", MESSAGE_MAX);
      if (message === post.message) return [];
      return [{ type: "MessageUpdated", data: { message, at } }];
    }
    case "LikePost": {
      const post = live(state, command.postId);
      if (post.likers.has(actor.userId)) return [];
      return [{ type: "PostLiked", data: { userId: actor.userId, at } }];
    }
    case "UnlikePost": {
      const post = live(state, command.postId);
      if (!post.likers.has(actor.userId)) return [];
      return [{ type: "PostUnliked", data: { userId: actor.userId, at } }];
    }
    case "AddComment": {
      live(state, command.postId);
      const comment = text(command.comment, "comment", COMMENT_MAX);
      return [{
        type: "CommentAdded",
        data: {
          commentId: command.commentId,
          author: actor.userId,
          authorName: actor.username,
          comment,
          at,
        },
      }];
    }
    case "EditComment": {
      const post = live(state, command.postId);
      const existing = post.comments.get(command.commentId);
      if (!existing) throw new CommentNotFound(command.commentId);
      if (existing.author !== actor.userId) {
        throw new NotAuthor("only the comment's author can edit it");
      }
      const comment = text(command.comment, "comment", COMMENT_MAX);
      if (comment === existing.comment) return [];
      return [{ type: "CommentUpdated", data: { commentId: command.commentId, comment, at } }];
    }
    case "RemoveComment": {
      const post = live(state, command.postId);
      const existing = post.comments.get(command.commentId);
      if (!existing) throw new CommentNotFound(command.commentId);
      if (existing.author !== actor.userId && post.author !== actor.userId) {
        throw new NotAuthor("only the comment's author or the post's author can remove it");
      }
      return [{
        type: "CommentRemoved",
        data: { commentId: command.commentId, by: actor.userId, at },
      }];
    }
    case "DeletePost": {
      const post = live(state, command.postId);
      if (post.author !== actor.userId) throw new NotAuthor("only the author can delete this post");
      return [{ type: "PostRemoved", data: { by: actor.userId, at } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown post command ${JSON.stringify(unknown)}`);
    }
  }
}

/** The post, if it exists and is not removed. */
function live(state: PostState, postId: string): Existing {
  if (state.status === "none") throw new PostNotFound(postId);
  if (state.status === "removed") throw new PostRemoved(postId);
  return state;
}

/** Trims and checks a text field; the rule lives here as well as in the zod schema. */
function text(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) {
    throw new ValidationFailed(`${field} must not be empty`, { [field]: "must not be empty" });
  }
  if (trimmed.length > max) {
    throw new ValidationFailed(`${field} must be at most ${max} characters`, {
      [field]: `must be at most ${max} characters`,
    });
  }
  return trimmed;
}

/** The Post decider as one value, for handlers and specs. */
export const postDecider = { decide, evolve, initialState } as const;
