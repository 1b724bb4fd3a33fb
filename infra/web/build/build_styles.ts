/**
 * The stylesheet: Tailwind CSS v4's CLI, run from npm by Deno, turning
 * `static/styles.css` (`@import "tailwindcss"` plus `@source` folders) into
 * one minified, content-hashed file.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { writeHashed } from "./files.ts";

/** Options of {@link buildStyles}. */
export type StylesOptions = {
  /** The Tailwind input, e.g. `static/styles.css`. */
  input: URL;
  /** Where `styles-<hash>.css` goes, e.g. `_build/static/`. */
  outDir: URL;
  /** The deno.json that pins `@tailwindcss/cli` in its imports; the CLI runs beside it. */
  config: URL;
};

/** A written stylesheet. */
export type Stylesheet = { file: string; bytes: number };

/**
 * Compiles `options.input` with the pinned `@tailwindcss/cli` into
 * `outDir/styles-<hash>.css`.
 *
 * @example
 * ```ts
 * const css = await buildStyles({ input, outDir, config: new URL("./deno.json", root) });
 * css.file; // "styles-3f2a9d0c1b7e.css"
 * ```
 */
export async function buildStyles(options: StylesOptions): Promise<Stylesheet> {
  const work = await Deno.makeTempDir({ prefix: "agora-styles-" });
  try {
    const out = `${work}/styles.css`;
    const { success, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--config",
        fileURLToPath(options.config),
        await tailwindCli(options.config),
        "--input",
        fileURLToPath(options.input),
        "--output",
        out,
        "--minify",
      ],
      // Tailwind resolves `@import "tailwindcss"` from node_modules beside deno.json.
      cwd: fileURLToPath(new URL(".", options.config)),
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) throw new Error(`tailwindcss failed:\n${new TextDecoder().decode(stderr)}`);
    const content = await Deno.readFile(out);
    const file = await writeHashed(options.outDir, { prefix: "styles", ext: "css", content });
    return { file, bytes: content.byteLength };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** The CLI as pinned in deno.json's imports, so the build never floats to another version. */
async function tailwindCli(config: URL): Promise<string> {
  const json = JSON.parse(await Deno.readTextFile(config)) as { imports?: Record<string, string> };
  const pinned = json.imports?.["@tailwindcss/cli"];
  if (!pinned?.startsWith("npm:")) {
    throw new Error(`${fileURLToPath(config)}: imports must pin "@tailwindcss/cli" (npm:...)`);
  }
  return pinned;
}
