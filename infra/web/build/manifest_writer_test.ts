import assert from "node:assert/strict";
import { fixtureSources } from "../testdata/sources.ts";
import { generateManifest } from "./mod.ts";

Deno.test("Manifest - the committed fixture manifest is what the generator writes", async () => {
  const committed = await Deno.readTextFile(fixtureSources.outFile);
  assert.equal(
    await generateManifest(fixtureSources),
    committed,
    "stale: run deno run -A infra/web/testdata/generate.ts",
  );
});

Deno.test("Manifest - every route and island is a static import, keyed by its path (Fresh 1.7's shape)", async () => {
  const text = await generateManifest(fixtureSources);
  assert.ok(!/\bimport\s*\(/.test(text), "no dynamic import");
  const imports = [...text.matchAll(/^import \* as (\$\w+) from "([^"]+)";$/gm)];
  assert.equal(imports.filter(([, , path]) => path.startsWith("./routes/")).length, 22);
  assert.deepEqual(
    imports.filter(([, , path]) => path.startsWith("./islands/")).map(([, name]) => name),
    [
      "$island0",
      "$island1",
    ],
  );
  for (
    const line of [
      `"./routes/(marketing)/pricing.tsx": $2,`,
      `"./routes/docs/[...slug].tsx": $12,`,
      `"./routes/posts/_middleware.ts": $18,`,
      `"./islands/Counter.tsx": $island0,`,
      `import type { Manifest } from "$fresh/server.ts";`,
      "} satisfies Manifest;",
    ]
  ) {
    assert.ok(text.includes(line), line);
  }
});

Deno.test("Manifest - the generated file is deno fmt clean", async () => {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--check", fixtureSources.outFile.pathname],
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
});

Deno.test("Manifest - a missing islands folder is no islands; a bad file name is refused", async () => {
  const root = await Deno.makeTempDir({ prefix: "agora-manifest-" });
  try {
    const routesDir = new URL(`file://${root}/routes/`);
    const deep = "a-rather-long-folder-name/another-long-folder-name/and-one-more";
    await Deno.mkdir(new URL(deep, routesDir), { recursive: true });
    await Deno.writeTextFile(
      new URL(`${deep}/[commentId].tsx`, routesDir),
      "export default () => null;\n",
    );
    const sources = {
      routesDir,
      islandsDir: new URL(`file://${root}/islands/`),
      outFile: new URL(`file://${root}/fresh.gen.ts`),
    };
    const text = await generateManifest(sources);
    assert.ok(text.includes(`    "./routes/${deep}/[commentId].tsx": $0,\n`), text);
    assert.ok(text.includes("  islands: {},"), "a missing islands folder is no islands");
    await Deno.writeTextFile(new URL("_layouts.tsx", routesDir), "export default () => null;\n");
    await assert.rejects(
      () => generateManifest(sources),
      /routes\/_layouts\.tsx: unknown special file/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
