import type { EventStore, NewEvent } from "../app/ports.ts";
import { type Actor, type PostEvent, type PostEventOf, postStreamId } from "../domain/mod.ts";

/** Event times count up from here, one second apart, so the feed order is fixed. */
const EPOCH = Date.parse("2026-01-01T00:00:00.000Z");

/** A stream and the events to append to it in one go. */
export type StreamBatch = { streamId: string; events: PostEvent[] };

/** ISO time `seconds` after the epoch. */
export function at(seconds: number): string {
  return new Date(EPOCH + seconds * 1000).toISOString();
}

/** A signed-in user nobody registered: the command side trusts the session's actor. */
export function randomActor(): Actor {
  const userId = crypto.randomUUID();
  return { userId, username: `bench_${userId.slice(0, 8)}`, isAdmin: false };
}

/** A post's first event. */
export function postCreated(
  postId: string,
  options: { seconds?: number } = {},
): PostEventOf<"PostCreated"> {
  const author = randomActor();
  return {
    type: "PostCreated",
    data: {
      postId,
      author: author.userId,
      authorName: author.username,
      message: `bench post ${postId.slice(0, 8)}`,
      at: at(options.seconds ?? 0),
    },
  };
}

/** A like by a new user. */
export function postLiked(seconds: number): PostEventOf<"PostLiked"> {
  return { type: "PostLiked", data: { userId: crypto.randomUUID(), at: at(seconds) } };
}

/** A comment by a new user. */
export function commentAdded(seconds: number): PostEventOf<"CommentAdded"> {
  const author = randomActor();
  return {
    type: "CommentAdded",
    data: {
      commentId: crypto.randomUUID(),
      author: author.userId,
      authorName: author.username,
      comment: `bench comment at ${seconds}`,
      at: at(seconds),
    },
  };
}

/**
 * A busy post's history, `length` events long: created, then comments, likes
 * and comment edits in turn, so folding grows both the likers set and the
 * comments map.
 */
export function postHistory(length: number, postId: string = crypto.randomUUID()): PostEvent[] {
  const events: PostEvent[] = [postCreated(postId)];
  let lastComment = "";
  for (let i = 1; i < length; i++) {
    if (i % 4 === 1) {
      const added = commentAdded(i);
      lastComment = added.data.commentId;
      events.push(added);
    } else if (i % 4 === 3) {
      events.push({
        type: "CommentUpdated",
        data: { commentId: lastComment, comment: `edited at ${i}`, at: at(i) },
      });
    } else {
      events.push(postLiked(i));
    }
  }
  return events;
}

/** Wraps domain events for the store, as the command handler does. */
export function toNewEvents(events: readonly PostEvent[]): NewEvent[] {
  const causationId = crypto.randomUUID();
  const correlationId = crypto.randomUUID();
  return events.map((event) => ({
    eventId: crypto.randomUUID(),
    event,
    metadata: { userId: null, correlationId, causationId },
  }));
}

/**
 * A feed's worth of history: `posts` posts, each created and liked once and
 * every second one commented, plus one newest post with `comments` comments.
 */
export function feedBacklog(
  options: { posts: number; comments: number },
): { streams: StreamBatch[]; commentedPostId: string; events: number } {
  const streams: StreamBatch[] = [];
  for (let i = 0; i < options.posts; i++) {
    const postId = crypto.randomUUID();
    const events: PostEvent[] = [postCreated(postId, { seconds: i }), postLiked(i)];
    if (i % 2 === 0) events.push(commentAdded(i));
    streams.push({ streamId: postStreamId(postId), events });
  }
  const commentedPostId = crypto.randomUUID();
  streams.push({
    streamId: postStreamId(commentedPostId),
    events: [
      postCreated(commentedPostId, { seconds: options.posts }),
      ...Array.from({ length: options.comments }, (_, i) => commentAdded(options.posts + i)),
    ],
  });
  const events = streams.reduce((n, s) => n + s.events.length, 0);
  return { streams, commentedPostId, events };
}

/** Appends each batch to its new stream, `writers` appends in flight at a time. */
export async function appendAll(
  store: EventStore,
  options: { streams: readonly StreamBatch[]; writers: number },
): Promise<void> {
  let next = 0;
  const writer = async () => {
    while (next < options.streams.length) {
      const { streamId, events } = options.streams[next++];
      await store.append(streamId, toNewEvents(events), { expectedVersion: 0 });
    }
  };
  await Promise.all(Array.from({ length: options.writers }, writer));
}

/** Appends a new post (its PostCreated only); returns its id and global position. */
export async function appendNewPost(
  store: EventStore,
): Promise<{ postId: string; position: number }> {
  const postId = crypto.randomUUID();
  const { positions } = await store.append(
    postStreamId(postId),
    toNewEvents([postCreated(postId)]),
    {
      expectedVersion: 0,
    },
  );
  return { postId, position: positions[0] };
}
