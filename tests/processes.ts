/**
 * Real OS processes for scale-out tests: `main.ts` and `worker.ts` started
 * with `deno run`, their output kept in memory (printed only when a test
 * fails), stopped with SIGTERM and watched for a clean exit; plus what fault
 * tests need around them (an own Kafka broker, a TCP proxy to cut).
 */
import assert from "node:assert/strict";
import { assertVerified, brokers } from "../infra/pipeline_test_utils.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { client } from "./test_server.ts";

/** How a stopped process ended. */
export type Exit = {
  name: string;
  code: number;
  signal: Deno.Signal | null;
  /** True when it ignored SIGTERM for the whole grace period and had to be killed. */
  killed: boolean;
  ms: number;
};

/** A running Deno process of the project. */
export type AppProcess = {
  readonly name: string;
  /** Its operating-system process id. */
  readonly pid: number;
  /** Everything it wrote so far, each line prefixed with its name. */
  output(): string;
  /** Its JSON log lines so far (other lines are skipped). */
  logs(): Record<string, unknown>[];
  /** Set once it exited, on its own or stopped. */
  exited(): Deno.CommandStatus | null;
  /** Resolves when it has exited and its output is read. */
  readonly done: Promise<Deno.CommandStatus>;
  /** SIGTERM, then up to `graceMs` for it to exit; SIGKILL after that. Idempotent. */
  stop(graceMs: number): Promise<Exit>;
  /** SIGKILL at once (a crash): no shutdown code runs. Resolves once it is gone. */
  kill(): Promise<Exit>;
};

/**
 * Starts `deno run -A <script>` in the repository with the test's
 * environment plus `env` (only `env` with `clearEnv`).
 *
 * @example
 * ```ts
 * const web = spawnApp("command-1", { script: "main.ts", env: { ROLE: "command", PORT: "8001" } });
 * await web.stop(10_000);
 * ```
 */
export function spawnApp(
  name: string,
  options: {
    script: "main.ts" | "worker.ts";
    env: Record<string, string>;
    /** More `deno run` flags (e.g. `--deny-write`). */
    flags?: readonly string[];
    /** Exactly `env`, nothing of the test's own environment. */
    clearEnv?: boolean;
  },
): AppProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...(options.flags ?? []), options.script],
    cwd: new URL("..", import.meta.url).pathname,
    env: options.env,
    clearEnv: options.clearEnv ?? false,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const drained = Promise.all([child.stdout, child.stderr].map((stream) => drain(stream, lines)));
  let status: Deno.CommandStatus | null = null;
  const done = child.status.then(async (s) => {
    status = s;
    await drained;
    return s;
  });
  let stopping: Promise<Exit> | null = null;

  async function stop(graceMs: number): Promise<Exit> {
    const started = Date.now();
    let killed = false;
    if (status === null) {
      signal(child, "SIGTERM");
      const timer = setTimeout(() => {
        killed = true;
        signal(child, "SIGKILL");
      }, graceMs);
      await done.finally(() => clearTimeout(timer));
    }
    const { code, signal: by } = await done;
    return { name, code, signal: by, killed, ms: Date.now() - started };
  }

  return {
    name,
    pid: child.pid,
    output: () => lines.map((line) => `[${name}] ${line}`).join("\n"),
    logs: () => lines.flatMap((line) => parseLog(line)),
    exited: () => status,
    done,
    stop: (graceMs) => stopping ??= stop(graceMs),
    kill: () =>
      stopping ??= (async () => {
        const started = Date.now();
        signal(child, "SIGKILL");
        const { code, signal: by } = await done;
        return { name, code, signal: by, killed: true, ms: Date.now() - started };
      })(),
  };
}

/** Reads a child's stream to its end, line by line, into `lines`. */
async function drain(stream: ReadableStream<Uint8Array>, lines: string[]): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of stream) {
    const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  }
  if (rest) lines.push(rest);
}

/** Sends a signal unless the process is already gone. */
function signal(child: Deno.ChildProcess, sig: Deno.Signal): void {
  try {
    child.kill(sig);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error; // "child process has already terminated"
  }
}

function parseLog(line: string): Record<string, unknown>[] {
  if (!line.startsWith("{")) return [];
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" ? [value as Record<string, unknown>] : [];
  } catch {
    return [];
  }
}

/**
 * A loopback port nobody listens on right now (the process started next
 * binds it; a clash shows up as that process exiting early).
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/**
 * Polls `check` until it holds; fails after `timeoutMs` with `what`. For
 * state that no notification announces (another process's port, its log).
 */
export async function poll(
  check: () => Promise<boolean> | boolean,
  options: { what: string; timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
}

/**
 * Waits until `GET <url>/health` answers 200; fails at once when the
 * process exits first (a port clash, a configuration error).
 */
export async function healthy(app: AppProcess, url: string, timeoutMs: number): Promise<void> {
  await poll(async () => {
    const status = app.exited();
    if (status) throw new Error(`${app.name} exited with code ${status.code} while starting`);
    try {
      const res = await fetch(`${url}/health`);
      await res.body?.cancel();
      return res.status === 200;
    } catch {
      return false; // not listening yet
    }
  }, { what: `${app.name} to answer ${url}/health`, timeoutMs });
}

/**
 * A Kafka broker of the test's own (scripts/kafka.sh on other ports with its
 * own data folder), so the shared broker on 9092 is never touched.
 *
 * @example
 * ```ts
 * const kafka = ownBroker("late", 19192);
 * await kafka.run("start");
 * await kafka.run("stop");
 * ```
 */
export function ownBroker(name: string, port: number) {
  const env = {
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_DATA: `${Deno.env.get("HOME")}/.cache/agora/kafka/${name}`,
  };
  return {
    address: `127.0.0.1:${port}`,
    /** Runs `kafka.sh <command>` for this broker; fails with its output. */
    async run(command: "start" | "resume" | "stop"): Promise<void> {
      const script = new URL("../scripts/kafka.sh", import.meta.url).pathname;
      const { code, stdout, stderr } = await new Deno.Command("bash", {
        args: [script, command],
        env,
        stdin: "null",
      }).output();
      const text = new TextDecoder();
      if (code !== 0) {
        throw new Error(`kafka.sh ${command}: ${text.decode(stdout)}${text.decode(stderr)}`);
      }
    },
  };
}

/** A loopback TCP proxy the test controls: `cut()` closes every open connection. */
export type TcpProxy = {
  readonly port: number;
  /** Connections open right now. */
  open(): number;
  /** Closes every open connection at once (both sides), as a network failure would. */
  cut(): void;
  /** While blocked, new connections are dropped as soon as they open. */
  block(blocked: boolean): void;
  close(): Promise<void>;
};

/**
 * Forwards 127.0.0.1:<port> to 127.0.0.1:<target>, e.g. between a process
 * and PostgreSQL, so a test can cut one process's database connections
 * while the process and the database live on.
 *
 * @example
 * ```ts
 * await using proxy = tcpProxy(5432);
 * proxy.cut();
 * ```
 */
export function tcpProxy(target: number): TcpProxy & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const pairs = new Set<[Deno.Conn, Deno.Conn]>();
  let blocked = false;
  const piping = new Set<Promise<void>>();
  const closeBoth = (pair: [Deno.Conn, Deno.Conn]) => {
    if (!pairs.delete(pair)) return;
    for (const conn of pair) {
      try {
        conn.close();
      } catch { /* already closed */ }
    }
  };
  const pipe = async (from: Deno.Conn, to: Deno.Conn, pair: [Deno.Conn, Deno.Conn]) => {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        let sent = 0;
        while (sent < n) sent += await to.write(buffer.subarray(sent, n));
      }
    } catch { /* the other side or cut() closed it */ }
    closeBoth(pair);
  };
  const accepting = (async () => {
    for await (const client of listener) {
      if (blocked) {
        client.close(); // the network is down: the connection opens and drops at once
        continue;
      }
      let server: Deno.Conn;
      try {
        server = await Deno.connect({ hostname: "127.0.0.1", port: target });
      } catch {
        client.close();
        continue;
      }
      const pair: [Deno.Conn, Deno.Conn] = [client, server];
      pairs.add(pair);
      for (const [a, b] of [[client, server], [server, client]]) {
        const p = pipe(a, b, pair);
        piping.add(p);
        p.finally(() => piping.delete(p));
      }
    }
  })().catch(() => {});
  const cut = () => [...pairs].forEach(closeBoth);
  const close = async () => {
    try {
      listener.close();
    } catch { /* closed */ }
    cut();
    await accepting;
    await Promise.all(piping);
  };
  return {
    port: (listener.addr as Deno.NetAddr).port,
    open: () => pairs.size,
    cut,
    block: (value) => blocked = value,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * A user signed up and in through the JSON API of the web process at `base`
 * (its own cookie jar; `call` sends and parses JSON).
 */
export async function apiUser(base: string, username: string) {
  const http = client(base);
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    http.json(method, path, body, headers);
  const credentials = { username, password: "correct horse battery" };
  for (const path of ["/api/v1/users", "/api/v1/session"]) {
    const res = await call("POST", path, credentials);
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`${path} for ${username}: ${res.status} ${JSON.stringify(res.data)}`);
    }
  }
  return { username, call, http };
}

/**
 * A PostgreSQL 15 cluster the test owns (`pg_createcluster` on a free port,
 * trust auth on loopback), so it can be stopped and started under load
 * without touching the shared one. Dropped by `drop()` / `await using`.
 *
 * @example
 * ```ts
 * await using pg = await ownCluster("restart");
 * await pg.ctl("restart");
 * ```
 */
export async function ownCluster(prefix: string) {
  const version = "15";
  const name = `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
  const port = freePort();
  const run = async (command: string, args: string[]) => {
    const { code, stdout, stderr } = await new Deno.Command(command, { args, stdin: "null" })
      .output();
    const text = new TextDecoder();
    if (code !== 0) {
      throw new Error(`${command} ${args.join(" ")}: ${text.decode(stdout)}${text.decode(stderr)}`);
    }
  };
  await run("pg_createcluster", [
    version,
    name,
    "--port",
    String(port),
    "--start",
    "--",
    "--auth=trust",
  ]);
  const drop = () =>
    run("pg_dropcluster", [version, name, "--stop"]).catch((error) => {
      console.error(`could not drop cluster ${name}: ${error}`);
    });
  return {
    name,
    port,
    /** A database URL of this cluster. */
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    /** `pg_ctlcluster <command>`; `stop` is a fast shutdown (open connections are cut). */
    ctl: (command: "start" | "stop" | "restart") =>
      run("pg_ctlcluster", [
        "--skip-systemctl-redirect",
        version,
        name,
        command,
        ...(command === "start" ? [] : ["-m", "fast"]),
      ]),
    drop,
    [Symbol.asyncDispose]: drop,
  };
}

/** One answer of a burst: what was asked, when, what came back, how long it took. */
export type BurstAnswer = {
  request: string;
  at: string;
  status: number;
  ms: number;
  code?: string;
  message?: string;
};

/**
 * Every user creates posts through the API in a loop (a short pause between
 * two, longer after a 429 of the write limit) until `stop()`; each request is bounded
 * by `requestMs`. `accepted` holds the ids of the posts answered 201.
 */
export function startBurst(
  users: Awaited<ReturnType<typeof apiUser>>[],
  options: { requestMs: number; thinkMs?: number },
) {
  const accepted = new Set<string>();
  const answers: BurstAnswer[] = [];
  let running = true;
  const loops = users.map(async (user, i) => {
    for (let n = 0; running; n++) {
      let pause = options.thinkMs ?? 150;
      const started = Date.now();
      const answer: BurstAnswer = {
        request: "POST /api/v1/posts",
        at: new Date(started).toISOString(),
        status: 0,
        ms: 0,
      };
      try {
        const res = await user.http.request("/api/v1/posts", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ message: `burst ${i}.${n}` }),
          signal: AbortSignal.timeout(options.requestMs),
        });
        const text = await res.text();
        const data = text.startsWith("{") ? JSON.parse(text) : null;
        answer.status = res.status;
        answer.code = data?.error?.code;
        answer.message = data?.error?.message;
        if (res.status === 201) accepted.add(data.id);
        // The API's write limit: wait as told (this is load shaping, not waiting for work).
        if (res.status === 429) pause = Number(res.headers.get("retry-after") ?? 1) * 1000;
      } catch (error) {
        answer.message = String(error);
      }
      answer.ms = Date.now() - started;
      answers.push(answer);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  });
  return {
    accepted,
    answers,
    /** Waits (30 s at most) until `count` more posts than now were accepted. */
    async acceptMore(count: number): Promise<void> {
      const at = accepted.size;
      await poll(() => accepted.size >= at + count, {
        what: `${count} more accepted posts`,
        timeoutMs: 30_000,
      });
    },
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
    /** Stops, then asserts every post was accepted or refused by the write limit (429). */
    async stopAllAccepted(): Promise<void> {
      await this.stop();
      assert.deepEqual(
        answers.filter((x) => x.status !== 201 && x.status !== 429),
        [],
        "every post accepted (or refused by the write limit)",
      );
    },
  };
}

/**
 * The processes a test started: stopped together (each given `graceMs` after
 * SIGTERM), checked for graceful exits, and their output printed when the
 * test fails.
 *
 * @example
 * ```ts
 * const fleet = processFleet();
 * try {
 *   const web = fleet.add(spawnApp("web", { script: "main.ts", env }));
 *   // …
 *   await fleet.assertGracefulStop();
 * } catch (error) {
 *   await fleet.failed(error);
 * }
 * ```
 */
export function processFleet(graceMs = 10_000) {
  const apps: AppProcess[] = [];
  const stopAll = () => Promise.all(apps.map((app) => app.stop(graceMs)));
  return {
    add<T extends AppProcess>(app: T): T {
      apps.push(app);
      return app;
    },
    stopAll,
    /** Stops them all; each exits with code 0 and unkilled, but those named in `except`. */
    async assertGracefulStop(except: readonly string[] = []) {
      const exits = await stopAll();
      assert.deepEqual(
        exits.filter((e) => !except.includes(e.name) && (e.code !== 0 || e.killed)),
        [],
        "graceful exits",
      );
    },
    /** A test's catch: stops them all, prints every process's output, throws `error` again. */
    async failed(error: unknown): Promise<never> {
      await stopAll();
      console.error(apps.map((app) => app.output()).join("\n"));
      throw error;
    },
  };
}

/**
 * A web process (ROLE=web) on a fresh database and topic, six signed-in API
 * users, and a way to start workers; `assertComplete` checks that every
 * accepted post is in the read model once and the verifier is clean.
 */
export async function stackFixture(name: string, overrides: Record<string, string> = {}) {
  const db = await tempDatabase(`agora_${name}`);
  const runId = crypto.randomUUID().slice(0, 8);
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: brokers().join(","),
    KAFKA_TOPIC: `agora.${name}.${runId}`,
    KAFKA_GROUP_ID: `${name}-${runId}`,
    LISTEN_HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    ...overrides,
  };
  const fleet = processFleet();
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const web = fleet.add(spawnApp("web", {
    script: "main.ts",
    env: { ...env, ROLE: "web", PORT: String(port) },
  }));
  await healthy(web, url, 30_000);
  const users = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) => apiUser(url, `${name}_${runId}_${i}`)),
  );
  return {
    db,
    env,
    url,
    fleet,
    users,
    worker(label: string, extra: Record<string, string> = {}) {
      return fleet.add(spawnApp(label, { script: "worker.ts", env: { ...env, ...extra } }));
    },
    /** Every accepted post in the read model once, and the verifier clean. */
    async assertComplete(accepted: Set<string>) {
      const sql = db.connect();
      const ids = [...accepted];
      await poll(async () => {
        const [{ n }] =
          await sql`select count(*)::int as n from posts where id = any(${ids}::uuid[])`;
        return n === ids.length;
      }, { what: `${ids.length} accepted posts in the read model`, timeoutMs: 60_000 });
      const [{ events }] = await sql`
        select count(*)::int as events from events where event_type = 'PostCreated'`;
      const [{ rows }] = await sql`select count(*)::int as rows from posts`;
      assert.equal(rows, events, "one posts row per PostCreated event");
      await assertVerified({ eventSql: sql, readSql: sql });
    },
    async [Symbol.asyncDispose]() {
      await fleet.stopAll();
      await db[Symbol.asyncDispose]();
    },
  };
}
