import { requestContext } from "../app/context.ts";
import { foldPost, postStreamId } from "../domain/mod.ts";
import { stores } from "../infra/pipeline_test_utils.ts";
import type { Report } from "./figures.ts";
import { postCreated, postHistory, postLiked, randomActor, toNewEvents } from "./fixtures.ts";
import { collect, median, percentile, timed } from "./stats.ts";

/** Median µs to fold a 1000-event post stream into state (pure, no I/O). */
export async function benchFold(report: Report): Promise<void> {
  const history = postHistory(1000);
  const state = foldPost(history);
  if (state.version !== 1000) throw new Error(`fold reached version ${state.version}`);
  const ms = await collect({ samples: 300, warmup: 100 }, () => timed(() => foldPost(history)));
  report.add("decider_fold_1000_events", { value: median(ms) * 1000, unit: "µs" });
}

/** Median and p95 ms of appending one event to a new stream, one append at a time. */
export async function benchAppendLatency(report: Report): Promise<void> {
  await using s = await stores();
  const ms = await collect({ samples: 200, warmup: 20 }, () => {
    const postId = crypto.randomUUID();
    const events = toNewEvents([postCreated(postId)]);
    return timed(() => s.store.append(postStreamId(postId), events, { expectedVersion: 0 }));
  });
  report.add("append_single_event_latency", { value: median(ms), unit: "ms" });
  report.add("append_single_event_latency_p95", { value: percentile(ms, 95), unit: "ms" });
}

/** Events/s with `writers` appenders, each on its own stream, for `seconds`. */
export async function benchAppendThroughput(
  report: Report,
  options: { writers: number; seconds: number },
): Promise<void> {
  await using s = await stores();
  const writer = async (deadline: number) => {
    const postId = crypto.randomUUID();
    const streamId = postStreamId(postId);
    let { nextExpectedVersion: version } = await s.store.append(
      streamId,
      toNewEvents([postCreated(postId)]),
      { expectedVersion: 0 },
    );
    let appended = 1;
    while (performance.now() < deadline) {
      ({ nextExpectedVersion: version } = await s.store.append(
        streamId,
        toNewEvents([postLiked(appended)]),
        { expectedVersion: version },
      ));
      appended++;
    }
    return appended;
  };
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const counts = await Promise.all(Array.from({ length: options.writers }, () => writer(deadline)));
  const seconds = (performance.now() - started) / 1000;
  const events = counts.reduce((a, b) => a + b, 0);
  report.add("append_throughput_concurrent", { value: events / seconds, unit: "events/s" });
}

/**
 * Median and p95 ms of LikePost through the mediator (validate, authorize,
 * load, fold, decide, append) on posts of about 200 events. Each like is a new
 * user's, so each appends one event; the samples go round the posts so each
 * grows only from 190 to 211 events.
 */
export async function benchLikePost(report: Report): Promise<void> {
  await using s = await stores();
  const postIds = Array.from({ length: 5 }, () => crypto.randomUUID());
  for (const postId of postIds) {
    await s.store.append(postStreamId(postId), toNewEvents(postHistory(190, postId)), {
      expectedVersion: 0,
    });
  }
  let turn = 0;
  const ms = await collect({ samples: 100, warmup: 5 }, () => {
    const postId = postIds[turn++ % postIds.length];
    const ctx = requestContext({ actor: randomActor() });
    return timed(() => s.mediator.send({ type: "LikePost", postId }, ctx));
  });
  const versions = await s.eventSql`
    select version::int from streams where stream_id = any(${postIds.map(postStreamId)})`;
  if (versions.some((row) => row.version !== 211)) throw new Error("a like did not append");
  report.add("command_like_post_latency", { value: median(ms), unit: "ms" });
  report.add("command_like_post_latency_p95", { value: percentile(ms, 95), unit: "ms" });
}
