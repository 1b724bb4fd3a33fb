import { z } from "zod";
import {
  type HistoryEntry,
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

/** Every command's zod schema, keyed by type. The mediator validates with these. */
export const commandSchemas = {
  ...postCommandSchemas,
  ...userCommandSchemas,
  RestoreReadDb: restoreReadDbSchema,
  RetryDeadLetter: retryDeadLetterSchema,
} as const;

/** Every command the mediator accepts. */
export type Command =
  | PostCommand
  | UserCommand
  | z.infer<typeof restoreReadDbSchema>
  | z.infer<typeof retryDeadLetterSchema>;
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
  LikePost: WriteResult;
  UnlikePost: WriteResult;
  AddComment: WriteResult & { commentId: string };
  EditComment: WriteResult;
  RemoveComment: WriteResult;
  DeletePost: WriteResult;
  RegisterUser: WriteResult & { userId: string };
  RestoreReadDb: { jobId: string };
  RetryDeadLetter: { applied: boolean };
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
  UserExists: boolean;
  FindLikedPostIds: string[];
  GetProjectionStatus: ProjectionStatus;
  GetRestoreJob: RestoreJob | null;
}
