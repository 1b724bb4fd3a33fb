/**
 * `deno task restore-read-db`: rebuilds the projection tables (READ_DATABASE_URL,
 * default DATABASE_URL) from the event store (DATABASE_URL) and swaps them in,
 * with a progress bar on stderr. Joins a restore that is already running.
 * Exit 0 when done, 1 when the restore failed, 2 when DATABASE_URL is missing.
 */
import { connect, databaseTls, migrate } from "../infra/postgres/mod.ts";
import { createRestorer, type RestoreJob } from "../infra/projections/restore.ts";
import { toolConfig } from "./tool_config.ts";
import { messageOf } from "../app/log.ts";

const { DATABASE_URL: url, READ_DATABASE_URL: readUrl } = toolConfig("restore-read-db");
// The restorer holds one read connection for its lock and needs another for its work.
const open = async (target: string) =>
  connect(target, {
    max: 4,
    name: "agora-restore",
    tls: await databaseTls(target, Deno.env.toObject()),
  });
const eventSql = await open(url);
const readSql = readUrl === url ? eventSql : await open(readUrl);

const BAR_WIDTH = 20;
const encoder = new TextEncoder();
const inPlace = Deno.stderr.isTerminal();
let shown = { line: "", tenth: -1, status: "" };

/** `[#########-----------] 45% 4500/10000 events`, plus the phase when swapping. */
function bar(job: RestoreJob): string {
  const filled = Math.round((job.percent / 100) * BAR_WIDTH);
  const phase = job.status === "swapping" ? " (swapping in)" : "";
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${job.percent}% ` +
    `${job.done}/${job.total} events${phase}`;
}

/** Redraws the bar in place on a terminal; elsewhere one line per tenth keeps logs short. */
function show(job: RestoreJob): void {
  const line = bar(job);
  const tenth = Math.floor(job.percent / 10);
  const changed = inPlace
    ? line !== shown.line
    : tenth !== shown.tenth || job.status !== shown.status;
  if (!changed) return;
  shown = { line, tenth, status: job.status };
  Deno.stderr.writeSync(encoder.encode(inPlace ? `\r${line}\x1b[K` : `${line}\n`));
}

let code = 1;
try {
  await migrate(eventSql, "event_store");
  await migrate(readSql, "read_store");
  const restorer = createRestorer({ eventSql, readSql });
  const job = await restorer.run({ requestedBy: "cli", onProgress: show });
  if (inPlace) Deno.stderr.writeSync(encoder.encode("\n"));
  if (job.status === "done") {
    const seconds = ((job.finishedAt!.getTime() - job.startedAt.getTime()) / 1000).toFixed(1);
    console.log(`restore-read-db: done, ${job.done} events in ${seconds}s (job ${job.id})`);
    code = 0;
  } else {
    console.error(`restore-read-db: failed: ${job.error} (job ${job.id})`);
  }
} catch (error) {
  if (inPlace && shown.line) Deno.stderr.writeSync(encoder.encode("\n"));
  console.error(`restore-read-db: ${messageOf(error)}`);
} finally {
  await Promise.all([...new Set([eventSql, readSql])].map((sql) => sql.end({ timeout: 5 })));
}
Deno.exit(code);
