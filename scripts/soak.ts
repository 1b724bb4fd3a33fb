/**
 * `deno task soak [minutes]` (default 10): mixed load through the HTTP API of
 * a running stack (SOAK_URL, default http://127.0.0.1:8000): sign-ups, posts,
 * likes and unlikes, comments, feed and post reads, and open live streams.
 * Prints a progress line every interval and, at the end, a table over time of
 * throughput, errors, p99 latency and the RSS of each process of the stack
 * (SOAK_PIDS="web=123,worker=456", else every `deno` process running main.ts
 * or worker.ts from this folder). With DATABASE_URL set, runs the verifier
 * after the load. Exit 1 on any error, unclean verifier, or RSS growth over
 * 10 % after the first minute.
 *
 * Run the stack with RATE_LIMIT_WRITES_PER_MIN=0: the load comes from one address.
 *
 * Env: SOAK_URL, SOAK_USERS (16), SOAK_STREAMS (4), SOAK_INTERVAL_S (10), SOAK_PIDS.
 *
 * @module
 */

const minutes = Number(Deno.args[0] ?? 10);
if (!(minutes > 0)) {
  console.error("usage: deno task soak [minutes]");
  Deno.exit(2);
}
const env = (name: string, fallback: string) => Deno.env.get(name) || fallback;
const base = env("SOAK_URL", "http://127.0.0.1:8000").replace(/\/$/, "");
const USERS = Number(env("SOAK_USERS", "16"));
const STREAMS = Number(env("SOAK_STREAMS", "4"));
const INTERVAL_MS = Number(env("SOAK_INTERVAL_S", "10")) * 1000;
/** One user's pause between two requests: keeps its writes under the API's 60 a minute. */
const THINK_MS = 700;
const REQUEST_MS = 10_000;
const WARM_UP_MS = 60_000;

type Sample = { ms: number; ok: boolean };
type Interval = {
  atS: number;
  requests: number;
  errors: number;
  p99: number;
  events: number;
  rss: Record<string, number>;
};

const runId = crypto.randomUUID().slice(0, 6);
/** The highest read-model position any answer reported, to wait for before verifying. */
let lastPosition = 0;
let lastWrite = 0;
let samples: Sample[] = [];
let liveEvents = 0;
const errors: string[] = [];
const intervals: Interval[] = [];
const deadline = Date.now() + minutes * 60_000;
const started = Date.now();
const stopping = new AbortController();

/** A user's cookie jar and JSON calls; every call is timed and counted. */
function user(name: string, index: number) {
  const jar = new Map<string, string>();
  async function call(
    method: string,
    path: string,
    body?: unknown,
    minPosition?: number,
  ): Promise<unknown> {
    const t0 = performance.now();
    let ok = false;
    try {
      const headers = new Headers({ "x-forwarded-for": `198.51.${index >> 8}.${index & 255}` });
      if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
      // Every API write is JSON, with or without a body (else the CSRF check refuses it).
      if (method !== "GET") headers.set("content-type", "application/json");
      if (minPosition) headers.set("x-min-position", String(minPosition));
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_MS),
      });
      for (const line of res.headers.getSetCookie()) {
        const [pair] = line.split(";");
        const eq = pair.indexOf("=");
        const value = pair.slice(eq + 1).trim();
        if (value) jar.set(pair.slice(0, eq).trim(), value);
        else jar.delete(pair.slice(0, eq).trim());
      }
      const text = await res.text();
      ok = res.status < 400;
      lastPosition = Math.max(lastPosition, Number(res.headers.get("x-projection-position")) || 0);
      if (!ok) errors.push(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
      return text.startsWith("{") ? JSON.parse(text) : null;
    } catch (error) {
      errors.push(`${method} ${path}: ${error}`);
      return null;
    } finally {
      samples.push({ ms: performance.now() - t0, ok });
    }
  }
  return { name, call };
}

type Post = { id: string };
/** Known posts with the position of their creation (reads wait for it: read-your-writes). */
const posts: { id: string; position: number }[] = [];
const pick = <T>(list: T[]): T | undefined => list[Math.floor(Math.random() * list.length)];
const pause = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    stopping.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

async function virtualUser(index: number): Promise<void> {
  const u = user(`soak_${runId}_${index}`, index);
  const credentials = { username: u.name, password: "correct horse battery" };
  await u.call("POST", "/api/v1/users", credentials);
  await u.call("POST", "/api/v1/session", credentials);
  const liked = new Set<string>();
  while (Date.now() < deadline) {
    const roll = Math.random();
    const target = pick(posts);
    if (!target || (roll >= 0.55 && roll < 0.7)) {
      const created = await u.call("POST", "/api/v1/posts", {
        message: `soak ${u.name} ${Date.now()}`,
      }) as (Post & { position?: number }) | null;
      if (created?.id) posts.push({ id: created.id, position: created.position ?? 0 });
      if (posts.length > 500) posts.splice(0, posts.length - 500);
      lastWrite = Math.max(lastWrite, created?.position ?? 0);
    } else if (roll < 0.35) {
      await u.call("GET", "/api/v1/posts?limit=20");
    } else if (roll < 0.55) {
      await u.call("GET", `/api/v1/posts/${target.id}`, undefined, target.position);
    } else if (roll < 0.88) {
      const unlike = liked.has(target.id);
      await u.call(unlike ? "DELETE" : "PUT", `/api/v1/posts/${target.id}/like`);
      if (unlike) liked.delete(target.id);
      else liked.add(target.id);
    } else {
      await u.call("POST", `/api/v1/posts/${target.id}/comments`, { comment: `from ${u.name}` });
    }
    await pause(THINK_MS);
  }
}

/** A reader with the feed open: counts the live events, reconnects when the stream ends. */
async function liveReader(): Promise<void> {
  while (Date.now() < deadline && !stopping.signal.aborted) {
    try {
      const res = await fetch(`${base}/live?feed=1`, { signal: stopping.signal });
      const reader = res.body!.pipeThrough(
        new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>,
      ).getReader();
      // Aborting the fetch does not end a body read already waiting: cancel it too.
      const cancel = () => reader.cancel().catch(() => {});
      stopping.signal.addEventListener("abort", cancel, { once: true });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        liveEvents += value.split("\nevent: ").length - 1;
      }
      stopping.signal.removeEventListener("abort", cancel);
    } catch (error) {
      if (!stopping.signal.aborted) errors.push(`live: ${error}`);
      await pause(1000);
    }
  }
}

/** The stack's processes: SOAK_PIDS, else this folder's deno main.ts / worker.ts processes. */
function processes(): Record<string, number> {
  const given = Deno.env.get("SOAK_PIDS");
  if (given) {
    return Object.fromEntries(
      given.split(",").map((pair) => {
        const [name, pid] = pair.split("=");
        return [name.trim(), Number(pid)];
      }),
    );
  }
  const here = Deno.cwd();
  const found: Record<string, number> = {};
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
      if (!/deno$/.test(cmd[0]) || Deno.realPathSync(`/proc/${entry.name}/cwd`) !== here) continue;
      const script = cmd.find((a) => a === "main.ts" || a === "worker.ts");
      if (script) found[`${script.replace(".ts", "")}-${entry.name}`] = Number(entry.name);
    } catch { /* gone, or not ours */ }
  }
  return found;
}

function rssMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Math.round(Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

function p99(list: Sample[]): number {
  if (list.length === 0) return 0;
  const sorted = list.map((s) => s.ms).sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]);
}

const watched = processes();
console.log(
  `soak: ${minutes} min against ${base}, ${USERS} users, ${STREAMS} live streams; ` +
    `processes: ${Object.keys(watched).join(", ") || "none found (set SOAK_PIDS)"}`,
);
const ticker = setInterval(() => {
  const window = samples;
  samples = [];
  const row: Interval = {
    atS: Math.round((Date.now() - started) / 1000),
    requests: window.length,
    errors: window.filter((s) => !s.ok).length,
    p99: p99(window),
    events: liveEvents,
    rss: Object.fromEntries(Object.entries(watched).map(([name, pid]) => [name, rssMb(pid)])),
  };
  liveEvents = 0;
  intervals.push(row);
  const rss = Object.entries(row.rss).map(([name, mb]) => `${name} ${mb} MB`).join(", ");
  console.log(
    `soak: t=${row.atS}s ${(row.requests / (INTERVAL_MS / 1000)).toFixed(1)} req/s, ` +
      `${row.errors} errors, p99 ${row.p99} ms, ${row.events} live events; RSS ${rss}`,
  );
}, INTERVAL_MS);

const readers = Array.from({ length: STREAMS }, () => liveReader());
await Promise.all(Array.from({ length: USERS }, (_, i) => virtualUser(i)));
stopping.abort();
await Promise.all(readers);
clearInterval(ticker);

// The report: totals, the table over time, RSS growth after the warm-up.
const total = intervals.reduce((n, row) => n + row.requests, 0);
const seconds = (Date.now() - started) / 1000;
console.log("\n  t (s) | req/s | errors | p99 ms | live ev | " + Object.keys(watched).join(" | "));
for (const row of intervals) {
  console.log(
    `  ${String(row.atS).padStart(5)} | ${
      (row.requests / (INTERVAL_MS / 1000)).toFixed(1).padStart(5)
    } | ` +
      `${String(row.errors).padStart(6)} | ${String(row.p99).padStart(6)} | ` +
      `${String(row.events).padStart(7)} | ` +
      Object.values(row.rss).map((mb) => `${mb} MB`).join(" | "),
  );
}
let failed = errors.length > 0;
const warm = intervals.find((row) => row.atS * 1000 >= WARM_UP_MS);
const last = intervals.at(-1);
const growth = Object.keys(watched).map((name) => {
  if (!warm || !last || warm === last || !warm.rss[name]) return `${name}: n/a (run over 1 min)`;
  const pct = ((last.rss[name] - warm.rss[name]) / warm.rss[name]) * 100;
  if (pct > 10) failed = true;
  return `${name}: ${warm.rss[name]} -> ${last.rss[name]} MB (${pct >= 0 ? "+" : ""}${
    pct.toFixed(1)
  } %)`;
});
console.log(
  `\nsoak: ${total} requests in ${seconds.toFixed(0)} s (${(total / seconds).toFixed(1)} req/s), ` +
    `${errors.length} errors, p99 over the run ${
      Math.max(0, ...intervals.map((r) => r.p99))
    } ms (worst interval)`,
);
console.log(`soak: RSS after the first minute to the end: ${growth.join("; ")}`);
for (const line of errors.slice(0, 10)) console.log(`  error: ${line}`);

if (Deno.env.get("DATABASE_URL")) {
  // Let the projector apply the last writes first (the server waits up to 5 s a read).
  for (let i = 0; i < 6 && lastPosition < lastWrite; i++) {
    lastPosition = 0;
    await fetch(`${base}/api/v1/posts?limit=1`, {
      headers: { "x-min-position": String(lastWrite) },
      signal: AbortSignal.timeout(REQUEST_MS),
    }).then(async (res) => {
      lastPosition = Number(res.headers.get("x-projection-position")) || 0;
      await res.body?.cancel();
    });
  }

  const verify = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./verify.ts", import.meta.url).pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!verify.success) failed = true;
}
Deno.exit(failed ? 1 : 0);
