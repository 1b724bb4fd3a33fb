/**
 * How posts and comments are represented outside the server: in the JSON API
 * and in the live update stream. One place, so the API, the stream and the
 * islands agree.
 */
import type { CommentView, PostDetail, PostSummary } from "../domain/mod.ts";

/**
 * A comment as clients see it.
 *
 * @example
 * ```ts
 * post.commentList.map(toCommentItem);
 * ```
 */
export function toCommentItem(c: CommentView) {
  return {
    id: c.id,
    author: c.author,
    authorName: c.authorName,
    comment: c.comment,
    createdAt: c.createdAt,
    edited: c.edited,
  };
}

/** A comment for islands and the live stream. */
export type CommentItem = ReturnType<typeof toCommentItem>;

/** The API's fields shared by a post in a list and a single post: `author` is the username. */
function apiPostBase(post: PostSummary) {
  return {
    id: post.id,
    author: post.authorName,
    message: post.message,
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
    likes: post.likes,
  };
}

/** A post in an API list. */
export function toApiListItem(post: PostSummary) {
  return { ...apiPostBase(post), commentCount: post.comments, version: post.version };
}

/** A single post in the API, with its comments (authors as usernames). */
export function toApiPost(post: PostDetail) {
  return {
    ...apiPostBase(post),
    likedByMe: post.likedByMe,
    comments: post.commentList.map((c) => ({
      id: c.id,
      author: c.authorName,
      comment: c.comment,
      createdAt: c.createdAt,
      edited: c.edited,
    })),
    version: post.version,
  };
}
