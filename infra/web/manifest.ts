/**
 * The manifest: every route and island module, imported statically by the
 * generated `fresh.gen.ts` (Deno Deploy cannot import what it has not
 * seen). The runtime reads each file's kind and URL pattern from its path
 * and checks each module's exports once, at start.
 *
 * @module
 */
import type { Handler, Handlers, MiddlewareHandler } from "./handlers.ts";
import type { IslandRegistry } from "./island_marker.ts";
import type { AnyComponent } from "./render.tsx";
import {
  catchAllParam,
  comparePatterns,
  inScope,
  islandName,
  routeDir,
  type RouteKind,
  routeKind,
  routePattern,
} from "./route_pattern.ts";

/** A module's exports, not yet checked. */
export type ModuleExports = { readonly [name: string]: unknown };

/**
 * What `dev.ts` writes to `fresh.gen.ts` (Fresh 1.7's shape), and what
 * tests build by hand: every route and island module by its path.
 *
 * @example
 * ```ts
 * import * as $index from "./routes/index.tsx";
 * const manifest = {
 *   routes: { "./routes/index.tsx": $index },
 *   islands: {},
 *   baseUrl: import.meta.url,
 * } satisfies Manifest;
 * ```
 */
export interface Manifest {
  /** By path, e.g. `"./routes/(app)/posts/[id].tsx"`. */
  routes: Record<string, ModuleExports>;
  /** By path, e.g. `"./islands/LikeButton.tsx"`; the default export is the island. */
  islands: Record<string, ModuleExports>;
  /** The project folder `static/` and the build are found in: the manifest's own URL. */
  baseUrl: string;
}

/** One file below `routes/`, its kind and pattern read from its path. */
type ManifestRoute = {
  /** Path below `routes/`, e.g. `"(app)/posts/[id].tsx"`. */
  readonly file: string;
  readonly kind: RouteKind;
  /** For `kind: "route"`: the URL pattern, e.g. `"/posts/:id"`. */
  readonly pattern?: string;
  readonly module: ModuleExports;
};

/** A page or handler file, ready to serve. */
export type RouteEntry<State> = {
  readonly file: string;
  readonly pattern: string;
  /** The catch-all parameter, which is `""` when it matched zero segments. */
  readonly catchAll?: string;
  readonly handler?: Handler<unknown, State> | Handlers<unknown, State>;
  readonly page?: AnyComponent;
  /** Middlewares of the route's folder and every folder above, outermost first. */
  readonly middlewares: readonly MiddlewareHandler<State>[];
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
  readonly rootMiddlewares: readonly MiddlewareHandler<State>[];
  readonly rootLayouts: readonly AnyComponent[];
  readonly islands: IslandRegistry;
};

/**
 * Checks every module of `manifest` and orders the routes so static
 * segments win over parameters, and parameters over catch-alls. Throws,
 * naming the file, on a module that exports something unreadable.
 */
export function routeTable<State>(manifest: Manifest): RouteTable<State> {
  const entries = manifestRoutes(manifest);
  const scoped = <T>(kind: RouteKind, read: (r: ManifestRoute) => T) =>
    entries.filter((r) => r.kind === kind)
      .map((r) => ({ dir: routeDir(r.file), value: read(r) }))
      .sort((a, b) => depth(a.dir) - depth(b.dir));
  const middlewares = scoped("middleware", middlewaresOf<State>);
  const layouts = scoped("layout", (r) => componentOf(r, true));
  const inDir = <T>(list: { dir: string; value: T }[], dir: string) =>
    list.filter((x) => inScope(dir, x.dir)).map((x) => x.value);
  const special = (kind: RouteKind) => {
    const found = entries.find((r) => r.kind === kind);
    return found && componentOf(found, true);
  };

  const routes = entries.filter((r) => r.kind === "route").map((r): RouteEntry<State> => {
    if (!r.pattern) throw new Error(`routes/${r.file}: no pattern`);
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

/** The manifest's routes with their kinds and patterns, read from their paths. */
function manifestRoutes(manifest: Manifest): ManifestRoute[] {
  return Object.entries(manifest.routes).map(([path, module]) => {
    const file = below("routes", path);
    const kind = routeKind(file);
    return { file, kind, pattern: kind === "route" ? routePattern(file) : undefined, module };
  });
}

function below(folder: string, path: string): string {
  const prefix = `./${folder}/`;
  if (!path.startsWith(prefix)) throw new Error(`${path}: expected a path below ${prefix}`);
  return path.slice(prefix.length);
}

function islandRegistry(islands: Manifest["islands"]): IslandRegistry {
  const registry = new Map<AnyComponent, string>();
  for (const [path, module] of Object.entries(islands)) {
    const name = islandName(below("islands", path));
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

function handlerOf<State>(
  route: ManifestRoute,
): Handler<unknown, State> | Handlers<unknown, State> | undefined {
  const handler = route.module.handler;
  if (handler === undefined || typeof handler === "function") {
    return handler as Handler<unknown, State> | Handlers<unknown, State> | undefined;
  }
  if (typeof handler === "object" && handler !== null) {
    for (const [method, fn] of Object.entries(handler)) {
      if (!/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(method) || typeof fn !== "function") {
        throw new Error(`routes/${route.file}: handler.${method} is not a method handler`);
      }
    }
    return handler as Handlers<unknown, State>;
  }
  throw new Error(`routes/${route.file}: handler must be a function or an object of methods`);
}

function middlewaresOf<State>(route: ManifestRoute): MiddlewareHandler<State>[] {
  const handler = route.module.handler;
  const list = Array.isArray(handler) ? handler : [handler];
  if (list.some((fn) => typeof fn !== "function")) {
    throw new Error(
      `routes/${route.file}: handler must be a middleware function or an array of them`,
    );
  }
  return list as MiddlewareHandler<State>[];
}

function depth(dir: string): number {
  return dir === "" ? 0 : dir.split("/").length;
}
