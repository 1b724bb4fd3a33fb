/**
 * `fresh.config.ts`: the app's Fresh 1.7 configuration (`defineConfig` with
 * plugins, build and static options), read by `dev.ts` (build and watch) and
 * by `main.ts` (serve), and its resolved form with absolute paths.
 *
 * @module
 */

/** A plugin, as `fresh.config.ts` lists it; only the hooks this layer runs. */
export interface Plugin {
  /** Snake-case name, e.g. `"tailwind"`. */
  name: string;
  /** Called once the configuration is resolved (dev, build and serve). */
  configResolved?(config: ResolvedFreshConfig): void | Promise<void>;
  /** Called before a build (`dev.ts build`, and each rebuild of `dev.ts`). */
  buildStart?(config: ResolvedFreshConfig): void | Promise<void>;
  /** Called after a build. */
  buildEnd?(): void | Promise<void>;
  /**
   * This layer's own hook (not Fresh's): builds the stylesheets the plugin
   * owns into `outDir` and returns their public names, e.g.
   * `{ "/styles.css": "styles-3f2a….css" }`. `dev` skips minification and
   * keeps a warm compiler between rebuilds.
   */
  buildAssets?(
    config: ResolvedFreshConfig,
    outDir: URL,
  ): Promise<Record<string, string>>;
}

/** Fresh 1.7's `FreshConfig`, the options this layer reads. */
export interface FreshConfig {
  build?: {
    /** Where `dev.ts build` writes; relative to the project. Default `_fresh`. */
    outDir?: string;
    /** Browsers the islands bundle targets (esbuild's `target`); kept for Fresh, not read. */
    target?: string | string[];
  };
  plugins?: Plugin[];
  /** Files served as they are; relative to the project. Default `static`. */
  staticDir?: string;
  router?: {
    /** Files below routes/ and islands/ the manifest skips. Default: tests. */
    ignoreFilePattern?: RegExp;
  };
  server?: { port?: number; hostname?: string };
}

/** The configuration with every default filled in and every path absolute. */
export interface ResolvedFreshConfig {
  /** True under `dev.ts` (assets re-read per request, no minification). */
  dev: boolean;
  /** The project folder (where `fresh.config.ts` and `fresh.gen.ts` live). */
  root: URL;
  build: { outDir: URL; target: string | string[] };
  plugins: Plugin[];
  staticDir: URL;
  router: { ignoreFilePattern: RegExp };
  server: { port?: number; hostname?: string };
  basePath: string;
}

/** Test files: skipped below routes/ and islands/. */
export const TEST_FILE_PATTERN = /[._]test\.(?:[tj]sx?|[mc][tj]s)$/;

/** The environment variable `dev.ts` sets for the server it runs. */
export const DEV_ENV = "FRESH_DEV";

/**
 * Returns `config` as it is; it exists so `fresh.config.ts` is typed.
 *
 * @example
 * ```ts
 * // fresh.config.ts
 * import { defineConfig } from "$fresh/server.ts";
 * import tailwind from "$fresh/plugins/tailwind.ts";
 * export default defineConfig({ plugins: [tailwind()] });
 * ```
 */
export function defineConfig(config: FreshConfig): FreshConfig {
  return config;
}

/**
 * Fills in the defaults of `config`, paths resolved against `root` (the
 * folder of the manifest). Plugins' `configResolved` hooks run later, in
 * {@link announceConfig}.
 *
 * @example
 * ```ts
 * const resolved = resolveConfig(config, new URL("./", manifest.baseUrl), { dev: false });
 * resolved.build.outDir.href; // "file:///app/_fresh/"
 * ```
 */
export function resolveConfig(
  config: FreshConfig,
  root: URL,
  options: { dev: boolean },
): ResolvedFreshConfig {
  const dir = (path: string) => new URL(path.endsWith("/") ? path : path + "/", root);
  return {
    dev: options.dev,
    root,
    build: {
      outDir: dir(config.build?.outDir ?? "_fresh"),
      target: config.build?.target ?? ["chrome99", "firefox99", "safari15"],
    },
    plugins: config.plugins ?? [],
    staticDir: dir(config.staticDir ?? "static"),
    router: { ignoreFilePattern: config.router?.ignoreFilePattern ?? TEST_FILE_PATTERN },
    server: config.server ?? {},
    basePath: "",
  };
}

/** Runs every plugin's `configResolved` hook, in order. */
export async function announceConfig(config: ResolvedFreshConfig): Promise<void> {
  for (const plugin of config.plugins) await plugin.configResolved?.(config);
}

/** Whether this process runs under `dev.ts` (it sets {@link DEV_ENV} for the server). */
export function isDevServer(): boolean {
  // Deno Deploy and tests may deny env access; then it is not dev.
  try {
    return Deno.env.get(DEV_ENV) === "1";
  } catch {
    return false;
  }
}
