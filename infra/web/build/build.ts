/**
 * The whole build, driven by the resolved `fresh.config.ts`: the manifest
 * (`fresh.gen.ts`), the islands bundle, the plugins' assets (the Tailwind
 * stylesheet), and `assets.json`, which tells the running app their hashed
 * names.
 *
 * @module
 */
import type { ResolvedFreshConfig } from "../config.ts";
import { denoJsonDir } from "../plugins/tailwind.ts";
import { bundleIslands } from "./bundle_islands.ts";
import { writeManifest } from "./manifest_writer.ts";

/** What `assets.json` in the build folder holds. */
export type BuildAssets = {
  /** The islands bundle's file name in `<outDir>/static/`, or null without islands. */
  islands: string | null;
  /** Public path -> file name in `<outDir>/static/`, e.g. `/styles.css` -> `styles-….css`. */
  files: Record<string, string>;
};

/** What a build wrote. */
export type BuildResult = {
  manifestChanged: boolean;
  islands: { file: string; bytes: number; names: string[] } | null;
  files: Record<string, string>;
  /** Wall time of the whole build. */
  ms: number;
};

/** Which steps a (re)build runs; all by default. */
export type BuildSteps = { manifest?: boolean; islands?: boolean; assets?: boolean };

/**
 * Writes `fresh.gen.ts`, `<outDir>/static/islands-<hash>.js`, the plugins'
 * assets and `<outDir>/assets.json`. The bundle and the plugins' assets are
 * built in parallel. `previous` keeps the parts a partial rebuild skips.
 *
 * @example
 * ```ts
 * const config = resolveConfig(freshConfig, root, { dev: false });
 * const result = await build(config);
 * console.log(result.islands?.file, result.files["/styles.css"]);
 * ```
 */
export async function build(
  config: ResolvedFreshConfig,
  options: { steps?: BuildSteps; previous?: BuildAssets } = {},
): Promise<BuildResult & { assets: BuildAssets }> {
  const started = performance.now();
  const steps = { manifest: true, islands: true, assets: true, ...options.steps };
  const { root } = config;
  const islandsDir = new URL("./islands/", root);
  const outDir = new URL("./static/", config.build.outDir);

  await Deno.mkdir(outDir, { recursive: true });
  // Generated output: kept out of git, and so out of `deno fmt` and `deno lint` too.
  await Deno.writeTextFile(new URL("./.gitignore", config.build.outDir), "*\n");
  for (const plugin of config.plugins) await plugin.buildStart?.(config);
  const manifestChanged = steps.manifest && await writeManifest({
    routesDir: new URL("./routes/", root),
    islandsDir,
    outFile: new URL("./fresh.gen.ts", root),
    ignoreFilePattern: config.router.ignoreFilePattern,
  });
  const denoJson = new URL("./deno.json", await denoJsonDir(root));
  const [islands, files] = await Promise.all([
    steps.islands
      ? bundleIslands({ islandsDir, outDir, config: denoJson, minify: !config.dev })
      : null,
    steps.assets ? pluginAssets(config, outDir) : null,
  ]);
  const assets: BuildAssets = {
    islands: steps.islands ? islands?.file ?? null : options.previous?.islands ?? null,
    files: files ?? options.previous?.files ?? {},
  };
  await Deno.writeTextFile(
    new URL("./assets.json", config.build.outDir),
    JSON.stringify(assets, null, 2) + "\n",
  );
  for (const plugin of config.plugins) await plugin.buildEnd?.();
  return {
    manifestChanged,
    islands: islands && { file: islands.file, bytes: islands.bytes, names: islands.islands },
    files: assets.files,
    assets,
    ms: Math.round(performance.now() - started),
  };
}

async function pluginAssets(
  config: ResolvedFreshConfig,
  outDir: URL,
): Promise<Record<string, string>> {
  const built = await Promise.all(config.plugins.map((p) => p.buildAssets?.(config, outDir)));
  return Object.assign({}, ...built.filter(Boolean));
}
