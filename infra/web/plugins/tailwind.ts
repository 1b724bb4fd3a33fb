/**
 * `$fresh/plugins/tailwind.ts`: Tailwind CSS v4 for `static/styles.css`.
 * `dev.ts build` compiles it with the pinned CLI (minified); `dev.ts`
 * keeps a compiler warm in its own process, so a class or style change is
 * rebuilt in a few hundred milliseconds. The page links it as Fresh apps do:
 * `<link rel="stylesheet" href={asset("/styles.css")} />`.
 *
 * Both compilers are imported on demand: the server that reads
 * `fresh.config.ts` never loads Tailwind.
 *
 * @module
 */
import type { Plugin, ResolvedFreshConfig } from "../config.ts";

/** Options of {@link tailwind}. */
export type TailwindPluginOptions = {
  /** The Tailwind input below `staticDir`. Default `"styles.css"`. */
  input?: string;
};

/**
 * The Tailwind plugin for `fresh.config.ts`.
 *
 * @example
 * ```ts
 * import tailwind from "$fresh/plugins/tailwind.ts";
 * export default defineConfig({ plugins: [tailwind()] });
 * ```
 */
export default function tailwind(options: TailwindPluginOptions = {}): Plugin {
  const input = options.input ?? "styles.css";
  let warm: ((outDir: URL) => Promise<string>) | null = null;
  return {
    name: "tailwind",
    async buildAssets(config: ResolvedFreshConfig, outDir: URL) {
      const source = new URL(input, config.staticDir);
      if (!(await exists(source))) return {};
      let file: string;
      if (config.dev) {
        if (!warm) {
          const { devStyles } = await import("./tailwind_dev.ts");
          warm = devStyles(source);
        }
        file = await warm(outDir);
      } else {
        const { buildStyles } = await import("../build/build_styles.ts");
        file = (await buildStyles({
          input: source,
          outDir,
          config: new URL("./deno.json", await denoJsonDir(config.root)),
        })).file;
      }
      return { ["/" + input]: file };
    },
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

/** The nearest folder at or above `dir` holding a deno.json (it pins the CLI). */
export async function denoJsonDir(dir: URL): Promise<URL> {
  for (let at = dir;; at = new URL("../", at)) {
    if (await exists(new URL("./deno.json", at))) return at;
    if (at.pathname === "/") throw new Error(`no deno.json at or above ${dir.pathname}`);
  }
}
