import {
  type AnyEvent,
  type HistoryEntry,
  PostNotFound,
  postStreamId,
  type RecordedEvent,
} from "../domain/mod.ts";
import { type AnyQueryHandler, defineQuery } from "./mediator.ts";
import type { EventStore, ReadStore } from "./ports.ts";

function toHistoryEntry(event: RecordedEvent<AnyEvent>): HistoryEntry {
  return {
    version: event.streamVersion,
    position: event.globalPosition,
    type: event.type,
    data: event.data,
    occurredAt: event.occurredAt.toISOString(),
    userId: event.metadata.userId,
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    schemaVersion: event.schemaVersion,
    eventId: event.eventId,
  };
}

/**
 * Handlers of every query. Lists and the post view read the projection tables
 * through the ReadStore; only a post's history reads its events.
 *
 * @example
 * ```ts
 * const mediator = createMediator({ side: "query", queries: queryHandlers({ readStore, eventStore }) });
 * const page = await mediator.query({ type: "FindPostsWithLikes", min: 2, limit: 20 }, ctx);
 * ```
 */
export function queryHandlers(
  deps: { readStore: ReadStore; eventStore: EventStore },
): AnyQueryHandler[] {
  const { readStore, eventStore } = deps;
  return [
    defineQuery({
      type: "FindAllPosts",
      access: "anyone",
      handle: ({ author, tag, withComments, minLikes, limit, cursor }) =>
        readStore.findPosts({ author, tag, withComments, minLikes }, { limit, cursor }),
    }),
    defineQuery({
      type: "FindPostById",
      access: "anyone",
      handle: ({ postId }, ctx) => readStore.findPost(postId, ctx.actor?.userId ?? null),
    }),
    defineQuery({
      type: "FindPostsByAuthor",
      access: "anyone",
      handle: ({ author, limit, cursor }) => readStore.findPosts({ author }, { limit, cursor }),
    }),
    defineQuery({
      type: "FindPostsWithComments",
      access: "anyone",
      handle: ({ limit, cursor }) => readStore.findPosts({ withComments: true }, { limit, cursor }),
    }),
    defineQuery({
      type: "FindPostsWithLikes",
      access: "anyone",
      handle: ({ min, limit, cursor }) => readStore.findPosts({ minLikes: min }, { limit, cursor }),
    }),
    defineQuery({
      type: "FindLikedPostIds",
      access: "anyone",
      handle: ({ postIds }, ctx) =>
        ctx.actor ? readStore.likedPostIds(ctx.actor.userId, postIds) : Promise.resolve([]),
    }),
    defineQuery({
      type: "UserExists",
      access: "anyone",
      handle: ({ username }) => readStore.userExists(username),
    }),
    defineQuery({
      type: "GetPostHistory",
      access: "anyone",
      async handle({ postId }) {
        const events = await eventStore.readStream(postStreamId(postId));
        if (events.length === 0) throw new PostNotFound(postId);
        return events.map(toHistoryEntry);
      },
    }),
  ];
}
