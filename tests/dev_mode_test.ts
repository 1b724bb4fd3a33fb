/**
 * Zero-setup start: `deno task dev` in a fresh copy of the project, with an
 * empty environment (no DATABASE_URL, no KAFKA_BROKERS): embedded PostgreSQL
 * and the in-process bus. The data survives a restart.
 */
import assert from "node:assert/strict";
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
  const deadline = Date.now() + 90_000; // the first start builds and runs initdb
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => null);
    await res?.body?.cancel();
    if (res?.ok) break;
    if (Date.now() > deadline) {
      process.kill("SIGINT");
      throw new Error(`deno task dev did not answer:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250)); // polling a process we cannot observe otherwise
  }
  return {
    log: () => log,
    async stop() {
      process.kill("SIGINT"); // what Ctrl-C sends; `deno task` passes it on
      await process.status;
      await collecting;
    },
  };
}

Deno.test("Zero-setup - deno task dev with an empty environment: sign up, post, like, read back, restart, still there", async () => {
  const dir = await freshCopy();
  const port = freePort();
  const base = `http://127.0.0.1:${port}`;
  try {
    const first = await dev(dir, port);
    let postId: string;
    try {
      assert.match(first.log(), /embedded PostgreSQL, data in \.data\/pglite/);
      assert.match(first.log(), /"bus":"in-process"/);
      const alice = client(base);
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
    } finally {
      await first.stop();
    }

    const second = await dev(dir, port);
    try {
      const page = await fetch(`${base}/posts/${postId}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /hello, zero setup/);
    } finally {
      await second.stop();
    }
    const stat = await Deno.stat(`${dir}/.data/pglite`);
    assert.ok(stat.isDirectory, "the data lives under .data/ in the project folder");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
