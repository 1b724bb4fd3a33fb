import { projected, stores } from "../infra/pipeline_test_utils.ts";
import type { Sql } from "../infra/postgres/connect.ts";
import { postgresReadStore } from "../infra/projections/read_store.ts";
import { startStoreTailWorker, startWorker, type Worker } from "../infra/worker.ts";
import type { Report } from "./figures.ts";
import { appendAll, appendNewPost, feedBacklog } from "./fixtures.ts";
import { benchBus, dropBenchBus } from "./kafka.ts";
import { collect, median, percentile, timed } from "./stats.ts";

const VISIBLE_TIMEOUT_MS = 30_000;

/**
 * Median and p95 ms from an append's commit (the append call returning) to
 * `applied_positions` holding its position, through the relay, the bus and
 * the projector, on Kafka, and with the projector tailing the event store;
 * and Kafka's median over the store tail's.
 */
export async function benchPipelineLatency(report: Report): Promise<void> {
  const kafka = benchBus("latency");
  let viaKafka: number[];
  try {
    viaKafka = await appendToVisible((sql) =>
      startWorker({ ...sql, bus: kafka.bus, groupId: kafka.groupId })
    );
  } finally {
    await dropBenchBus(kafka);
  }
  const storeTail = await appendToVisible((sql) =>
    startStoreTailWorker({ ...sql, groupId: "agora-bench-latency" })
  );
  report.add("pipeline_append_to_projection_latency_kafka", {
    value: median(viaKafka),
    unit: "ms",
  });
  report.add("pipeline_append_to_projection_latency_kafka_p95", {
    value: percentile(viaKafka, 95),
    unit: "ms",
  });
  report.add("pipeline_append_to_projection_latency_store_tail", {
    value: median(storeTail),
    unit: "ms",
  });
  report.add("pipeline_append_to_projection_latency_store_tail_p95", {
    value: percentile(storeTail, 95),
    unit: "ms",
  });
  report.add("pipeline_latency_ratio_kafka_to_store_tail", {
    value: median(viaKafka) / median(storeTail),
    unit: "x",
  });
}

/** 50 sequential samples after 5 warm-ups (the first also waits for the group to join). */
async function appendToVisible(
  start: (sql: { eventSql: Sql; readSql: Sql }) => Promise<Worker>,
): Promise<number[]> {
  await using s = await stores();
  const readStore = postgresReadStore(s.readSql);
  const worker = await start({ eventSql: s.eventSql, readSql: s.readSql });
  try {
    return await collect({ samples: 50, warmup: 5 }, async () => {
      const { position } = await appendNewPost(s.store);
      const committed = performance.now();
      if (!await readStore.waitForPosition(position, VISIBLE_TIMEOUT_MS)) {
        throw new Error(`position ${position} not applied within ${VISIBLE_TIMEOUT_MS} ms`);
      }
      return performance.now() - committed;
    });
  } finally {
    await worker.stop();
    await readStore.close();
  }
}

/**
 * One database with a feed's history (2000 posts, one with 20 comments, about
 * 5000 events), appended while no worker runs. Then, in order:
 * - the Kafka worker starts and projects the backlog (events/s from its start
 *   until every position is applied, consumer-group join included);
 * - the feed's first page and the commented post are queried (median, p95);
 * - Restore read DB rebuilds the projections from the event store (events/s).
 */
export async function benchBacklog(report: Report): Promise<void> {
  await using s = await stores();
  const backlog = feedBacklog({ posts: 2000, comments: 20 });
  await appendAll(s.store, { streams: backlog.streams, writers: 8 });

  const kafka = benchBus("backlog");
  try {
    await kafka.bus.ensureTopic(); // creating the topic is not the projector's work
    const started = performance.now();
    const worker = await startWorker({
      eventSql: s.eventSql,
      readSql: s.readSql,
      bus: kafka.bus,
      groupId: kafka.groupId,
    });
    try {
      await projected(s, { timeoutMs: 60_000 });
    } finally {
      await worker.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const [{ dead }] = await s.readSql`select count(*)::int as dead from dead_letters`;
    if (dead > 0) throw new Error(`${dead} backlog events went to dead letters`);
    report.add("projection_throughput_kafka", {
      value: backlog.events / seconds,
      unit: "events/s",
    });
  } finally {
    await dropBenchBus(kafka);
  }

  const readStore = postgresReadStore(s.readSql);
  try {
    const feed = await collect({ samples: 200, warmup: 20 }, () =>
      timed(async () => {
        const page = await readStore.findPosts({}, { limit: 20 });
        if (page.posts.length !== 20) throw new Error(`feed page of ${page.posts.length}`);
      }));
    report.add("feed_query_latency", { value: median(feed), unit: "ms" });
    report.add("feed_query_latency_p95", { value: percentile(feed, 95), unit: "ms" });
    const viewerId = crypto.randomUUID();
    const post = await collect({ samples: 200, warmup: 20 }, () =>
      timed(async () => {
        const detail = await readStore.findPost(backlog.commentedPostId, viewerId);
        if (detail?.commentList.length !== 20) throw new Error("the post has not 20 comments");
      }));
    report.add("post_query_latency", { value: median(post), unit: "ms" });
    report.add("post_query_latency_p95", { value: percentile(post, 95), unit: "ms" });
  } finally {
    await readStore.close();
  }

  const started = performance.now();
  const job = await s.restorer.run({ requestedBy: "bench" });
  const seconds = (performance.now() - started) / 1000;
  if (job.status !== "done") throw new Error(`restore ${job.status}: ${job.error}`);
  if (job.done !== backlog.events) throw new Error(`restore applied ${job.done} events`);
  report.add("restore_read_db_throughput", { value: job.done / seconds, unit: "events/s" });
}
