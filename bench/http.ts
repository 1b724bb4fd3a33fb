/**
 * The HTTP rows of the bench: the stack as it is deployed (the web process
 * `main.ts` with ROLE=web, a separate `worker.ts`, PostgreSQL, the running
 * Kafka broker on a topic of its own), then the load test's three mixes
 * against it on loopback. The load test runs as a process of its own
 * (`deno task loadtest --json`), as wrk would: its heap and garbage
 * collection are not the bench's, which by then holds what earlier sections
 * left (measured: that alone moved the commands' p99 by 10 to 20 ms).
 *
 * @module
 */
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { brokers } from "../infra/pipeline_test_utils.ts";
import { type AppProcess, freePort, healthy, poll, spawnApp } from "../tests/processes.ts";
import type { Report } from "./figures.ts";
import type { LoadResult, Mix } from "./http_load.ts";
import { dropBenchBus } from "./kafka.ts";
import { commandCpuMs, processTreeCpuMs } from "./process_cpu.ts";
import { assertVerified } from "./verified.ts";

/** The three figures of issue 10: commands at 64 clients, feed and post page at 100 readers. */
const RUNS: readonly { mix: Mix; clients: number; name: string }[] = [
  { mix: "commands", clients: 64, name: "http_commands_64_clients" },
  { mix: "feed", clients: 100, name: "http_feed_page_100_readers" },
  { mix: "post", clients: 100, name: "http_post_page_100_readers" },
];

/**
 * Starts web + worker on a fresh database and topic (write limits off), runs
 * each mix for `seconds`, and adds throughput, p50 and p99 per mix. Any
 * error response fails the bench.
 */
export async function benchHttp(
  report: Report,
  options: { seconds: number; env?: Record<string, string> },
): Promise<void> {
  await using db = await tempDatabase("agora_bench_http");
  const id = crypto.randomUUID().slice(0, 8);
  const topic = `agora.bench.http.${id}`;
  const groupId = `agora-bench-http-${id}`;
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers().join(","),
    KAFKA_TOPIC: topic,
    KAFKA_GROUP_ID: groupId,
    LOG_LEVEL: "warn",
    // The load signs up 64 users from one address and writes without pause.
    RATE_LIMIT_WRITES_PER_MIN: "0",
    ...options.env,
  };
  const processes: AppProcess[] = [];
  try {
    const web = spawnApp("web", {
      script: "main.ts",
      env: { ...env, ROLE: "web", PORT: String(port), LISTEN_HOST: "127.0.0.1" },
    });
    processes.push(web);
    await healthy(web, url, 60_000);
    const worker = spawnApp("worker", { script: "worker.ts", env });
    processes.push(worker);
    for (const run of RUNS) {
      // Each mix on a caught-up pipeline: the reads are not measured against the previous
      // mix's backlog (every applied batch is a new read-model generation).
      await caughtUp(url);
      let cpuAtStart = 0;
      let workerAtStart = 0;
      let postgresAtStart = 0;
      const { result, loadCpuMs } = await runLoadProcess({
        url,
        mix: run.mix,
        clients: run.clients,
        seconds: options.seconds,
        onLoadStart: () => {
          void processTreeCpuMs(web.pid).then((ms) => cpuAtStart = ms);
          void processTreeCpuMs(worker.pid).then((ms) => workerAtStart = ms);
          void commandCpuMs("postgres").then((ms) => postgresAtStart = ms);
        },
      });
      const cpuMs = await processTreeCpuMs(web.pid) - cpuAtStart;
      const workerCpuMs = await processTreeCpuMs(worker.pid) - workerAtStart;
      const postgresCpuMs = await commandCpuMs("postgres") - postgresAtStart;
      assertNoErrors(run.name, result);
      report.add(run.name, {
        value: result.perSecond,
        unit: run.mix === "commands" ? "cmd/s" : "req/s",
      });
      report.add(`${run.name}_p50`, { value: result.p50Ms, unit: "ms" });
      report.add(`${run.name}_p99`, { value: result.p99Ms, unit: "ms" });
      // CPU of the web process(es) per answered request: steadier than req/s on a busy machine.
      report.add(`${run.name}_web_cpu_per_request`, { value: cpuMs / result.ok, unit: "ms" });
      // Where the rest of the two cores went: the worker (relay, projector) and PostgreSQL.
      report.add(`${run.name}_worker_cpu_per_request`, {
        value: workerCpuMs / result.ok,
        unit: "ms",
      });
      report.add(`${run.name}_postgres_cpu_per_request`, {
        value: postgresCpuMs / result.ok,
        unit: "ms",
      });
      // The load generator's own share of the same cores.
      report.add(`${run.name}_loadgen_cpu_per_request`, {
        value: loadCpuMs / result.ok,
        unit: "ms",
      });
    }
    // What the commands wrote, once projected, must verify.
    await caughtUp(url);
    const sql = db.connect({ max: 2 });
    try {
      await assertVerified(report, "http", { eventSql: sql, readSql: sql });
    } finally {
      await sql.end();
    }
  } catch (error) {
    for (const p of processes) console.error(p.output());
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.stop(15_000)));
    await dropBenchBus({ topic, groupId });
  }
}

/**
 * Runs `scripts/loadtest.ts --json` against `url` and reads its two lines:
 * the timed load started (`onLoadStart`), and the result with the CPU time
 * the load process used over the timed load (in ms).
 */
async function runLoadProcess(options: {
  url: string;
  mix: Mix;
  clients: number;
  seconds: number;
  onLoadStart: () => void;
}): Promise<{ result: LoadResult; loadCpuMs: number }> {
  const script = new URL("../scripts/loadtest.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      script,
      options.url,
      "--mix",
      options.mix,
      "--clients",
      String(options.clients),
      "--seconds",
      String(options.seconds),
      "--json",
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errors = new Response(child.stderr).text(); // the progress line; shown on failure
  let found: { result: LoadResult; loadCpuMs: number } | null = null;
  try {
    let buffered = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let end;
      while ((end = buffered.indexOf("\n")) >= 0) {
        const text = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (!text.startsWith("{")) continue;
        const line = JSON.parse(text);
        if (line.started) options.onLoadStart();
        if (line.result) found = { result: line.result, loadCpuMs: line.cpuMs };
      }
    }
  } finally {
    // Whatever went wrong here, no load is left running behind the bench.
    if (!found) {
      try {
        child.kill();
      } catch { /* ended already */ }
    }
  }
  const status = await child.status;
  if (!status.success || !found) {
    throw new Error(`the load test failed (exit ${status.code}): ${await errors}`);
  }
  return found;
}

/** Waits (up to 60 s) until the web process reports no event left to project. */
async function caughtUp(url: string): Promise<void> {
  await poll(
    async () => /^projection_lag_events 0$/m.test(await (await fetch(`${url}/metrics`)).text()),
    {
      what: "the worker to catch up",
      timeoutMs: 60_000,
      intervalMs: 250,
    },
  );
}

function assertNoErrors(name: string, result: LoadResult): void {
  const errors = Object.entries(result.errors);
  if (errors.length === 0) return;
  throw new Error(`${name}: ${errors.map(([s, n]) => `${n} × ${s}`).join(", ")}`);
}
