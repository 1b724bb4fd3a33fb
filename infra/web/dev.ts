/**
 * `$fresh/dev.ts`: the project's `dev.ts` calls {@link dev}. With `build`
 * among the arguments it builds once (manifest, islands bundle, plugins'
 * assets) and returns: `deno task build`. Otherwise it builds, runs the
 * server entry in a child process, and watches the project: a change
 * rebuilds the manifest, the bundle and the stylesheet (the stylesheet with
 * a warm compiler), and a change to server code restarts the server. A
 * stylesheet-only change needs no restart: under `dev.ts` the server reads
 * the build's names for every page.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { announceConfig, DEV_ENV, type FreshConfig, resolveConfig } from "./config.ts";
import type { ResolvedFreshConfig } from "./config.ts";
import { build, type BuildAssets, type BuildResult, type BuildSteps } from "./build/build.ts";
import { messageOf } from "../../app/log.ts";

/** Folders below the project that never hold sources. */
const IGNORED = /(^|\/)(node_modules|\.git|\.data|test-results|docs)(\/|$)/;
const MODULE = /\.(ts|tsx|js|jsx|mts|mjs)$/;
/** Changes arriving this close together are one rebuild. */
const SETTLE_MS = 30;

/** A running dev server (what {@link dev} returns when `build` is not asked). */
export type DevServer = {
  /** Resolves after each rebuild with what it did (tests wait on it). */
  rebuilt(): Promise<RebuildReport>;
  /** Stops watching and stops the server. */
  close(): Promise<void>;
};

/** One rebuild: the steps run, whether the server restarted, and its wall time. */
export type RebuildReport = { steps: BuildSteps; restarted: boolean; ms: number };

/**
 * Fresh 1.7's `dev(base, entrypoint, config)`: `base` is `import.meta.url`
 * of the project's `dev.ts`, `entrypoint` the server module beside it.
 *
 * @example
 * ```ts
 * // dev.ts
 * import dev from "$fresh/dev.ts";
 * import config from "./fresh.config.ts";
 * await dev(import.meta.url, "./main.ts", config);
 * ```
 */
export default async function dev(
  base: string,
  entrypoint: string,
  config: FreshConfig = {},
  options: { args?: string[]; quiet?: boolean } = {},
): Promise<DevServer | undefined> {
  const args = options.args ?? Deno.args;
  const root = new URL(".", base);
  const log = options.quiet ? () => {} : (line: string) => console.log(line);
  if (args.includes("build")) {
    const resolved = resolveConfig(config, root, { dev: false });
    await announceConfig(resolved);
    report(await build(resolved), log);
    return undefined;
  }
  const resolved = resolveConfig(config, root, { dev: true });
  await announceConfig(resolved);
  const first = await build(resolved);
  report(first, log);
  // A server killed from outside (not by a restart) ends dev, as it ended `deno run --watch`.
  const server = watch(resolved, new URL(entrypoint, root), first.assets, log, (signal) => {
    log(`dev: the server was killed (${signal}); stopping`);
    server.close().then(() => Deno.exit(1));
  });
  // Ctrl-C: the server (same process group) gets it too; wait for it to stop, then leave.
  const onSignal = () => server.close().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return {
    rebuilt: server.rebuilt,
    async close() {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
      await server.close();
    },
  };
}

function report(result: BuildResult, log: (line: string) => void): void {
  log(`fresh.gen.ts: ${result.manifestChanged ? "written" : "unchanged"}`);
  log(
    result.islands
      ? `islands: ${result.islands.file} (${(result.islands.bytes / 1024).toFixed(1)} KB; ${
        result.islands.names.join(", ")
      })`
      : "islands: none",
  );
  for (const [path, file] of Object.entries(result.files)) log(`${path}: ${file}`);
  log(`build: ${result.ms} ms`);
}

function watch(
  config: ResolvedFreshConfig,
  entry: URL,
  first: BuildAssets,
  log: (line: string) => void,
  onKilled: (signal: string) => void,
): DevServer {
  const rootPath = fileURLToPath(config.root);
  const outPath = fileURLToPath(config.build.outDir);
  const manifestPath = fileURLToPath(new URL("./fresh.gen.ts", config.root));
  let assets = first;
  const spawn = () => {
    const child = spawnServer(entry, rootPath);
    child.exited.then((status) => {
      if (child.stopping) return;
      // Killed by a signal: someone stopped it on purpose. An error exit waits for a fix.
      if (status.signal) onKilled(status.signal);
      else log(`dev: the server exited with code ${status.code}; waiting for a change`);
    });
    return child;
  };
  let server = spawn();
  const watcher = Deno.watchFs(rootPath, { recursive: true });
  const waiting: ((report: RebuildReport) => void)[] = [];
  let pending: { paths: Set<string>; structural: boolean } = {
    paths: new Set(),
    structural: false,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();

  const rebuild = async (changed: { paths: Set<string>; structural: boolean }) => {
    const started = performance.now();
    const rel = [...changed.paths].map((p) => p.slice(rootPath.length).replace(/^\//, ""));
    const modules = rel.filter((p) => MODULE.test(p));
    const steps: BuildSteps = {
      manifest: changed.structural && rel.some((p) => /^(routes|islands)\//.test(p)),
      islands: modules.length > 0,
      assets: true,
    };
    try {
      const result = await build(config, { steps, previous: assets });
      assets = result.assets;
    } catch (error) {
      log(`dev: rebuild failed: ${messageOf(error)}`);
    }
    // Server code changed: a fresh process imports it (and the new manifest).
    const restarted = modules.length > 0;
    if (restarted) {
      await server.stop();
      server = spawn();
    }
    const ms = Math.round(performance.now() - started);
    log(`dev: ${rel.join(", ")} -> rebuilt in ${ms} ms${restarted ? ", server restarted" : ""}`);
    for (const resolve of waiting.splice(0)) resolve({ steps, restarted, ms });
  };

  const loop = (async () => {
    for await (const event of watcher) {
      const paths = event.paths.filter((p) =>
        p.length > rootPath.length && !p.startsWith(outPath) && p !== manifestPath &&
        !IGNORED.test(p.slice(rootPath.length))
      );
      if (paths.length === 0 || event.kind === "access") continue;
      for (const p of paths) pending.paths.add(p);
      if (event.kind !== "modify") pending.structural = true;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const changed = pending;
        pending = { paths: new Set(), structural: false };
        running = running.then(() => rebuild(changed));
      }, SETTLE_MS);
    }
  })();

  return {
    rebuilt: () => new Promise((resolve) => waiting.push(resolve)),
    async close() {
      clearTimeout(timer);
      watcher.close();
      await loop;
      await running;
      await server.stop();
    },
  };
}

/** The server entry in its own process, told it runs under dev.ts. */
function spawnServer(
  entry: URL,
  cwd: string,
): { stop(): Promise<void>; exited: Promise<Deno.CommandStatus>; readonly stopping: boolean } {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(entry)],
    cwd,
    env: { [DEV_ENV]: "1" },
    stdin: "null",
  }).spawn();
  let stopping = false;
  return {
    exited: child.status,
    get stopping() {
      return stopping;
    },
    async stop() {
      stopping = true;
      try {
        // SIGINT: the entry shuts down as on Ctrl-C (stops its database, closes streams).
        child.kill("SIGINT");
      } catch {
        // already exited
      }
      await child.status;
    },
  };
}

export { dev };
