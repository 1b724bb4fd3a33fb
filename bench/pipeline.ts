import { postStreamId } from "../domain/mod.ts";
import { brokers, stores, until } from "../infra/pipeline_test_utils.ts";
import { postgresReadStore } from "../infra/projections/read_store.ts";
import { spawnApp } from "../tests/processes.ts";
import type { Report } from "./figures.ts";
import { appendNewPost, postHistory, toNewEvents } from "./fixtures.ts";
import { benchBus, dropBenchBus } from "./kafka.ts";
import { median, percentile } from "./stats.ts";
import { assertVerified } from "./verified.ts";

/** Events per append in the throughput run (a post with its likes, comments and edits). */
const APPEND_SIZE = 100;
/** Longest wait for one paced append to become visible. */
const VISIBLE_TIMEOUT_MS = 30_000;

/**
 * The Kafka pipeline with the whole stack running (relay, broker, projector):
 * - events/s from the first 100-event append until every event is visible in
 *   the read model (`events` in all, `writers` appenders);
 * - Restore read DB on the database that run filled (events/s);
 * - append -> visible p50 and p99 for single-event appends paced at `rate`/s
 *   for `seconds` (each sample: the append's return until `waitForPosition`).
 */
export async function benchPipeline(
  report: Report,
  options: { events: number; writers: number; rate: number; seconds: number },
): Promise<void> {
  await using s = await stores({ restoreBatchSize: 5000 });
  const kafka = benchBus("pipeline");
  try {
    await kafka.bus.ensureTopic();
    // The worker in its own process, as deployed (`deno task worker`): the writers here
    // stand for the web processes.
    const worker = spawnApp("worker", {
      script: "worker.ts",
      env: {
        DATABASE_URL: s.eventDb.url,
        KAFKA_BROKERS: brokers().join(","),
        KAFKA_TOPIC: kafka.topic,
        KAFKA_GROUP_ID: kafka.groupId,
        LOG_LEVEL: "warn",
      },
    });
    const readStore = postgresReadStore(s.readSql);
    try {
      await warmUp(s, readStore);
      const streams = Math.ceil(options.events / APPEND_SIZE);
      const started = performance.now();
      const ids = await appendPosts(s, { streams, writers: options.writers });
      await until(s.readSql, async () => {
        const [{ n }] = await s.readSql`
          select coalesce(sum(version), 0)::int as n from projection_streams
          where stream_id = any(${ids})`;
        return n === streams * APPEND_SIZE;
      }, { timeoutMs: 600_000, what: "the pipeline to apply every appended event" });
      const seconds = (performance.now() - started) / 1000;
      report.add("pipeline_kafka_throughput", {
        value: (streams * APPEND_SIZE) / seconds,
        unit: "events/s",
      });
      const latencies = await pacedLatencies(s, readStore, options);
      report.add("pipeline_append_to_visible_p50", { value: median(latencies), unit: "ms" });
      report.add("pipeline_append_to_visible_p99", {
        value: percentile(latencies, 99),
        unit: "ms",
      });
    } catch (error) {
      console.error(worker.output());
      throw error;
    } finally {
      await readStore.close();
      await worker.stop(15_000);
    }
  } finally {
    await dropBenchBus(kafka);
  }
  const [{ total }] = await s.eventSql`select count(*)::int as total from events`;
  const started = performance.now();
  const job = await s.restorer.run({ requestedBy: "bench" });
  const seconds = (performance.now() - started) / 1000;
  if (job.status !== "done") throw new Error(`restore ${job.status}: ${job.error}`);
  if (job.done !== total) throw new Error(`restore applied ${job.done} of ${total} events`);
  report.add("restore_read_db_events_per_second", { value: total / seconds, unit: "events/s" });
  // The restored read model, like the one the pipeline built, must verify.
  await assertVerified(report, "pipeline", s);
}

type Stores = Awaited<ReturnType<typeof stores>>;
type Reads = ReturnType<typeof postgresReadStore>;

/** One append through the whole pipeline, so the group has joined before the clock starts. */
async function warmUp(s: Stores, readStore: Reads): Promise<void> {
  const { position } = await appendNewPost(s.store);
  if (!await readStore.waitForPosition(position, 60_000)) {
    throw new Error("the pipeline did not start within 60 s");
  }
}

/** `streams` new posts of APPEND_SIZE events each, `writers` appends in flight. */
async function appendPosts(
  s: Stores,
  options: { streams: number; writers: number },
): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const writer = async () => {
    while (next < options.streams) {
      next++;
      const postId = crypto.randomUUID();
      const streamId = postStreamId(postId);
      ids.push(streamId);
      await s.store.append(streamId, toNewEvents(postHistory(APPEND_SIZE, postId)), {
        expectedVersion: 0,
      });
    }
  };
  await Promise.all(Array.from({ length: options.writers }, writer));
  return ids;
}

/** Append -> visible for single-event appends started `rate` times a second. */
async function pacedLatencies(
  s: Stores,
  readStore: Reads,
  options: { rate: number; seconds: number },
): Promise<number[]> {
  const count = options.rate * options.seconds;
  const intervalMs = 1000 / options.rate;
  const started = performance.now();
  const samples: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    samples.push((async () => {
      const { position } = await appendNewPost(s.store);
      const committed = performance.now();
      // A sample not visible within 30 s counts as 30 s (the pipeline cannot keep up).
      await readStore.waitForPosition(position, VISIBLE_TIMEOUT_MS);
      return Math.min(performance.now() - committed, VISIBLE_TIMEOUT_MS);
    })());
  }
  return await Promise.all(samples);
}
