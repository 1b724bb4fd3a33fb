/**
 * `deno task bench`: one line per figure (`name: value unit`) and
 * bench/results.json. Every figure is measured in this one run, each database
 * section on a fresh temporary database; absolute times vary on shared
 * machines, so compare ratios and medians taken from the same run.
 */
import { benchAppendVsEmmett } from "./append.ts";
import { createReport, writeResults } from "./figures.ts";
import { benchFoldSizes, benchHotPost, benchLoadLongPost } from "./hot_post.ts";
import { assertBrokerListening } from "./kafka.ts";
import { benchPipeline } from "./pipeline.ts";
import { benchBacklog, benchPipelineLatency } from "./read_side.ts";
import {
  benchAppendLatency,
  benchAppendThroughput,
  benchFold,
  benchLikePost,
} from "./write_side.ts";

await assertBrokerListening();
const started = performance.now();
const report = createReport();

// `deno task bench pipeline`: only the pipeline rows (Kafka throughput, latency, restore).
const only = Deno.args[0];
if (only === undefined) {
  await benchFold(report);
  await benchAppendLatency(report);
  await benchAppendThroughput(report, { writers: 8, seconds: 3 });
  await benchLikePost(report);
  await benchFoldSizes(report);
  await benchLoadLongPost(report);
  await benchAppendVsEmmett(report, { seconds: 5 });
  await benchHotPost(report);
  await benchPipelineLatency(report);
  await benchBacklog(report);
}
if (only === undefined || only === "pipeline") {
  await benchPipeline(report, { events: 100_000, writers: 8, rate: 1000, seconds: 5 });
}

await writeResults(new URL("./results.json", import.meta.url), report.figures());
console.error(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
