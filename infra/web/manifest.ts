/**
 * The manifest: every route and island module, imported statically by the
 * generated `manifest.gen.ts` (Deno Deploy cannot import what it has not
 * seen), with kinds and URL patterns worked out at build time. The runtime
 * takes it as plain data and checks each module's exports once, at start.
 *
 * @module
 */
import type { Handler, Middleware } from "./handlers.ts";
import type { IslandRegistry } from "./island_marker.ts";
import type { AnyComponent } from "./render.tsx";
import {
  catchAllParam,
  comparePatterns,
  inScope,
  routeDir,
  type RouteKind,
} from "./route_pattern.ts";

/** A module's exports, not yet checked. */
export type ModuleExports = { readonly [name: string]: unknown };

/** One file below `routes/`. */
export type ManifestRoute = {
  /** Path below `routes/`, e.g. `"(app)/posts/[id].tsx"`. */
  readonly file: string;
  readonly kind: RouteKind;
  /** For `kind: "route"`: the URL pattern, e.g. `"/posts/:id"`. */
  readonly pattern?: string;
  readonly module: ModuleExports;
};

/** One module below `islands/`; its default export is the island. */
export type ManifestIsland = {
  /** The name the browser bundle knows it by, e.g. `"LikeButton"`. */
  readonly name: string;
  readonly module: ModuleExports;
};

/**
 * What `scripts/build.ts` writes to `manifest.gen.ts`, and what tests build
 * by hand or from fixture folders.
 *
 * @example
 * ```ts
 * import * as $index from "./routes/index.tsx";
 * const manifest: Manifest = {
 *   baseUrl: import.meta.url,
 *   routes: [{ file: "index.tsx", kind: "route", pattern: "/", module: $index }],
 *   islands: [],
 * };
 * ```
 */
export type Manifest = {
  /** The folder `static/` and `_build/` are found in: the manifest's own `import.meta.url`. */
  readonly baseUrl: string;
  readonly routes: readonly ManifestRoute[];
  readonly islands: readonly ManifestIsland[];
};

/** A page or handler file, ready to serve. */
export type RouteEntry<State> = {
  readonly file: string;
  readonly pattern: string;
  /** The catch-all parameter, which is `""` when it matched zero segments. */
  readonly catchAll?: string;
  readonly handler?: Handler<unknown, State>;
  readonly page?: AnyComponent;
  /** Middlewares of the route's folder and every folder above, outermost first. */
  readonly middlewares: readonly Middleware<State>[];
  /** Layouts of the route's folder and every folder above, outermost first. */
  readonly layouts: readonly AnyComponent[];
};

/** The checked manifest: routes in match order, plus the special files. */
export type RouteTable<State> = {
  readonly routes: readonly RouteEntry<State>[];
  readonly app?: AnyComponent;
  readonly notFound?: AnyComponent;
  readonly error?: AnyComponent;
  /** Middlewares and layouts at the top of `routes/`: they also wrap the 404 and 500 pages. */
  readonly rootMiddlewares: readonly Middleware<State>[];
  readonly rootLayouts: readonly AnyComponent[];
  readonly islands: IslandRegistry;
};

/**
 * Checks every module of `manifest` and orders the routes so static
 * segments win over parameters, and parameters over catch-alls. Throws,
 * naming the file, on a module that exports something unreadable.
 */
export function routeTable<State>(manifest: Manifest): RouteTable<State> {
  const scoped = <T>(kind: RouteKind, read: (r: ManifestRoute) => T) =>
    manifest.routes.filter((r) => r.kind === kind)
      .map((r) => ({ dir: routeDir(r.file), value: read(r) }))
      .sort((a, b) => depth(a.dir) - depth(b.dir));
  const middlewares = scoped("middleware", middlewaresOf<State>);
  const layouts = scoped("layout", (r) => componentOf(r, true));
  const inDir = <T>(list: { dir: string; value: T }[], dir: string) =>
    list.filter((x) => inScope(dir, x.dir)).map((x) => x.value);
  const special = (kind: RouteKind) => {
    const found = manifest.routes.find((r) => r.kind === kind);
    return found && componentOf(found, true);
  };

  const routes = manifest.routes.filter((r) => r.kind === "route").map((r): RouteEntry<State> => {
    if (!r.pattern) throw new Error(`routes/${r.file}: the manifest gives no pattern`);
    const dir = routeDir(r.file);
    return {
      file: r.file,
      pattern: r.pattern,
      catchAll: catchAllParam(r.pattern),
      handler: handlerOf<State>(r),
      page: componentOf(r, false),
      middlewares: inDir(middlewares, dir).flat(),
      layouts: inDir(layouts, dir),
    };
  }).sort((a, b) => comparePatterns(a.pattern, b.pattern));

  const seen = new Map<string, string>();
  for (const route of routes) {
    const other = seen.get(route.pattern);
    if (other) {
      throw new Error(`routes/${route.file} and routes/${other} both serve ${route.pattern}`);
    }
    seen.set(route.pattern, route.file);
  }

  return {
    routes,
    app: special("app"),
    notFound: special("notFound"),
    error: special("error"),
    rootMiddlewares: middlewares.filter((m) => m.dir === "").flatMap((m) => m.value),
    rootLayouts: layouts.filter((l) => l.dir === "").map((l) => l.value),
    islands: islandRegistry(manifest.islands),
  };
}

function islandRegistry(islands: readonly ManifestIsland[]): IslandRegistry {
  const registry = new Map<AnyComponent, string>();
  for (const { name, module } of islands) {
    if (typeof module.default !== "function") {
      throw new Error(`islands/${name}: the default export must be a component`);
    }
    registry.set(module.default as AnyComponent, name);
  }
  return registry;
}

function componentOf(route: ManifestRoute, required: true): AnyComponent;
function componentOf(route: ManifestRoute, required: false): AnyComponent | undefined;
function componentOf(route: ManifestRoute, required: boolean): AnyComponent | undefined {
  const component = route.module.default;
  if (component === undefined && !required) return undefined;
  if (typeof component !== "function") {
    throw new Error(`routes/${route.file}: the default export must be a component`);
  }
  return component as AnyComponent;
}

function handlerOf<State>(route: ManifestRoute): Handler<unknown, State> | undefined {
  const handler = route.module.handler;
  if (handler === undefined || typeof handler === "function") {
    return handler as Handler<unknown, State> | undefined;
  }
  if (typeof handler === "object" && handler !== null) {
    for (const [method, fn] of Object.entries(handler)) {
      if (!/^(GET|POST|PUT|PATCH|DELETE)$/.test(method) || typeof fn !== "function") {
        throw new Error(`routes/${route.file}: handler.${method} is not a method handler`);
      }
    }
    return handler as Handler<unknown, State>;
  }
  throw new Error(`routes/${route.file}: handler must be a function or an object of methods`);
}

function middlewaresOf<State>(route: ManifestRoute): Middleware<State>[] {
  const handler = route.module.handler;
  const list = Array.isArray(handler) ? handler : [handler];
  if (list.some((fn) => typeof fn !== "function")) {
    throw new Error(
      `routes/${route.file}: handler must be a middleware function or an array of them`,
    );
  }
  return list as Middleware<State>[];
}

function depth(dir: string): number {
  return dir === "" ? 0 : dir.split("/").length;
}
