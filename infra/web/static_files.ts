/**
 * Serving a folder as it is (`static/`, `_build/static/`). The folder is
 * listed once when the app starts and only listed files are served, so no
 * request path ever reaches the file system (no `..` tricks).
 *
 * @module
 */
import { getMimeType } from "hono/utils/mime";

/** Files of one folder, by URL path. */
export type StaticFiles = {
  /** The file's response for a GET or HEAD of a listed path, else `undefined`. */
  serve(req: Request, url: URL): Promise<Response | undefined>;
  /** Resolves to the number of files once the folder is listed. */
  size(): Promise<number>;
};

/**
 * Lists `dir` (missing is empty) and serves its files below `prefix`. The
 * listing is asynchronous and starts at once; the first request waits for it
 * (no synchronous file-system work at start, as Deno Deploy wants).
 *
 * @example
 * ```ts
 * const files = staticFiles(new URL("./static/", import.meta.url), {
 *   prefix: "/",
 *   cacheControl: "public, max-age=300",
 * });
 * const res = await files.serve(req, new URL(req.url));
 * ```
 */
export function staticFiles(
  dir: URL,
  options: {
    prefix: string;
    cacheControl: string;
    /** List the folder again when a path is not found (dev: the build writes new names). */
    relist?: boolean;
  },
): StaticFiles {
  const list = () =>
    listFiles(dir, "").then((paths) => {
      const files = new Map<string, URL>();
      for (const path of paths) {
        const encoded = path.split("/").map(encodeURIComponent).join("/");
        files.set(options.prefix.replace(/\/$/, "") + "/" + path, new URL(encoded, dir));
      }
      return files;
    });
  let listed = list();
  // A listing error surfaces on the requests that need it, not as an unhandled rejection.
  listed.catch(() => {});
  return {
    size: async () => (await listed).size,
    async serve(req, url) {
      if (req.method !== "GET" && req.method !== "HEAD") return undefined;
      const path = safeDecode(url.pathname);
      if (options.relist && !(await listed).has(path) && path.startsWith(options.prefix)) {
        listed = list();
      }
      const file = (await listed).get(path);
      if (!file) return undefined;
      const info = await Deno.stat(file);
      const etag = `W/"${info.size.toString(36)}-${(info.mtime?.getTime() ?? 0).toString(36)}"`;
      const headers = new Headers({
        "cache-control": options.cacheControl,
        "content-type": getMimeType(file.pathname) ?? "application/octet-stream",
        etag,
      });
      if (req.headers.get("if-none-match") === etag) {
        return new Response(null, { status: 304, headers });
      }
      headers.set("content-length", String(info.size));
      if (req.method === "HEAD") return new Response(null, { headers });
      const opened = await Deno.open(file);
      return new Response(opened.readable, { headers });
    },
  };
}

async function listFiles(dir: URL, below: string): Promise<string[]> {
  const entries: Deno.DirEntry[] = [];
  try {
    const url = new URL(below.split("/").map(encodeURIComponent).join("/"), dir);
    for await (const entry of Deno.readDir(url)) entries.push(entry);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const nested = await Promise.all(
    entries.filter((e) => !e.name.startsWith(".")).map((e) =>
      e.isDirectory
        ? listFiles(dir, `${below}${e.name}/`)
        : Promise.resolve(e.isFile ? [`${below}${e.name}`] : [])
    ),
  );
  return nested.flat();
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
