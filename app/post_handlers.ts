import {
  ConcurrencyError,
  isPostEvent,
  postDecider,
  type PostDecision,
  type PostEvent,
  type PostIntent,
  postSnapshotShape,
  type PostState,
  postStreamId,
  VersionMismatch,
} from "../domain/mod.ts";
import type { AggregateOf } from "./aggregate.ts";
import type { Background } from "./background.ts";
import { type AnyCommandHandler, defineCommand, type SignedInContext } from "./mediator.ts";
import type { Logger } from "./log.ts";
import type { EventStore, SnapshotStore } from "./ports.ts";
import { streamWriter } from "./stream_writer.ts";

/** The Post aggregate as handlers load and decide it. */
export const postAggregate = { decider: postDecider, isEvent: isPostEvent } satisfies AggregateOf<
  PostDecision,
  PostEvent,
  PostState
>;

/**
 * Likes, unlikes and new comments commute with other writers: re-deciding is safe.
 * Within a process they never conflict (one writer per stream), so these retries
 * are for writers in other processes.
 */
const COMMUTING_RETRIES = 10;

/**
 * Command handlers of the Post aggregate, one per command. Commands for one
 * post go through a single writer per post in this process (`streamWriter`):
 * concurrent likes and comments are decided in turn and appended together.
 *
 * @example
 * ```ts
 * const mediator = createMediator({ commands: [...postCommandHandlers({ store }), ...] });
 * ```
 */
export function postCommandHandlers(
  deps: {
    store: EventStore;
    snapshots?: SnapshotStore;
    snapshotEvery?: number;
    /** Where snapshot failures are reported. */
    log?: Logger;
    /** How many posts' states this process keeps between commands (default 1000). */
    cachedStreams?: number;
    /** Where snapshots are moved forward, off the commands' path (shutdown waits for it). */
    background?: Background;
  },
): AnyCommandHandler[] {
  const { store } = deps;
  const snapshots = deps.snapshots
    ? {
      store: deps.snapshots,
      shape: postSnapshotShape,
      every: deps.snapshotEvery ?? 100,
      log: deps.log,
    }
    : undefined;
  const posts = streamWriter(store, {
    aggregate: postAggregate,
    snapshots,
    // Likes and unlikes answer the count right after their own write.
    answer: (state) => state.status === "none" ? 0 : state.likes,
    cachedStreams: deps.cachedStreams,
    background: deps.background,
  });

  /** Runs a Post command on its stream, stamped with the actor and the time. */
  async function written(
    postId: string,
    intent: PostIntent,
    ctx: SignedInContext,
    fresh = false,
  ) {
    const command: PostDecision = { ...intent, actor: ctx.actor, at: new Date().toISOString() };
    return await posts.run({ streamId: postStreamId(postId), command, ctx, fresh });
  }

  /** The same, answering only the write's result. */
  async function run(postId: string, intent: PostIntent, ctx: SignedInContext, fresh = false) {
    const { streamId, version, position } = await written(postId, intent, ctx, fresh);
    return { streamId, version, position };
  }

  /** Likes and unlikes answer the count right after their own write (the write side knows it). */
  async function like(postId: string, intent: PostIntent, ctx: SignedInContext) {
    const { answer, ...result } = await written(postId, intent, ctx);
    return { ...result, likes: answer };
  }

  return [
    defineCommand({
      type: "CreatePost",
      access: "signed_in",
      async handle(command, ctx) {
        const postId = crypto.randomUUID();
        // A new id: no stream to read (the append expecting version 0 checks it).
        const result = await run(postId, { ...command, postId }, ctx, true);
        return { ...result, postId };
      },
    }),
    defineCommand({
      type: "AddComment",
      access: "signed_in",
      retryOnConflict: COMMUTING_RETRIES,
      async handle(command, ctx) {
        const commentId = crypto.randomUUID();
        const result = await run(command.postId, { ...command, commentId }, ctx);
        return { ...result, commentId };
      },
    }),
    defineCommand({
      type: "EditMessage",
      access: "signed_in",
      async handle(command, ctx) {
        try {
          return await run(command.postId, command, ctx);
        } catch (error) {
          // The caller's If-Match version was current when read but lost the race
          // at append: that is a stale precondition too (412), not a conflict.
          if (error instanceof ConcurrencyError && command.expectedVersion !== undefined) {
            throw new VersionMismatch(
              command.expectedVersion,
              error.actual ?? command.expectedVersion + 1,
            );
          }
          throw error;
        }
      },
    }),
    defineCommand({
      type: "LikePost",
      access: "signed_in",
      retryOnConflict: COMMUTING_RETRIES,
      handle: (command, ctx) => like(command.postId, command, ctx),
    }),
    defineCommand({
      type: "UnlikePost",
      access: "signed_in",
      retryOnConflict: COMMUTING_RETRIES,
      handle: (command, ctx) => like(command.postId, command, ctx),
    }),
    defineCommand({
      type: "EditComment",
      access: "signed_in",
      handle: (command, ctx) => run(command.postId, command, ctx),
    }),
    defineCommand({
      type: "RemoveComment",
      access: "signed_in",
      handle: (command, ctx) => run(command.postId, command, ctx),
    }),
    defineCommand({
      type: "DeletePost",
      access: "signed_in",
      handle: (command, ctx) => run(command.postId, command, ctx),
    }),
  ];
}
