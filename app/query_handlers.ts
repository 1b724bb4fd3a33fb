import {
  foldPost,
  type HistoryEntry,
  isPostEvent,
  type PostEvent,
  PostNotFound,
  postStreamId,
  type RecordedEvent,
} from "../domain/mod.ts";
import { ownEvents } from "./aggregate.ts";
import { type AnyQueryHandler, defineQuery } from "./mediator.ts";
import type { EventStore, ReadStore } from "./ports.ts";

function toHistoryEntry(recorded: RecordedEvent<PostEvent>): HistoryEntry {
  // The rest is the event's own type and data, still correlated (a union of PostEvents).
  const {
    streamId: _id,
    streamType: _type,
    streamVersion,
    globalPosition,
    eventId,
    schemaVersion,
    occurredAt,
    metadata,
    ...event
  } = recorded;
  return {
    ...event,
    version: streamVersion,
    position: globalPosition,
    occurredAt: occurredAt.toISOString(),
    userId: metadata.userId,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    schemaVersion,
    eventId,
  };
}

/** A post's events from the store (the audit log); PostNotFound for a post that never existed. */
async function postEvents(store: EventStore, postId: string): Promise<RecordedEvent<PostEvent>[]> {
  const streamId = postStreamId(postId);
  const events = ownEvents(streamId, await store.readStream(streamId), isPostEvent);
  if (events.length === 0) throw new PostNotFound(postId);
  return events;
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
      handle: async ({ postId }) => (await postEvents(eventStore, postId)).map(toHistoryEntry),
    }),
    defineQuery({
      type: "GetPostAsOf",
      access: "anyone",
      async handle({ postId, version }) {
        const events = await postEvents(eventStore, postId);
        const last = events.length;
        const at = Math.min(version ?? last, last);
        // Time travel: the domain's own fold over the events up to `at` (versions count from 1).
        return {
          entries: events.map(toHistoryEntry),
          version: at,
          state: foldPost(events.slice(0, at)),
        };
      },
    }),
  ];
}
