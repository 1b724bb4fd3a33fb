/**
 * Zero-setup start: `deno task dev` in a fresh copy of the project, with an
 * empty environment (no DATABASE_URL, no KAFKA_BROKERS): a real PostgreSQL
 * started from the npm binaries, and the projector tailing the event store.
 * The data survives a restart; Ctrl-C stops the server with it.
 */
import assert from "node:assert/strict";
import { within } from "./deadline.ts";
import postgres from "postgres";
import { client } from "./test_server.ts";
import { freePort } from "./processes.ts";

const root = new URL("../", import.meta.url).pathname;

/** A fresh folder with the project's tracked files (node_modules linked, not copied). */
async function freshCopy(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "agora-dev-" });
  const { stdout } = await new Deno.Command("git", { args: ["ls-files", "-z"], cwd: root })
    .output();
  for (const file of new TextDecoder().decode(stdout).split("\0").filter(Boolean)) {
    const target = `${dir}/${file}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(`${root}${file}`, target);
  }
  await Deno.symlink(`${root}node_modules`, `${dir}/node_modules`);
  return dir;
}

/** Starts `deno task dev` with nothing but PATH, HOME and a port; resolves once /health answers. */
async function dev(dir: string, port: number) {
  const process = new Deno.Command("deno", {
    args: ["task", "dev"],
    cwd: dir,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME")!, PORT: String(port) },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) log += decoder.decode(chunk);
  };
  const collecting = Promise.all([collect(process.stdout), collect(process.stderr)]);
  const exited = process.status;
  const deadline = Date.now() + 90_000; // the first start builds and runs initdb
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
    await res?.body?.cancel();
    if (res?.ok) break;
    const early = await Promise.race([exited, new Promise((r) => setTimeout(r, 0, null))]);
    if (early) throw new Error(`deno task dev exited:\n${log}`);
    if (Date.now() > deadline) {
      process.kill("SIGINT");
      throw new Error(`deno task dev did not answer:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250)); // polling a process we cannot observe otherwise
  }
  return {
    log: () => log,
    /** Resolves when `deno task dev` has ended, however it ended. */
    exited: exited.then(async (status) => {
      await collecting;
      return status;
    }),
    async stop() {
      process.kill("SIGINT"); // what Ctrl-C sends; `deno task` passes it on
      const status = await within(exited, 30_000, "deno task dev to exit after SIGINT");
      await collecting;
      return status;
    },
  };
}

/** The embedded server's pid while it runs (its postmaster.pid), else null. */
async function serverPid(dir: string): Promise<number | null> {
  const text = await Deno.readTextFile(`${dir}/.data/postgres/postmaster.pid`).catch(() => "");
  return Number(text.split("\n")[0]) || null;
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

Deno.test("Zero-setup - deno task dev with an empty environment: a real PostgreSQL, sign up, post, like, read back via the store tail, a second process refused, Ctrl-C stops the server, restart, still there, SIGKILL loses nothing", async () => {
  const dir = await freshCopy();
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  try {
    const first = await dev(dir, port);
    let postId: string;
    let server: number | null;
    const alice = client(base);
    try {
      const [, pgPort] = first.log().match(
        /embedded PostgreSQL on 127\.0\.0\.1:(\d+), data in \.data\/postgres/,
      ) ?? assert.fail(`no embedded PostgreSQL in the log:\n${first.log()}`);
      assert.match(first.log(), /the projector tails the event store/);
      server = await serverPid(dir);
      assert.ok(server && alive(server), "the PostgreSQL server runs");

      const signup = await alice.form("/signup", { username: "alice", password: "password-1" });
      assert.equal(signup.status, 303);
      await signup.body?.cancel();
      const posted = await alice.json("POST", "/api/v1/posts", { message: "hello, zero setup" });
      assert.equal(posted.status, 201);
      postId = posted.data.id;
      const liked = await alice.json("PUT", `/api/v1/posts/${postId}/like`, {});
      assert.equal(liked.data.likes, 1);
      const read = await alice.json("GET", `/api/v1/posts/${postId}`, undefined, {
        "x-min-position": String(liked.data.position),
      });
      assert.equal(read.data.message, "hello, zero setup");
      assert.equal(read.data.likes, 1);

      // It is PostgreSQL itself, bound to loopback, and the projector read the store.
      const secret = (await Deno.readTextFile(`${dir}/.data/postgres.secret`)).trim();
      const sql = postgres(`postgres://agora:${secret}@127.0.0.1:${pgPort}/postgres`, {
        max: 1,
        onnotice: () => {},
      });
      try {
        const [{ version }] = await sql`select version()`;
        assert.match(version, /^PostgreSQL 18\./);
        const [{ listen_addresses }] = await sql`show listen_addresses`;
        assert.equal(listen_addresses, "127.0.0.1");
        const [{ topic }] = await sql`select topic from projector_checkpoints`;
        assert.equal(topic, "event-store");
      } finally {
        await sql.end();
      }

      // A second process on the same data directory is refused, and the first keeps running.
      const second = await new Deno.Command("deno", {
        args: ["run", "-A", "main.ts"],
        cwd: dir,
        clearEnv: true,
        env: { PATH: Deno.env.get("PATH")!, HOME: Deno.env.get("HOME")!, PORT: "0" },
      }).output();
      assert.equal(second.success, false);
      assert.match(new TextDecoder().decode(second.stderr), /is in use by process \d+/);
      assert.ok(alive(server!), "the first server still runs");
    } finally {
      await first.stop();
    }
    assert.equal(alive(server!), false, "Ctrl-C stopped the PostgreSQL server");
    assert.equal(await serverPid(dir), null, "a clean shutdown removes postmaster.pid");

    // Restart: the data is there. Then a crash (SIGKILL) right after a write.
    const second = await dev(dir, port);
    let orphan: number | null;
    let written: { position: number };
    try {
      const page = await fetch(`${base}/posts/${postId}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /hello, zero setup/);
      const commented = await alice.json("POST", `/api/v1/posts/${postId}/comments`, {
        comment: "written just before a crash",
      });
      assert.equal(commented.status, 201);
      written = commented.data;
      orphan = await serverPid(dir);
      const app = Number(await Deno.readTextFile(`${dir}/.data/postgres.owner`));
      Deno.kill(app, "SIGKILL");
    } catch (error) {
      await second.stop();
      throw error;
    }
    await second.exited;
    assert.ok(orphan && alive(orphan), "a SIGKILL leaves the server behind");

    // The next start stops the orphaned server and loses nothing that was appended.
    const third = await dev(dir, port);
    try {
      assert.equal(alive(orphan), false, "the orphaned server was stopped");
      const read = await alice.json("GET", `/api/v1/posts/${postId}`, undefined, {
        "x-min-position": String(written.position),
      });
      assert.deepEqual(
        read.data.comments.map((c: { comment: string }) => c.comment),
        ["written just before a crash"],
      );
    } finally {
      await third.stop();
    }
    assert.equal(await serverPid(dir), null);
    const stat = await Deno.stat(`${dir}/.data/postgres/PG_VERSION`);
    assert.ok(stat.isFile, "the data lives under .data/ in the project folder");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
