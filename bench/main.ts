/**
 * `deno task bench [pipeline|http]`: one line per figure (`name: value unit`)
 * and bench/results.json. Every figure is measured in this one run, each
 * database section on a fresh temporary database; absolute times vary on
 * shared machines, so compare ratios and medians taken from the same run.
 * `pipeline` runs only the pipeline rows; `http` only the HTTP rows (web +
 * worker processes under the load test) and leaves results.json alone.
 */
import { benchAppendVsEmmett } from "./append.ts";
import { createReport, writeResults } from "./figures.ts";
import { benchFoldSizes, benchHotPost, benchLoadLongPost } from "./hot_post.ts";
import { benchHttp } from "./http.ts";
import { assertBrokerListening } from "./kafka.ts";
import { benchPipeline } from "./pipeline.ts";
import { benchBacklog, benchPipelineLatency } from "./read_side.ts";
import {
  benchAppendLatency,
  benchAppendThroughput,
  benchFold,
  benchLikePost,
} from "./write_side.ts";

/** Seconds each HTTP mix runs. */
const HTTP_SECONDS = Number(Deno.env.get("BENCH_HTTP_SECONDS") ?? 10);

await assertBrokerListening();
const started = performance.now();
const report = createReport();
const only = Deno.args[0];
if (only !== undefined && only !== "pipeline" && only !== "http") {
  console.error(`bench: unknown section ${only}; usage: deno task bench [pipeline|http]`);
  Deno.exit(2);
}

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
if (only === undefined || only === "http") {
  await benchHttp(report, { seconds: HTTP_SECONDS });
}

if (only !== "http") {
  await writeResults(new URL("./results.json", import.meta.url), report.figures());
}
console.error(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
