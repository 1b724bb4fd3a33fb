import { type AnyEvent, postIdOf, type RecordedEvent } from "../../domain/mod.ts";

/** A post's first row. */
export type NewPostRow = {
  id: string;
  author: string;
  authorName: string;
  message: string;
  createdAt: string;
  version: number;
};

/** What a batch does to one existing or new post row (counters come from the written rows). */
export type PostChange = {
  id: string;
  /** The last message written in the batch, null when unchanged. */
  message: string | null;
  updatedAt: string | null;
  version: number;
};

/** A comment's row. */
export type CommentRow = {
  id: string;
  postId: string;
  author: string;
  authorName: string;
  comment: string;
  createdAt: string;
  updatedAt: string | null;
};

/**
 * The net row changes of a run of events, in the order the writes must run:
 * users and new posts, like deletes then inserts, comment deletes, inserts and
 * updates, post changes, then removed posts.
 */
export type ProjectionChanges = {
  users: { id: string; username: string; registeredAt: string }[];
  newPosts: NewPostRow[];
  posts: PostChange[];
  likes: {
    /** Pairs unliked at least once in the batch: deleted before the inserts. */
    deletes: { postId: string; userId: string }[];
    /** Pairs liked at the end of the batch. */
    inserts: { postId: string; userId: string; at: string }[];
  };
  comments: { deletes: string[]; inserts: CommentRow[]; updates: CommentUpdate[] };
  removedPosts: string[];
};

type CommentUpdate = { id: string; comment: string; at: string };

type LikeState = { postId: string; userId: string; unliked: boolean; likedAt: string | null };
type CommentState = {
  inserted: CommentRow | null;
  update: CommentUpdate | null;
  removed: boolean;
};

/**
 * Folds events (each stream's in version order) into net row changes, the
 * same rows the events applied one at a time would leave: a like and unlike
 * of one pair in a batch cancel out, a comment added and edited in a batch is
 * inserted edited, a comment added and removed is never written.
 *
 * @example
 * ```ts
 * const changes = planChanges(events);
 * changes.likes.inserts; // [{ postId, userId, at }]
 * ```
 */
export function planChanges(events: readonly RecordedEvent<AnyEvent>[]): ProjectionChanges {
  const users: ProjectionChanges["users"] = [];
  const newPosts: NewPostRow[] = [];
  const posts = new Map<string, PostChange>();
  const likes = new Map<string, LikeState>();
  const comments = new Map<string, CommentState>();
  const removed: string[] = [];

  const post = (event: RecordedEvent<AnyEvent>): PostChange => {
    const id = postIdOf(event.streamId);
    const change = posts.get(id) ?? { id, message: null, updatedAt: null, version: 0 };
    change.version = event.streamVersion;
    posts.set(id, change);
    return change;
  };
  const like = (postId: string, userId: string): LikeState => {
    const key = `${postId}/${userId}`;
    const state = likes.get(key) ?? { postId, userId, unliked: false, likedAt: null };
    likes.set(key, state);
    return state;
  };
  const comment = (id: string): CommentState => {
    const state = comments.get(id) ?? { inserted: null, update: null, removed: false };
    comments.set(id, state);
    return state;
  };

  for (const event of events) {
    switch (event.type) {
      case "UserRegistered": {
        const { userId, username, at } = event.data;
        users.push({ id: userId, username, registeredAt: at });
        break;
      }
      case "RoleGranted":
      case "RoleRevoked":
        break; // roles live on the write side only (the mediator reads the user's stream)
      case "PostCreated": {
        const { postId, author, authorName, message, at } = event.data;
        newPosts.push({
          id: postId,
          author,
          authorName,
          message,
          createdAt: at,
          version: event.streamVersion,
        });
        post(event);
        break;
      }
      case "MessageUpdated": {
        const change = post(event);
        change.message = event.data.message;
        change.updatedAt = event.data.at;
        break;
      }
      case "PostLiked": {
        const state = like(post(event).id, event.data.userId);
        // As the rows would: a second like of a liked pair is refused (the caller bisects).
        if (state.likedAt !== null) throw new Error(`duplicate key: like ${event.eventId}`);
        state.likedAt = event.data.at;
        break;
      }
      case "PostUnliked": {
        const state = like(post(event).id, event.data.userId);
        state.unliked = true;
        state.likedAt = null;
        break;
      }
      case "CommentAdded": {
        const { commentId, author, authorName, comment: text, at } = event.data;
        const state = comment(commentId);
        if (state.inserted) throw new Error(`duplicate key: comment ${commentId}`);
        state.inserted = {
          id: commentId,
          postId: post(event).id,
          author,
          authorName,
          comment: text,
          createdAt: at,
          updatedAt: null,
        };
        break;
      }
      case "CommentUpdated": {
        post(event);
        const { commentId, comment: text, at } = event.data;
        const state = comment(commentId);
        if (state.inserted) {
          state.inserted.comment = text;
          state.inserted.updatedAt = at;
        } else if (!state.removed) {
          state.update = { id: commentId, comment: text, at };
        }
        break;
      }
      case "CommentRemoved": {
        post(event);
        const state = comment(event.data.commentId);
        state.removed = true;
        state.inserted = null;
        state.update = null;
        break;
      }
      case "PostRemoved": {
        removed.push(post(event).id);
        break;
      }
      default: {
        const unknown: never = event;
        throw new Error(`no projection for ${JSON.stringify(unknown)}`);
      }
    }
  }

  const likeStates = [...likes.values()];
  const commentStates = [...comments.entries()];
  return {
    users,
    newPosts,
    posts: [...posts.values()],
    likes: {
      deletes: likeStates.filter((l) => l.unliked).map(({ postId, userId }) => ({
        postId,
        userId,
      })),
      inserts: likeStates.filter((l) => l.likedAt !== null).map((l) => ({
        postId: l.postId,
        userId: l.userId,
        at: l.likedAt!,
      })),
    },
    comments: {
      deletes: commentStates.filter(([, c]) => c.removed).map(([id]) => id),
      inserts: commentStates.flatMap(([, c]) => c.inserted ? [c.inserted] : []),
      updates: commentStates.flatMap(([, c]) => c.update ? [c.update] : []),
    },
    removedPosts: removed,
  };
}
