import assert from "node:assert/strict";
import { BUILD_CACHE, createApp } from "../mod.ts";
import { resolveConfig } from "../config.ts";
import tailwind from "../plugins/tailwind.ts";
import manifest from "../testdata/fresh.gen.ts";
import { build, bundleIslands } from "./mod.ts";

const root = new URL("../../../", import.meta.url);
const testdata = new URL("../testdata/", import.meta.url);
const config = new URL("./deno.json", root);

/** How often `needle` occurs in `text`. */
function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

// One string from each package that appears exactly once per copy of it.
const ONE_PER_COPY = {
  preact: "acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera",
  "@preact/signals-core": "preact-signals",
  "@preact/signals": "ReactiveTextNode",
};

Deno.test("Bundle - every island and the runtime in one minified file, one copy of preact and signals", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "agora-bundle-" });
  try {
    const islandsDir = new URL("./islands/", testdata);
    const bundle = await bundleIslands({
      islandsDir,
      outDir: new URL(`file://${outDir}/`),
      config,
    });
    assert.ok(bundle);
    assert.match(bundle.file, /^islands-[0-9a-f]{12}\.js$/);
    const js = await Deno.readTextFile(`${outDir}/${bundle.file}`);
    for (const [pkg, marker] of Object.entries(ONE_PER_COPY)) {
      assert.equal(count(js, marker), 1, `copies of ${pkg}`);
    }
    assert.match(js, /["']?Counter["']?:/, "Counter is hydrated by name");
    assert.match(js, /["']?Greeting["']?:/, "Greeting is hydrated by name");
    assert.ok(js.includes("agora-island"), "the runtime looks for the markers");
    assert.ok(!js.includes("renderToString") && !js.includes("Deno."), "no server code");
    assert.ok(count(js, "\n") <= 2, "minified");
    assert.deepEqual(bundle.islands, ["Counter", "Greeting"]);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("Build - hashed bundle and stylesheet, named in assets.json, linked and served immutable", async () => {
  const work = await Deno.makeTempDir({ prefix: "agora-build-" });
  try {
    const buildDir = new URL(`file://${work}/_build/`);
    const fixture = { plugins: [tailwind()], build: { outDir: `${work}/_build` } };
    const result = await build(resolveConfig(fixture, testdata, { dev: false }));
    const styles = result.files["/styles.css"];
    assert.ok(result.islands && styles);
    const assets = JSON.parse(await Deno.readTextFile(new URL("assets.json", buildDir)));
    assert.deepEqual(assets, { islands: result.islands.file, files: { "/styles.css": styles } });
    assert.equal(await Deno.readTextFile(new URL(".gitignore", buildDir)), "*\n");
    assert.equal(result.manifestChanged, false, "the committed fixture manifest is current");

    const css = await Deno.readTextFile(new URL(`static/${styles}`, buildDir));
    assert.ok(css.includes(".text-red-700{"), "a class used in an island");
    assert.ok(css.includes(".font-bold{"), "a class used in another island");
    assert.ok(!css.includes(".text-blue-900{"), "no class nobody uses");

    const app = createApp({ manifest, config: fixture, logger: { error() {} } });
    const page = await (await app.fetch(new Request("http://agora.test/islands"))).text();
    assert.ok(
      page.includes(`<link rel="stylesheet" href="/_build/static/${styles}"/>`),
    );
    assert.ok(
      page.includes(`<script type="module" src="/_build/static/${result.islands.file}" nonce=`),
    );
    const js = await app.fetch(
      new Request(`http://agora.test/_build/static/${result.islands.file}`),
    );
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("cache-control"), BUILD_CACHE);
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal((await js.text()).length, result.islands.bytes);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("Dependencies - the lockfile resolves one preact, one @preact/signals, one signals-core", async () => {
  const lock = JSON.parse(await Deno.readTextFile(new URL("./deno.lock", root))) as {
    npm: Record<string, unknown>;
  };
  const versions = (name: string) =>
    Object.keys(lock.npm).filter((key) => key.startsWith(`${name}@`));
  for (const name of ["preact", "@preact/signals", "@preact/signals-core"]) {
    assert.equal(versions(name).length, 1, `${name}: ${versions(name)}`);
  }
});
