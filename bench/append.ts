import type { EventStore } from "../app/ports.ts";
import { postStreamId } from "../domain/mod.ts";
import { postgresEventStore } from "../infra/postgres/event_store.ts";
import { migrate } from "../infra/postgres/migrate.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import type { Report } from "./figures.ts";
import { postLiked, toNewEvents } from "./fixtures.ts";

/** The comparison's shape: the 16 writers, 1 event per append, 800 streams. */
const SHAPE = { writers: 16, streams: 800 };

type Mode = "any" | "expected";

/**
 * Append events/s of this store and of emmett-postgresql 0.42 (run by Node
 * from bench/peer, installed on first use) on the same PostgreSQL, each on a
 * fresh database, with expected version "any" and with exact versions; the
 * ratio is ours ÷ emmett's from this one run.
 */
export async function benchAppendVsEmmett(
  report: Report,
  options: { seconds: number },
): Promise<void> {
  await installPeer();
  for (const mode of ["any", "expected"] as const) {
    const ours = await oursPerSecond(mode, options.seconds);
    const emmett = await emmettPerSecond(mode, options.seconds);
    report.add(`append_16_writers_${mode}`, { value: ours, unit: "events/s" });
    report.add(`append_16_writers_${mode}_emmett`, { value: emmett, unit: "events/s" });
    report.add(`append_16_writers_${mode}_vs_emmett`, { value: ours / emmett, unit: "x" });
  }
}

async function oursPerSecond(mode: Mode, seconds: number): Promise<number> {
  await using db = await tempDatabase("agora_bench");
  const sql = db.connect({ max: 10 }); // pg's default pool size, as the peer uses
  await migrate(sql, "event_store");
  const store = postgresEventStore(sql);
  const ids = Array.from({ length: SHAPE.streams }, () => postStreamId(crypto.randomUUID()));
  const versions = new Map<string, number>();
  // Set-up, not timed: every stream exists before the clock starts.
  for (let i = 0; i < ids.length; i += SHAPE.writers) {
    await Promise.all(
      ids.slice(i, i + SHAPE.writers).map(async (id) => {
        const result = await store.append(id, toNewEvents([postLiked(0)]), {
          expectedVersion: "any",
        });
        versions.set(id, result.nextExpectedVersion);
      }),
    );
  }
  const writer = (w: number, deadline: number) =>
    appendUntil(store, {
      ids: ids.filter((_, i) => i % SHAPE.writers === w),
      versions,
      mode,
      deadline,
    });
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const counts = await Promise.all(
    Array.from({ length: SHAPE.writers }, (_, w) => writer(w, deadline)),
  );
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
}

/** One writer: appends to its own streams in turn until the deadline. */
async function appendUntil(
  store: EventStore,
  options: { ids: string[]; versions: Map<string, number>; mode: Mode; deadline: number },
): Promise<number> {
  const { ids, versions, mode, deadline } = options;
  let appended = 0;
  while (performance.now() < deadline) {
    const id = ids[appended % ids.length];
    const result = await store.append(id, toNewEvents([postLiked(appended)]), {
      expectedVersion: mode === "any" ? "any" : versions.get(id)!,
    });
    versions.set(id, result.nextExpectedVersion);
    appended++;
  }
  return appended;
}

const PEER = new URL("./peer/", import.meta.url);

async function emmettPerSecond(mode: Mode, seconds: number): Promise<number> {
  await using db = await tempDatabase("agora_bench_emmett");
  const args = [
    "append.mjs",
    db.url,
    String(SHAPE.writers),
    String(SHAPE.streams),
    String(seconds),
    mode,
  ];
  const out = await new Deno.Command("node", { args, cwd: PEER, stderr: "inherit" }).output();
  if (!out.success) throw new Error(`the emmett peer failed (exit ${out.code})`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return (JSON.parse(lines.at(-1)!) as { eventsPerSecond: number }).eventsPerSecond;
}

/** `npm ci` into bench/peer once; its node_modules is git-ignored. */
async function installPeer(): Promise<void> {
  try {
    await Deno.stat(new URL("node_modules/@event-driven-io/emmett-postgresql/", PEER));
    return;
  } catch {
    // not installed yet
  }
  const out = await new Deno.Command("npm", {
    args: ["ci", "--no-audit", "--no-fund"],
    cwd: PEER,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("npm ci in bench/peer failed");
}
