/**
 * File helpers of the build: listing a folder, relative import paths, and
 * writing content-hashed output.
 *
 * @module
 */
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Every file below `dir` as a `/`-separated relative path, sorted so the
 * generated output is stable; hidden files are skipped, a missing folder is empty.
 *
 * @example
 * ```ts
 * await listFiles(new URL("./routes/", root)); // ["_app.tsx", "index.tsx", "posts/[id].tsx"]
 * ```
 */
export async function listFiles(dir: URL): Promise<string[]> {
  const out: string[] = [];
  const walk = async (below: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(new URL(encodePath(below), dir)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      if (entry.isDirectory) await walk(`${below}${entry.name}/`);
      else if (entry.isFile) out.push(`${below}${entry.name}`);
    }
  };
  await walk("");
  return out.sort();
}

/** The file at `path` below `dir`, with each segment URL-encoded (`[id].tsx` stays readable). */
export function fileIn(dir: URL, path: string): URL {
  return new URL(encodePath(path), dir);
}

/**
 * The relative specifier by which `from` imports `to`.
 *
 * @example
 * ```ts
 * importPath(new URL("file:///app/manifest.gen.ts"), new URL("file:///app/routes/index.tsx"));
 * // "./routes/index.tsx"
 * ```
 */
export function importPath(from: URL, to: URL): string {
  const path = relative(dirname(fileURLToPath(from)), fileURLToPath(to)).replaceAll("\\", "/");
  return path.startsWith(".") ? path : `./${path}`;
}

/**
 * Writes `content` to `<dir>/<prefix>-<hash>.<ext>` and removes that
 * prefix's earlier outputs. Returns the file name.
 *
 * @example
 * ```ts
 * await writeHashed(new URL("./_build/static/", root), { prefix: "islands", ext: "js", content });
 * // "islands-5d41402abc4b.js"
 * ```
 */
export async function writeHashed(
  dir: URL,
  options: { prefix: string; ext: string; content: Uint8Array },
): Promise<string> {
  const { prefix, ext, content } = options;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", content as BufferSource));
  const hash = Array.from(digest.slice(0, 6), (b) => b.toString(16).padStart(2, "0")).join("");
  const name = `${prefix}-${hash}.${ext}`;
  await Deno.mkdir(dir, { recursive: true });
  for (const old of await listFiles(dir)) {
    if (
      old !== name && !old.includes("/") && old.startsWith(`${prefix}-`) && old.endsWith(`.${ext}`)
    ) {
      await Deno.remove(new URL(old, dir));
    }
  }
  await Deno.writeFile(new URL(name, dir), content);
  return name;
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}
