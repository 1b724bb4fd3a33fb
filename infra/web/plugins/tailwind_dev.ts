/**
 * The development stylesheet: Tailwind's own compiler and scanner in this
 * process, kept between rebuilds (a rebuild rescans the sources and
 * rebuilds; a change to the input itself recompiles it). Not minified.
 *
 * @module
 */
import { compile } from "@tailwindcss/node";
import { Scanner } from "@tailwindcss/oxide";
import { fileURLToPath } from "node:url";
import { writeHashed } from "../build/files.ts";

/**
 * A rebuild function for `input`: each call writes `styles-<hash>.css` to
 * `outDir` and returns its name.
 *
 * @example
 * ```ts
 * const rebuild = devStyles(new URL("./static/styles.css", root));
 * await rebuild(new URL("./_build/static/", root)); // "styles-3f2a….css"
 * ```
 */
export function devStyles(input: URL): (outDir: URL) => Promise<string> {
  const base = fileURLToPath(new URL(".", input));
  let compiled: { text: string; build: (candidates: string[]) => string; scanner: Scanner } | null =
    null;
  return async (outDir) => {
    const text = await Deno.readTextFile(input);
    if (compiled?.text !== text) {
      const compiler = await compile(text, { base, onDependency: () => {} });
      compiled = {
        text,
        build: (candidates) => compiler.build(candidates),
        scanner: new Scanner({ sources: compiler.sources }),
      };
    }
    const css = compiled.build(compiled.scanner.scan());
    return await writeHashed(outDir, {
      prefix: "styles",
      ext: "css",
      content: new TextEncoder().encode(css),
    });
  };
}
