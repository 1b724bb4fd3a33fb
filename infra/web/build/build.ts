/**
 * The whole build: manifest, islands bundle and stylesheet, and the
 * `assets.json` that tells the running app their hashed names.
 *
 * @module
 */
import { bundleIslands } from "./bundle_islands.ts";
import { buildStyles } from "./build_styles.ts";
import { writeManifest } from "./manifest_writer.ts";

/** Where things are; every folder defaults to its place at `root`. */
export type BuildOptions = {
  /** The repository root (with deno.json). */
  root: URL;
  routesDir?: URL;
  islandsDir?: URL;
  /** Default `static/styles.css`; skipped when missing. */
  stylesInput?: URL;
  /** Default `manifest.gen.ts`. */
  manifestFile?: URL;
  /** Default `_build/`. */
  buildDir?: URL;
};

/** What a build wrote. */
export type BuildResult = {
  manifestChanged: boolean;
  islands: { file: string; bytes: number; names: string[] } | null;
  styles: { file: string; bytes: number } | null;
  /** Wall time of the whole build. */
  ms: number;
};

/**
 * Writes `manifest.gen.ts`, `_build/static/islands-<hash>.js`,
 * `_build/static/styles-<hash>.css` and `_build/assets.json`. The bundle and
 * the stylesheet are built in parallel.
 *
 * @example
 * ```ts
 * const result = await build({ root: new URL("../", import.meta.url) });
 * console.log(result.islands?.file, result.styles?.file);
 * ```
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const { root } = options;
  const config = new URL("./deno.json", root);
  const islandsDir = options.islandsDir ?? new URL("./islands/", root);
  const buildDir = options.buildDir ?? new URL("./_build/", root);
  const outDir = new URL("./static/", buildDir);
  const stylesInput = options.stylesInput ?? new URL("./static/styles.css", root);

  await Deno.mkdir(outDir, { recursive: true });
  // Generated output: kept out of git, and so out of `deno fmt` and `deno lint` too.
  await Deno.writeTextFile(new URL("./.gitignore", buildDir), "*\n");
  const manifestChanged = await writeManifest({
    routesDir: options.routesDir ?? new URL("./routes/", root),
    islandsDir,
    outFile: options.manifestFile ?? new URL("./manifest.gen.ts", root),
  });
  const [islands, styles] = await Promise.all([
    bundleIslands({ islandsDir, outDir, config }),
    exists(stylesInput).then((found) =>
      found ? buildStyles({ input: stylesInput, outDir, config }) : null
    ),
  ]);
  const assets = { islands: islands?.file ?? null, styles: styles?.file ?? null };
  await Deno.writeTextFile(
    new URL("./assets.json", buildDir),
    JSON.stringify(assets, null, 2) + "\n",
  );
  return {
    manifestChanged,
    islands: islands && { file: islands.file, bytes: islands.bytes, names: islands.islands },
    styles,
    ms: Math.round(performance.now() - started),
  };
}

async function exists(file: URL): Promise<boolean> {
  try {
    return (await Deno.stat(file)).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
