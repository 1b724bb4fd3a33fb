/**
 * `dev.ts` end to end: a copy of the fixture app (testdata/) runs under
 * `dev()` with its own server process; an island edit, a stylesheet edit
 * and a new route file are each picked up without a manual build, and the
 * time from the edit to the new file being served is printed.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import dev from "./dev.ts";
import tailwind from "./plugins/tailwind.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);
/** Inside the repository (so node_modules and deno.json are found above it), ignored by git. */
const SCRATCH = new URL("../../_build/", import.meta.url);

async function copyDir(from: URL, to: URL): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const name = entry.isDirectory ? `${entry.name}/` : entry.name;
    if (entry.isDirectory) await copyDir(new URL(name, from), new URL(name, to));
    else await Deno.copyFile(new URL(name, from), new URL(name, to));
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Calls `check` until it returns a value, or fails after `ms`. */
async function until<T>(what: string, ms: number, check: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (error) {
      last = error; // the server is restarting
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what} (last error: ${last})`);
}

Deno.test({
  name: "Dev - an island edit, a style edit and a new route are served without a manual build",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await Deno.mkdir(SCRATCH, { recursive: true });
    const dir = await Deno.makeTempDir({ dir: fileURLToPath(SCRATCH), prefix: "dev-test-" });
    const root = new URL(`file://${dir}/`);
    const port = freePort();
    const origin = `http://127.0.0.1:${port}`;
    try {
      for (const folder of ["routes/", "islands/", "static/"]) {
        await copyDir(new URL(folder, TESTDATA), new URL(folder, root));
      }
      await Deno.copyFile(new URL("utils.ts", TESTDATA), new URL("utils.ts", root));
      const options =
        `{ build: { outDir: "_fresh" }, server: { port: ${port}, hostname: "127.0.0.1" } }`;
      await Deno.writeTextFile(
        new URL("fresh.config.ts", root),
        [
          `import { defineConfig } from "$fresh/server.ts";`,
          `import tailwind from "$fresh/plugins/tailwind.ts";`,
          `export default defineConfig({ plugins: [tailwind()], ...${options} });`,
          "",
        ].join("\n"),
      );
      await Deno.writeTextFile(
        new URL("main.ts", root),
        [
          `import { start } from "$fresh/server.ts";`,
          `import manifest from "./fresh.gen.ts";`,
          `import config from "./fresh.config.ts";`,
          "await start(manifest, config);",
          "",
        ].join("\n"),
      );
      const server = await dev(
        new URL("dev.ts", root).href,
        "./main.ts",
        {
          plugins: [tailwind()],
          build: { outDir: "_fresh" },
          server: { port, hostname: "127.0.0.1" },
        },
        { args: [], quiet: true },
      );
      assert.ok(server);
      try {
        const page = async () => {
          const res = await fetch(`${origin}/islands`);
          const html = await res.text();
          if (res.status !== 200) return null;
          const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
          const styles = /<link rel="stylesheet" href="([^"]+)"/.exec(html)?.[1];
          return script && styles ? { html, script, styles } : null;
        };
        const text = async (path: string) => {
          const res = await fetch(origin + path);
          return res.ok ? await res.text() : (await res.body?.cancel(), null);
        };
        const first = await until("the first page", 60_000, page);
        assert.ok((await text(first.script))?.includes("Hello"), "the bundle has the island");

        // An island: the new bundle is served, and the server renders the new markup.
        const greeting = new URL("islands/Greeting.tsx", root);
        let started = performance.now();
        await Deno.writeTextFile(
          greeting,
          (await Deno.readTextFile(greeting)).replace("Hello", "Howdy"),
        );
        await until("the new islands bundle", 30_000, async () => {
          const now = await page();
          return now && now.script !== first.script && (await text(now.script))?.includes("Howdy")
            ? now
            : null;
        });
        const islandMs = Math.round(performance.now() - started);
        await until("the new server render", 30_000, async () => {
          const now = await page();
          return now?.html.includes("Howdy") ? now : null;
        });

        // A stylesheet: a new class is served without a restart.
        const css = new URL("static/styles.css", root);
        started = performance.now();
        const restarts: boolean[] = [];
        const rebuilt = server.rebuilt().then((report) => restarts.push(report.restarted));
        await Deno.writeTextFile(
          css,
          (await Deno.readTextFile(css)) + "\n.dev-test-marker { color: rgb(1, 2, 3); }\n",
        );
        await until("the new stylesheet", 30_000, async () => {
          const now = await page();
          return now && (await text(now.styles))?.includes("dev-test-marker") ? now : null;
        });
        const styleMs = Math.round(performance.now() - started);
        await rebuilt;
        assert.deepEqual(restarts, [false], "a stylesheet change does not restart the server");

        // A new route file: the manifest is regenerated and the route served.
        await Deno.writeTextFile(
          new URL("routes/fresh_route.tsx", root),
          'export default function FreshRoute() {\n  return <p data-page="fresh">new route</p>;\n}\n',
        );
        await until("the new route", 30_000, async () => {
          const body = await text("/fresh_route");
          return body?.includes("new route") ? body : null;
        });
        assert.ok(
          (await Deno.readTextFile(new URL("fresh.gen.ts", root))).includes(
            `"./routes/fresh_route.tsx"`,
          ),
        );
        console.log(`dev: island edit served in ${islandMs} ms, style edit in ${styleMs} ms`);
        // Generous bounds for a loaded CI machine; the figures above are what counts.
        assert.ok(islandMs < 10_000, `island: ${islandMs} ms`);
        assert.ok(styleMs < 10_000, `style: ${styleMs} ms`);
      } finally {
        await server.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
