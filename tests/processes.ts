/**
 * Real OS processes for scale-out tests: `main.ts` and `worker.ts` started
 * with `deno run`, their output kept in memory (printed only when a test
 * fails), stopped with SIGTERM and watched for a clean exit.
 */

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
  /** Everything it wrote so far, each line prefixed with its name. */
  output(): string;
  /** Its JSON log lines so far (other lines are skipped). */
  logs(): Record<string, unknown>[];
  /** Set once it exited, on its own or stopped. */
  exited(): Deno.CommandStatus | null;
  /** SIGTERM, then up to `graceMs` for it to exit; SIGKILL after that. Idempotent. */
  stop(graceMs: number): Promise<Exit>;
};

/**
 * Starts `deno run -A <script>` in the repository with the test's
 * environment plus `env`.
 *
 * @example
 * ```ts
 * const web = spawnApp("command-1", { script: "main.ts", env: { ROLE: "command", PORT: "8001" } });
 * await web.stop(10_000);
 * ```
 */
export function spawnApp(
  name: string,
  options: { script: "main.ts" | "worker.ts"; env: Record<string, string> },
): AppProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", options.script],
    cwd: new URL("..", import.meta.url).pathname,
    env: options.env,
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
    output: () => lines.map((line) => `[${name}] ${line}`).join("\n"),
    logs: () => lines.flatMap((line) => parseLog(line)),
    exited: () => status,
    stop: (graceMs) => stopping ??= stop(graceMs),
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
