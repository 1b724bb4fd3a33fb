/**
 * Fresh file conventions, as pure functions of a path below `routes/`: what a
 * file is (`_app`, `_layout`, a page, ...), which URL pattern it serves, and
 * the order in which patterns are tried. Shared by the build step (which
 * precomputes patterns into the manifest) and the runtime.
 *
 * @module
 */

/** What a file below `routes/` is, by its name. */
export type RouteKind = "route" | "app" | "layout" | "middleware" | "notFound" | "error";

const SPECIAL: Readonly<Record<string, RouteKind>> = {
  _app: "app",
  _layout: "layout",
  _middleware: "middleware",
  _404: "notFound",
  _500: "error",
};

/** Kinds that only make sense once, at the top of `routes/`. */
const ROOT_ONLY: ReadonlySet<RouteKind> = new Set(["app", "notFound", "error"]);

const SOURCE_FILE = /\.(ts|tsx|js|jsx)$/;

/**
 * Whether a file below `routes/` or `islands/` is a module the manifest
 * takes (tests and declaration files are skipped).
 *
 * @example
 * ```ts
 * isSourceFile("posts/[id].tsx"); // true
 * isSourceFile("posts/page_test.ts"); // false
 * ```
 */
export function isSourceFile(file: string): boolean {
  return SOURCE_FILE.test(file) && !/_test\.\w+$/.test(file) && !file.endsWith(".d.ts");
}

/**
 * The kind of a route file, from its base name.
 *
 * @example
 * ```ts
 * routeKind("(app)/_layout.tsx"); // "layout"
 * routeKind("posts/[id].tsx"); // "route"
 * ```
 */
export function routeKind(file: string): RouteKind {
  const base = stem(file.split("/").at(-1) ?? "");
  if (!base.startsWith("_")) return "route";
  const kind = SPECIAL[base];
  if (!kind) throw new Error(`routes/${file}: unknown special file (expected one of ${names()})`);
  if (ROOT_ONLY.has(kind) && file.includes("/")) {
    throw new Error(`routes/${file}: ${base} is only read at the top of routes/`);
  }
  return kind;
}

/**
 * The folder a route file sits in, groups included: the scope of its
 * `_layout` and `_middleware` siblings. `""` is the top of `routes/`.
 *
 * @example
 * ```ts
 * routeDir("(app)/posts/[id].tsx"); // "(app)/posts"
 * ```
 */
export function routeDir(file: string): string {
  return file.split("/").slice(0, -1).join("/");
}

/**
 * Whether files in `dir` fall under the `_layout`/`_middleware` of `scope`.
 *
 * @example
 * ```ts
 * inScope("(app)/posts", "(app)"); // true
 * inScope("posts", "(app)"); // false
 * ```
 */
export function inScope(dir: string, scope: string): boolean {
  return scope === "" || dir === scope || dir.startsWith(scope + "/");
}

/**
 * The URL pattern a page or handler file serves: `index` is the folder
 * itself, `(group)` folders vanish, `[id]` is a parameter and `[...rest]` a
 * catch-all (zero or more segments, last only).
 *
 * @example
 * ```ts
 * routePattern("(app)/posts/[id].tsx"); // "/posts/:id"
 * routePattern("docs/[...slug].tsx"); // "/docs/:slug*"
 * ```
 */
export function routePattern(file: string): string {
  const segments = stem(file).split("/").filter((s) => !/^\(.+\)$/.test(s));
  if (segments.at(-1) === "index") segments.pop();
  const parts = segments.map((segment, i) => {
    const rest = /^\[\.\.\.(\w+)\]$/.exec(segment);
    if (rest) {
      if (i !== segments.length - 1) {
        throw new Error(`routes/${file}: [...${rest[1]}] must be last`);
      }
      return `:${rest[1]}*`;
    }
    const param = /^\[(\w+)\]$/.exec(segment);
    if (param) return `:${param[1]}`;
    if (/[[\]():*]/.test(segment)) {
      throw new Error(`routes/${file}: cannot read segment "${segment}"`);
    }
    return segment;
  });
  return "/" + parts.join("/");
}

/**
 * Orders patterns the way they must be tried: segment by segment, a static
 * segment before a parameter before a catch-all, so `/posts/new` wins over
 * `/posts/:id`. Use with `Array.prototype.sort`.
 *
 * @example
 * ```ts
 * ["/posts/:id", "/posts/new"].sort(comparePatterns); // ["/posts/new", "/posts/:id"]
 * ```
 */
export function comparePatterns(a: string, b: string): number {
  const ra = ranks(a);
  const rb = ranks(b);
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    if (ra[i] !== rb[i]) return ra[i] - rb[i];
  }
  // Shorter first: `/docs` (index) must beat the bare-folder match of `/docs/:rest*`.
  return ra.length - rb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The Hono paths for a pattern: a catch-all also serves its bare folder
 * (zero segments), which Hono's `{.+}` alone would not.
 *
 * @example
 * ```ts
 * honoPaths("/docs/:slug*"); // ["/docs/:slug{.+}", "/docs"]
 * ```
 */
export function honoPaths(pattern: string): string[] {
  const rest = /^(.*)\/:(\w+)\*$/.exec(pattern);
  if (!rest) return [pattern];
  return [`${rest[1]}/:${rest[2]}{.+}`, rest[1] || "/"];
}

/** The name of a catch-all parameter in a pattern, if it has one. */
export function catchAllParam(pattern: string): string | undefined {
  return /\/:(\w+)\*$/.exec(pattern)?.[1];
}

function ranks(pattern: string): number[] {
  return pattern.split("/").filter(Boolean).map((s) =>
    s.endsWith("*") ? 2 : s.startsWith(":") ? 1 : 0
  );
}

function stem(path: string): string {
  return path.replace(SOURCE_FILE, "");
}

function names(): string {
  return Object.keys(SPECIAL).join(", ");
}

/**
 * An island's name: its path below `islands/` without the extension, the
 * name the browser bundle knows it by.
 *
 * @example
 * ```ts
 * islandName("posts/LikeButton.tsx"); // "posts/LikeButton"
 * ```
 */
export function islandName(file: string): string {
  return stem(file);
}
