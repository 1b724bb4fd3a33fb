import { requestContext } from "../app/context.ts";
import { type Loaded, loadStream } from "../app/handle_command.ts";
import { postAggregate } from "../app/post_handlers.ts";
import { advanceSnapshot } from "../app/snapshots.ts";
import { commandSide } from "../app/test_utils.ts";
import {
  foldPost,
  type PostDecision,
  type PostEvent,
  postSnapshotShape,
  type PostState,
  postStreamId,
} from "../domain/mod.ts";
import { stores } from "../infra/pipeline_test_utils.ts";
import { postgresSnapshotStore } from "../infra/postgres/snapshots.ts";
import type { Report } from "./figures.ts";
import { postCreated, postHistory, randomActor, toNewEvents } from "./fixtures.ts";
import { collect, median, percentile, timed } from "./stats.ts";

/** Median ms to fold 1,000 and 100,000 Post events into state (pure, no I/O). */
export async function benchFoldSizes(report: Report): Promise<void> {
  for (const [size, samples] of [[1_000, 200], [100_000, 10]] as const) {
    const history = postHistory(size);
    if (foldPost(history).version !== size) throw new Error(`fold did not reach ${size}`);
    const ms = await collect({ samples, warmup: 3 }, () => timed(() => foldPost(history)));
    report.add(`fold_post_${size}_events`, { value: median(ms), unit: "ms" });
  }
}

/**
 * Median ms to load a 100,000-event post for a like: cold, from its snapshot's
 * head and the liker's entry plus the events after it (as a fresh process
 * does), and warm, from the state the process kept (reads only the events since).
 */
export async function benchLoadLongPost(report: Report): Promise<void> {
  await using s = await stores();
  const postId = crypto.randomUUID();
  const streamId = postStreamId(postId);
  const history = postHistory(100_000, postId);
  for (let i = 0; i < history.length; i += 2_000) {
    await s.store.append(streamId, toNewEvents(history.slice(i, i + 2_000)), {
      expectedVersion: i,
    });
  }
  // The snapshot a command takes at version 100,000 (folded from the first event, as for a
  // stream with none), then 50 events after it.
  const snapshots = {
    store: postgresSnapshotStore(s.eventSql),
    shape: postSnapshotShape,
    every: 100,
  };
  if (!await advanceSnapshot(s.store, { streamId, aggregate: postAggregate, snapshots })) {
    throw new Error("no snapshot was taken");
  }
  const tail = postHistory(51, postId).slice(1);
  await s.store.append(streamId, toNewEvents(tail), { expectedVersion: 100_000 });
  // What a like by one of the post's likers reads: the head and that liker's entry.
  const liked = history.find((e) => e.type === "PostLiked");
  if (liked?.type !== "PostLiked") throw new Error("the history has no like");
  const keys = postSnapshotShape.keysRead({
    type: "LikePost",
    postId,
    actor: { userId: liked.data.userId, username: "fan", isAdmin: false },
    at: liked.data.at,
  });
  const load = (cached?: Loaded<PostState>): Promise<Loaded<PostState>> =>
    loadStream<PostDecision, PostEvent, PostState>(s.store, {
      streamId,
      aggregate: postAggregate,
      snapshots,
      cached,
      keys,
    });
  const cold = () => load();
  const warm = await cold();
  if (warm.state.version !== 100_050) throw new Error(`loaded version ${warm.state.version}`);
  if (warm.state.status !== "active" || !warm.state.likers.has(liked.data.userId)) {
    throw new Error("the liker's entry was not loaded");
  }
  const whole = foldPost([...history, ...tail]);
  if (whole.status !== "active" || warm.state.likes !== whole.likers.size) {
    throw new Error(`loaded ${warm.state.likes} likes`);
  }
  const coldMs = await collect({ samples: 10, warmup: 2 }, () => timed(cold));
  const warmMs = await collect({ samples: 50, warmup: 5 }, () => timed(() => load(warm)));
  report.add("load_100k_post_from_snapshot", { value: median(coldMs), unit: "ms" });
  report.add("load_100k_post_kept_state", { value: median(warmMs), unit: "ms" });

  // A like or unlike through the mediator on the post this process now holds (the first
  // command loads it): the append plus deciding on the kept state, which must not cost
  // anything in the post's size.
  const fan = requestContext({ actor: randomActor() });
  await s.mediator.send({ type: "LikePost", postId }, fan);
  let likes = true;
  const toggleMs = await collect({ samples: 40, warmup: 4 }, () =>
    timed(async () => {
      await s.mediator.send({ type: likes ? "UnlikePost" : "LikePost", postId }, fan);
      likes = !likes;
    }));
  report.add("like_on_kept_100k_post", { value: median(toggleMs), unit: "ms" });

  // Likes by fans not seen before, through a process that loaded the post from its
  // snapshot (after a restart, or a conflict with another process): each needs the
  // snapshot's entry for its fan.
  const fresh = commandSide({ store: s.store, snapshots: snapshots.store }).mediator;
  const newFanMs = await collect(
    { samples: 40, warmup: 4 },
    () =>
      timed(() =>
        fresh.send({ type: "LikePost", postId }, requestContext({ actor: randomActor() }))
      ),
  );
  report.add("like_by_new_fan_on_100k_post_held_in_part", {
    value: median(newFanMs),
    unit: "ms",
  });
}

/**
 * 200 users like one post at the same moment through the mediator: how many
 * are accepted, the post's like count afterwards, and the p99 latency.
 */
export async function benchHotPost(report: Report): Promise<void> {
  await using s = await stores();
  const postId = crypto.randomUUID();
  await s.store.append(postStreamId(postId), toNewEvents([postCreated(postId)]), {
    expectedVersion: 0,
  });
  const outcomes = await Promise.allSettled(Array.from({ length: 200 }, async () => {
    const ctx = requestContext({ actor: randomActor() });
    return await timed(() => s.mediator.send({ type: "LikePost", postId }, ctx));
  }));
  const ms = outcomes.flatMap((o) => o.status === "fulfilled" ? [o.value] : []);
  const events = await s.store.readStream(postStreamId(postId));
  const likes = events.filter((e) => e.type === "PostLiked").length;
  report.add("hot_post_200_likes_accepted", { value: ms.length, unit: "count" });
  report.add("hot_post_200_likes_like_count", { value: likes, unit: "count" });
  report.add("hot_post_200_likes_p99", { value: percentile(ms, 99), unit: "ms" });
}
