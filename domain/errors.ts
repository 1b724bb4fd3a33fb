/**
 * The one error tree of the application. Every rule violation is a named
 * value carrying the HTTP status it maps to, so the web edge turns any of
 * them into a response in one place and logs only 5xx.
 *
 * @example
 * ```ts
 * throw new NotAuthor("only the author can edit this post");
 * ```
 */
export abstract class AppError extends Error {
  /** Stable machine-readable code, e.g. `"not_author"`. */
  abstract readonly code: string;
  /** HTTP status the web edge answers with. */
  abstract readonly status: number;
}

/** A field or rule of the input was violated; `fields` names each field. */
export class ValidationFailed extends AppError {
  readonly code = "validation_failed";
  readonly status = 400;
  constructor(message: string, readonly fields: Record<string, string> = {}) {
    super(message);
  }
}

/** The actor is not signed in. */
export class Unauthenticated extends AppError {
  readonly code = "unauthenticated";
  readonly status = 401;
  constructor(message = "sign in first") {
    super(message);
  }
}

/** The actor is signed in but lacks a role (e.g. administrator). */
export class Forbidden extends AppError {
  readonly code = "forbidden";
  readonly status = 403;
}

/** Only the author of the post or comment may do this. */
export class NotAuthor extends AppError {
  readonly code = "not_author";
  readonly status = 403;
}

/** No post with this id was ever created. */
export class PostNotFound extends AppError {
  readonly code = "post_not_found";
  readonly status = 404;
  constructor(readonly postId: string) {
    super(`post ${postId} not found`);
  }
}

/** The post was removed; it accepts no further change. */
export class PostRemoved extends AppError {
  readonly code = "post_removed";
  readonly status = 404;
  constructor(readonly postId: string) {
    super(`post ${postId} was removed`);
  }
}

/** A post with this id exists already (a create is never applied twice). */
export class PostAlreadyExists extends AppError {
  readonly code = "post_already_exists";
  readonly status = 409;
  constructor(readonly postId: string) {
    super(`post ${postId} exists already`);
  }
}

/** The post has no (live) comment with this id. */
export class CommentNotFound extends AppError {
  readonly code = "comment_not_found";
  readonly status = 404;
  constructor(readonly commentId: string) {
    super(`comment ${commentId} not found`);
  }
}

/** Registration with a username that is already taken. */
export class UsernameTaken extends AppError {
  readonly code = "username_taken";
  readonly status = 409;
  constructor(readonly username: string) {
    super(`username "${username}" is taken`);
  }
}

/** No user has this username (an operator named one that was never registered). */
export class UserNotFound extends AppError {
  readonly code = "user_not_found";
  readonly status = 404;
  constructor(message = "no such user") {
    super(message);
  }
}

/**
 * Too many failed sign-ins for this account or from this address: refused
 * without checking the password until `retryAfterSeconds` have passed.
 */
export class TooManyAttempts extends AppError {
  readonly code = "too_many_attempts";
  readonly status = 429;
  /** The answer's `Retry-After`. */
  readonly headers: Record<string, string>;
  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed sign-ins; try again in ${retryAfterSeconds} s`);
    this.headers = { "retry-after": String(retryAfterSeconds) };
  }
}

/** Sign-in with an unknown username or a wrong password (never says which). */
export class InvalidCredentials extends AppError {
  readonly code = "invalid_credentials";
  readonly status = 401;
  constructor() {
    super("unknown username or wrong password");
  }
}

/**
 * The stream moved on since it was read: another writer appended first, or
 * the caller's expected version is stale.
 */
export class ConcurrencyError extends AppError {
  readonly code = "concurrency_conflict";
  readonly status = 409;
  constructor(
    readonly streamId: string,
    readonly expected: number,
    readonly actual?: number,
  ) {
    super(
      `stream ${streamId} changed meanwhile (expected version ${expected}${
        actual === undefined ? "" : `, actual ${actual}`
      })`,
    );
  }
}

/** The caller named a version it saw, and the post has changed since (HTTP If-Match). */
export class VersionMismatch extends AppError {
  readonly code = "precondition_failed";
  readonly status = 412;
  constructor(readonly expected: number, readonly actual: number) {
    super(
      `the post changed since you opened it (you saw version ${expected}, it is now at ${actual})`,
    );
  }
}
