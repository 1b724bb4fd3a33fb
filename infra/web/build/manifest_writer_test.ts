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

Deno.test("Manifest - every route and island is a static import, with patterns precomputed", async () => {
  const text = await generateManifest(fixtureSources);
  assert.ok(!/\bimport\s*\(/.test(text), "no dynamic import");
  const imports = [...text.matchAll(/^import \* as (\$\w+) from "([^"]+)";$/gm)];
  assert.equal(imports.filter(([, , path]) => path.startsWith("./routes/")).length, 21);
  assert.deepEqual(
    imports.filter(([, , path]) => path.startsWith("./islands/")).map(([, name]) => name),
    [
      "$island0",
      "$island1",
    ],
  );
  for (
    const line of [
      `{ file: "(marketing)/pricing.tsx", kind: "route", pattern: "/pricing", module: $2 },`,
      `{ file: "docs/[...slug].tsx", kind: "route", pattern: "/docs/:slug*", module: $12 },`,
      `{ file: "posts/_middleware.ts", kind: "middleware", module: $18 },`,
      `{ name: "Counter", module: $island0 },`,
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

Deno.test("Manifest - long entries split one property per line; a bad file name is refused", async () => {
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
      outFile: new URL(`file://${root}/manifest.gen.ts`),
    };
    const text = await generateManifest(sources);
    assert.ok(
      text.includes(`    {\n      file: "${deep}/[commentId].tsx",\n      kind: "route",\n`),
      text,
    );
    assert.ok(text.includes("  islands: [],"), "a missing islands folder is no islands");
    await Deno.writeTextFile(new URL("_layouts.tsx", routesDir), "export default () => null;\n");
    await assert.rejects(
      () => generateManifest(sources),
      /routes\/_layouts\.tsx: unknown special file/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
