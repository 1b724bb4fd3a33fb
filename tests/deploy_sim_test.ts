/**
 * Deno Deploy, simulated (issue 12, item 1): `main.ts` as a subprocess with
 * DENO_DEPLOYMENT_ID set, no write permission at all (`--deny-write`), no
 * `.data`, a database the test migrated (the release step), the shared Kafka
 * broker on a topic and group of its own. Deno.cron cannot be fired from
 * outside, so the test drives ticks through `POST /internal/pipeline-tick`,
 * a route that only exists with PIPELINE_TICK_TOKEN and answers 401 to any
 * other token.
 */
import assert from "node:assert/strict";
import { assertVerified, brokers, stores, until } from "../infra/pipeline_test_utils.ts";
import { TICK_PATH, type TickResult } from "../infra/cron_pipeline.ts";
import { freePort, healthy, spawnApp } from "./processes.ts";
import { client } from "./test_server.ts";
import { within } from "./deadline.ts";

const ROOT = new URL("..", import.meta.url);
const START_MS = 60_000;
const VISIBLE_MS = 30_000;
/** How long a SIGTERM may take to end it before SIGKILL. */
const STOP_MS = 30_000;

/** The environment a Deploy isolate has: nothing of the test's own (no DATABASE_URL leaks in). */
function deployEnv(extra: Record<string, string>): Record<string, string> {
  const keep = ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME"];
  const env: Record<string, string> = {};
  for (const name of keep) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return { ...env, DENO_DEPLOYMENT_ID: "sim-deploy-test", LOG_LEVEL: "info", ...extra };
}

/** `deno run -A --deny-write main.ts` with exactly `env`, as a Deploy isolate runs it. */
function spawnDeploy(env: Record<string, string>) {
  return spawnApp("deploy", { script: "main.ts", env, flags: ["--deny-write"], clearEnv: true });
}

async function exists(path: URL): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("on Deploy without DATABASE_URL the app exits non-zero naming the variable", async () => {
  const app = spawnDeploy(deployEnv({ PORT: String(freePort()), LISTEN_HOST: "127.0.0.1" }));
  try {
    await within(app.done, START_MS, "the app to exit");
  } finally {
    await app.stop(STOP_MS);
  }
  assert.notEqual(app.exited()!.code, 0, `exit code; output:\n${app.output()}`);
  assert.match(app.output(), /DATABASE_URL: required on Deno Deploy/);
  assert.equal(await exists(new URL(".data/", ROOT)), false, "no .data directory");
});

Deno.test({
  name: "on Deploy (--deny-write, cron ticks) sign-up, post and like reach the read model",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const hadData = await exists(new URL(".data/", ROOT));
    // The release step: the test migrates, the app must not (it could not: it never tries).
    await using s = await stores();
    const id = crypto.randomUUID().slice(0, 8);
    const token = crypto.randomUUID() + crypto.randomUUID();
    const port = freePort();
    const url = `http://127.0.0.1:${port}`;
    const app = spawnDeploy(deployEnv({
      PORT: String(port),
      LISTEN_HOST: "127.0.0.1",
      DATABASE_URL: s.eventDb.url,
      KAFKA_BROKERS: brokers().join(","),
      KAFKA_TOPIC: `agora.deploysim.${id}`,
      KAFKA_GROUP_ID: `agora-deploysim-${id}`,
      KAFKA_PARTITIONS: "2",
      SESSION_SECRET: crypto.randomUUID() + crypto.randomUUID(),
      PIPELINE_TICK_TOKEN: token,
      PIPELINE_TICK_BUDGET_MS: "20000",
    }));
    const tick = async (): Promise<TickResult> => {
      const res = await fetch(`${url}${TICK_PATH}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await res.json();
      assert.equal(res.status, 200, `tick: ${JSON.stringify(body)}`);
      return body as TickResult;
    };
    try {
      await healthy(app, url, START_MS);
      assert.match(app.output(), /"role":"web"/, "ROLE defaults to web on Deploy");
      assert.doesNotMatch(app.output(), /migrat/i, "no migration at boot");

      // The tick route is no open door.
      const wrong = await fetch(`${url}${TICK_PATH}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token.slice(1)}x` },
      });
      assert.equal(wrong.status, 401, "wrong token");
      await wrong.body?.cancel();
      const get = await fetch(`${url}${TICK_PATH}`);
      assert.equal(get.status, 405, "GET");
      await get.body?.cancel();

      // Events appended behind the app's back (no nudge): only a tick publishes and projects them.
      await s.register(`outside_${id}`);
      const [{ n: before }] = await s.readSql`select count(*)::int as n from applied_positions`;
      assert.equal(before, 0, "nothing projected before a tick");
      const first = await tick();
      assert.equal(first.outcome, "done", JSON.stringify(first));
      const [{ n: after }] = await s.readSql`select count(*)::int as n from applied_positions`;
      assert.ok(after >= 1, "the tick projected the outside registration");
      const idle = await tick();
      assert.equal(idle.outcome, "idle", "nothing left: the next tick starts no consumer");

      // Through the app: sign-up, sign-in, post (the write nudges the pipeline).
      const user = client(url);
      const credentials = { username: `deploy_${id}`, password: "correct horse" };
      const signedUp = await user.json("POST", "/api/v1/users", credentials);
      assert.equal(signedUp.status, 201, JSON.stringify(signedUp.data));
      const signedIn = await user.json("POST", "/api/v1/session", credentials);
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.data));
      const postedAt = performance.now();
      const posted = await user.json("POST", "/api/v1/posts", { message: `hello from ${id}` });
      assert.equal(posted.status, 201, JSON.stringify(posted.data));
      const postId: string = posted.data.id;
      // The nudge alone makes it visible, without waiting for a tick.
      await until(s.readSql, async () => {
        const rows = await s
          .readSql`select 1 from applied_positions where position = ${posted.data.position}`;
        return rows.length === 1;
      }, { timeoutMs: VISIBLE_MS, what: "the nudged post to be projected" });
      const nudgeLagMs = performance.now() - postedAt;

      const liked = await user.json("PUT", `/api/v1/posts/${postId}/like`, undefined, {
        "content-type": "application/json",
      });
      assert.equal(liked.status, 200, JSON.stringify(liked.data));
      // A tick returns once everything appended before it is applied (here or by the nudge).
      const last = await tick();
      assert.notEqual(last.outcome, "budget", JSON.stringify(last));
      const read = await user.json("GET", `/api/v1/posts/${postId}`);
      assert.equal(read.status, 200);
      assert.equal(read.data.likes, 1, "the like is in the read model");
      assert.equal(read.data.likedByMe, true);
      const [row] = await s.readSql`select likes from posts where id = ${postId}`;
      assert.equal(Number(row.likes), 1, "posts.likes in the read store");
      await assertVerified(s);

      console.log(
        `deploy sim: outside tick ${first.ms} ms (worker start + join + catch-up), ` +
          `idle tick ${idle.ms} ms, post visible by nudge in ${nudgeLagMs.toFixed(0)} ms`,
      );
      assert.equal(app.exited(), null, "still running");
    } catch (error) {
      console.error(app.output());
      throw error;
    } finally {
      const exit = await app.stop(STOP_MS);
      assert.equal(exit.code, 0, `clean exit; output:\n${app.output()}`);
      assert.equal(exit.killed, false, "it stopped within the grace period");
    }
    if (!hadData) assert.equal(await exists(new URL(".data/", ROOT)), false, "no .data created");
    assert.doesNotMatch(app.output(), /NotCapable|PermissionDenied|Requires write access/);
  },
});

/** Deno's synchronous file-system calls (and node:fs's), which Deploy's start path must not make. */
const SYNC_FS =
  /\b(readDirSync|readTextFileSync|readFileSync|statSync|lstatSync|openSync|realPathSync|writeFileSync|writeTextFileSync|mkdirSync|existsSync)\b/;

Deno.test("main.ts's static import graph makes no synchronous file-system call", async () => {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(info.success, "deno info");
  type Dependency = { code?: { specifier: string }; isDynamic?: boolean };
  type Module = { specifier: string; dependencies?: Dependency[] };
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as { modules: Module[] };
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  // Static edges only: a dynamic import (the embedded database) is not loaded on Deploy.
  const seen = new Set<string>();
  const queue = [new URL("main.ts", ROOT).href];
  while (queue.length) {
    const specifier = queue.pop()!;
    if (seen.has(specifier) || !specifier.startsWith(ROOT.href)) continue;
    if (specifier.includes("/node_modules/")) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) queue.push(dep.code.specifier);
    }
  }
  const offenders: string[] = [];
  for (const specifier of seen) {
    if (SYNC_FS.test(await Deno.readTextFile(new URL(specifier)))) offenders.push(specifier);
  }
  assert.ok(seen.size > 20, `walked the graph (${seen.size} modules)`);
  assert.deepEqual(offenders, [], "modules with synchronous file-system calls");
});
