import { z } from "zod";
import {
  type HistoryEntry,
  PASSWORD_MAX,
  type PostAsOf,
  type PostCommand,
  postCommandSchemas,
  type PostDetail,
  type PostPage,
  type Query as DomainQuery,
  querySchemas as domainQuerySchemas,
  type UserCommand,
  userCommandSchemas,
} from "../domain/mod.ts";
import type { ProjectionStatus, RestoreJob } from "./ports.ts";

/** Restore read DB: an administrator rebuilds the projections from the event store. */
export const restoreReadDbSchema = z.object({ type: z.literal("RestoreReadDb") });

/** Retry a dead letter: re-project its stream from the event store (administrators). */
export const retryDeadLetterSchema = z.object({
  type: z.literal("RetryDeadLetter"),
  id: z.coerce.number().int().min(1),
});

/**
 * Sign-in: checks the password (throttled) and opens a session. The username
 * and password are bounded here, so no hash ever runs on a huge input.
 */
export const signInSchema = z.object({
  type: z.literal("SignIn"),
  username: z.string({ error: "username is required" }).max(100, {
    error: "username is too long",
  }),
  password: z.string({ error: "password is required" }).max(PASSWORD_MAX, {
    error: `password must be at most ${PASSWORD_MAX} characters`,
  }),
});

/** Sign-out: ends the session with this id (from the cookie); unknown ids are fine. */
export const signOutSchema = z.object({
  type: z.literal("SignOut"),
  sessionId: z.string().max(200),
});

/** Every command's zod schema, keyed by type. The mediator validates with these. */
export const commandSchemas = {
  ...postCommandSchemas,
  ...userCommandSchemas,
  RestoreReadDb: restoreReadDbSchema,
  RetryDeadLetter: retryDeadLetterSchema,
  SignIn: signInSchema,
  SignOut: signOutSchema,
} as const;

/** Every command the mediator accepts. */
export type Command =
  | PostCommand
  | UserCommand
  | z.infer<typeof restoreReadDbSchema>
  | z.infer<typeof retryDeadLetterSchema>
  | z.infer<typeof signInSchema>
  | z.infer<typeof signOutSchema>;
/** Every command type name. */
export type CommandType = Command["type"];

/** What every write answers: the stream's version and the position to wait for. */
export type WriteResult = {
  readonly streamId: string;
  /** Stream version after the command (unchanged for a no-op). */
  readonly version: number;
  /** Global position of the stream's last event; read-your-writes waits for it. */
  readonly position: number;
};

/** The result type of each command, so `send` is typed by the message. */
export interface CommandResults {
  CreatePost: WriteResult & { postId: string };
  EditMessage: WriteResult;
  /** `likes`: the post's like count right after this write. */
  LikePost: WriteResult & { likes: number };
  UnlikePost: WriteResult & { likes: number };
  AddComment: WriteResult & { commentId: string };
  EditComment: WriteResult;
  RemoveComment: WriteResult;
  DeletePost: WriteResult;
  RegisterUser: WriteResult & { userId: string };
  RestoreReadDb: { jobId: string };
  RetryDeadLetter: { applied: boolean };
  SignIn: { userId: string; username: string; sessionId: string; expiresAt: Date };
  SignOut: Record<string, never>;
}

/** Operational queries of the admin page (administrators only). */
export const adminQuerySchemas = {
  GetProjectionStatus: z.object({ type: z.literal("GetProjectionStatus") }),
  GetRestoreJob: z.object({ type: z.literal("GetRestoreJob"), jobId: z.uuid() }),
} as const;

/** Every query's zod schema, keyed by type. */
export const querySchemas = { ...domainQuerySchemas, ...adminQuerySchemas } as const;

/** Every query the mediator answers. */
export type Query =
  | DomainQuery
  | { [K in keyof typeof adminQuerySchemas]: z.output<(typeof adminQuerySchemas)[K]> }[
    keyof typeof adminQuerySchemas
  ];
/** Every query type name. */
export type QueryType = Query["type"];

/** The result type of each query. */
export interface QueryResults {
  FindAllPosts: PostPage;
  FindPostById: PostDetail | null;
  FindPostsByAuthor: PostPage;
  FindPostsWithComments: PostPage;
  FindPostsWithLikes: PostPage;
  GetPostHistory: HistoryEntry[];
  GetPostAsOf: PostAsOf;
  UserExists: boolean;
  FindLikedPostIds: string[];
  GetProjectionStatus: ProjectionStatus;
  GetRestoreJob: RestoreJob | null;
}
