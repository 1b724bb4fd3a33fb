import type { Decider } from "../decider.ts";
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
    /** How many users like the post now (the size of `likers` in a state folded from the start). */
    readonly likes: number;
    /** Who likes the post; may hold only some of them in a state loaded from a snapshot. */
    readonly likers: ReadonlySet<string>;
    /** Live comments by id; may hold only some of them in a state loaded from a snapshot. */
    readonly comments: ReadonlyMap<string, CommentState>;
  };

type Existing = Exclude<PostState, { status: "none" }>;

/** The state of a post that has no events yet. */
export function initialState(): PostState {
  return { status: "none", version: 0 };
}

/**
 * Applies one event to the state. Total and pure: it never throws for an
 * event the decider could have produced, and never changes `state`. It copies
 * the likers and comments once; to apply many events use `fold`, which copies
 * them once for the whole run.
 */
export function evolve(state: PostState, event: PostEvent): PostState {
  return fold([event], state);
}

/**
 * Folds events into state, starting from `initialState()` unless given.
 * Linear in the number of events: it applies them to a private working copy
 * of `from` (made once, and only if there is an event), which becomes the
 * result; `from` itself is never changed.
 *
 * @example
 * ```ts
 * const state = fold(history);
 * const next = fold(newEvents, state); // `state` is unchanged
 * ```
 */
export function fold(events: readonly PostEvent[], from: PostState = initialState()): PostState {
  if (events.length === 0) return from;
  return applyInPlace(toDraft(from), events);
}

/**
 * Applies events by changing `state` itself; see `Decider.applyInPlace` for
 * which states a caller may pass (every state this module hands out is a
 * fresh object: only its first holder may change it).
 */
export function applyInPlace(state: PostState, events: readonly PostEvent[]): PostState {
  let draft = state as Draft;
  for (const event of events) draft = apply(draft, event);
  return draft;
}

/** A PostState as this module changes it in place (see `applyInPlace`). */
type Draft =
  | { status: "none"; version: 0 }
  | {
    -readonly [K in keyof Existing]: K extends "likers" ? Set<string>
      : K extends "comments" ? Map<string, CommentState>
      : Existing[K];
  };

function toDraft(state: PostState): Draft {
  if (state.status === "none") return { status: "none", version: 0 };
  return { ...state, likers: new Set(state.likers), comments: new Map(state.comments) };
}

/** Applies one event to a draft, in place (a new draft only for PostCreated). */
function apply(draft: Draft, event: PostEvent): Draft {
  const version = draft.version + 1;
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
      likes: 0,
      likers: new Set(),
      comments: new Map(),
    };
  }
  if (draft.status === "none") return draft; // cannot happen for a valid stream
  draft.version = version;
  switch (event.type) {
    case "MessageUpdated":
      draft.message = event.data.message;
      draft.updatedAt = event.data.at;
      break;
    // The count moves on every like and unlike, whether or not `likers` holds the user: a
    // state loaded from a snapshot holds only some likers. `decide` never emits a second
    // like or an unlike without a like, and the append's expected version keeps it so.
    case "PostLiked":
      draft.likers.add(event.data.userId);
      draft.likes++;
      break;
    case "PostUnliked":
      draft.likers.delete(event.data.userId);
      draft.likes--;
      break;
    case "CommentAdded": {
      const { commentId, author, authorName, comment, at } = event.data;
      draft.comments.set(commentId, {
        author,
        authorName,
        comment,
        createdAt: at,
        updatedAt: null,
      });
      break;
    }
    case "CommentUpdated": {
      const current = draft.comments.get(event.data.commentId);
      if (current) {
        draft.comments.set(event.data.commentId, {
          ...current,
          comment: event.data.comment,
          updatedAt: event.data.at,
        });
      }
      break;
    }
    case "CommentRemoved":
      draft.comments.delete(event.data.commentId);
      break;
    case "PostRemoved":
      draft.status = "removed";
      break;
    default: {
      const unknown: never = event;
      throw new Error(`unknown post event ${JSON.stringify(unknown)}`);
    }
  }
  return draft;
}

/**
 * Decides which events a command produces, or throws a named error.
 * An empty array means "nothing to do" (a second like, an unlike without a like).
 * Of the likers and comments it reads only those `postSnapshotShape.keysRead`
 * names: the acting user's like, the comment the command is about.
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
      return [{ type: "MessageUpdated", data: { message, previousMessage: post.message, at } }];
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
export const postDecider: Decider<PostDecision, PostEvent, PostState> = {
  decide,
  evolve,
  fold,
  initialState,
  applyInPlace,
};
