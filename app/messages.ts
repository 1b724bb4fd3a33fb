import { z } from "zod";
import {
  type HistoryEntry,
  type PostCommand,
  postCommandSchemas,
  type PostDetail,
  type PostPage,
  type Query,
  querySchemas,
  type UserCommand,
  userCommandSchemas,
} from "../domain/mod.ts";

/** Restore read DB: an administrator rebuilds the projections from the event store. */
export const restoreReadDbSchema = z.object({ type: z.literal("RestoreReadDb") });

/** Every command's zod schema, keyed by type. The mediator validates with these. */
export const commandSchemas = {
  ...postCommandSchemas,
  ...userCommandSchemas,
  RestoreReadDb: restoreReadDbSchema,
} as const;

/** Every command the mediator accepts. */
export type Command = PostCommand | UserCommand | z.infer<typeof restoreReadDbSchema>;
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
}

/** Every query's zod schema, keyed by type. */
export { querySchemas };
export type { Query };
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
}
