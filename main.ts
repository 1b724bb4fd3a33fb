/**
 * `deno task start` / `deno task dev`: the web process (pages and JSON API).
 * With ROLE=all it also runs the worker (relay + projector). Without
 * DATABASE_URL it starts an embedded PostgreSQL under DATA_DIR; without
 * KAFKA_BROKERS the projector tails the event store (no relay). On Deno
 * Deploy (DENO_DEPLOYMENT_ID) it needs DATABASE_URL, does not migrate, and
 * runs the pipeline in cron ticks (infra/cron_pipeline.ts).
 */
import { jsonLogger, messageOf } from "./app/log.ts";
import { loadConfig } from "./infra/config.ts";
import {
  type CronPipeline,
  cronPipeline,
  runPipelineTick,
  tickRoute,
} from "./infra/cron_pipeline.ts";
import { startServer } from "./server.ts";
import manifest from "./fresh.gen.ts";
import freshConfig from "./fresh.config.ts";
import { startWebThreads, type WebThreads } from "./infra/web_threads.ts";

let config;
try {
  config = loadConfig(Deno.env.toObject());
} catch (error) {
  console.error(messageOf(error));
  Deno.exit(2);
}
const logger = jsonLogger(config.LOG_LEVEL, { role: config.ROLE });

// Deno Deploy: no process lives long enough for Kafka consumers, so cron ticks (and a
// nudge after each write) run relay and projector for a bounded time.
const cronMode = Boolean(config.DENO_DEPLOYMENT_ID) && config.DEPLOY_PIPELINE === "cron" &&
  (config.ROLE === "web" || config.ROLE === "command");
let pipeline: CronPipeline | null = null;
// Registered at the top level, before any await: Deploy finds crons when the isolate starts.
// Elsewhere Deno.cron needs --unstable-cron; without it only nudges and the tick route run ticks.
if (cronMode && typeof Deno.cron === "function") {
  Deno.cron("agora pipeline", "* * * * *", async () => {
    await pipeline?.tick();
  });
}
const tick = () => pipeline ? pipeline.tick() : Promise.reject(new Error("not started yet"));
// More web servers on the same port, in threads of this process (not on Deploy).
const threaded = config.WEB_THREADS > 1 && !config.DENO_DEPLOYMENT_ID;
const server = await startServer(config, {
  web: { manifest, config: freshConfig },
  logger,
  withWorker: config.ROLE === "all",
  hostname: config.LISTEN_HOST,
  reusePort: threaded,
  afterAppend: () => pipeline?.nudge(),
  intercept: cronMode && config.PIPELINE_TICK_TOKEN
    ? tickRoute(config.PIPELINE_TICK_TOKEN, tick)
    : undefined,
});
if (cronMode) {
  const { system } = server;
  pipeline = cronPipeline(
    (budgetMs) => runPipelineTick({ ...system, logger }, { budgetMs }),
    { budgetMs: config.PIPELINE_TICK_BUDGET_MS, logger },
  );
}
// Started after this thread migrated the databases, so they only find them up to date.
const threads: WebThreads | null = threaded ? await startWebThreads(config.WEB_THREADS - 1) : null;
logger.info("web started", {
  url: server.url,
  role: config.ROLE,
  threads: 1 + (threads?.count ?? 0),
  worker: server.system.worker
    ? "in this process"
    : cronMode
    ? "cron ticks (Deno Deploy)"
    : "separate (deno task worker)",
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { signal });
    await pipeline?.idle();
    await Promise.all([threads?.stop(10_000), server.shutdown()]);
    Deno.exit(0);
  });
}
