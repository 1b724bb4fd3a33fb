/**
 * The one browser bundle: a generated entry that imports every island and
 * the hydration runtime, bundled by `deno bundle` (esbuild inside) with the
 * project's import map, so preact and @preact/signals resolve to the same
 * single copy as on the server.
 *
 * @module
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { isSourceFile } from "../route_pattern.ts";
import { fileIn, importPath, listFiles, writeHashed } from "./files.ts";
import { islandName } from "./manifest_writer.ts";

/** Options of {@link bundleIslands}. */
export type BundleOptions = {
  /** The `islands/` folder. */
  islandsDir: URL;
  /** Where `islands-<hash>.js` goes, e.g. `_build/static/`. */
  outDir: URL;
  /** The deno.json whose import map the bundle resolves with. */
  config: URL;
  /** Default true. */
  minify?: boolean;
};

/** A written bundle. */
export type Bundle = { file: string; bytes: number; islands: string[] };

const CLIENT = new URL("../client.ts", import.meta.url);

/**
 * Bundles every island with the hydration runtime into
 * `outDir/islands-<hash>.js`. With no islands there is nothing to hydrate
 * and no bundle: returns `null`.
 *
 * @example
 * ```ts
 * const bundle = await bundleIslands({ islandsDir, outDir, config: new URL("./deno.json", root) });
 * bundle?.file; // "islands-9c1e0b7a44d2.js"
 * ```
 */
export async function bundleIslands(options: BundleOptions): Promise<Bundle | null> {
  const files = (await listFiles(options.islandsDir)).filter(isSourceFile);
  if (files.length === 0) return null;
  const work = await Deno.makeTempDir({ prefix: "agora-islands-" });
  try {
    const entry = pathToFileURL(`${work}/entry.ts`);
    const out = `${work}/islands.js`;
    await Deno.writeTextFile(entry, entrySource(entry, { islandsDir: options.islandsDir, files }));
    const args = ["bundle", "--platform", "browser", "--format", "esm", "--quiet"];
    if (options.minify ?? true) args.push("--minify");
    args.push("--config", fileURLToPath(options.config), "--output", out, fileURLToPath(entry));
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
    const content = await Deno.readFile(out);
    const file = await writeHashed(options.outDir, { prefix: "islands", ext: "js", content });
    return { file, bytes: content.byteLength, islands: files.map(islandName) };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** The entry: string keys, so the names survive minification. */
function entrySource(entry: URL, islands: { islandsDir: URL; files: string[] }): string {
  const { islandsDir, files } = islands;
  return [
    `import { hydrateIslands } from ${JSON.stringify(importPath(entry, CLIENT))};`,
    ...files.map((file, i) =>
      `import island${i} from ${JSON.stringify(importPath(entry, fileIn(islandsDir, file)))};`
    ),
    "hydrateIslands({",
    ...files.map((file, i) => `  ${JSON.stringify(islandName(file))}: island${i},`),
    "});",
    "",
  ].join("\n");
}
