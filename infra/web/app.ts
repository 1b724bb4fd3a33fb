/**
 * The web app built from a manifest: static files, then file routes (each
 * behind its folders' middlewares), then the 404 page, with one error
 * handler for everything. Hono does the routing underneath.
 *
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { NONCE, secureHeaders } from "hono/secure-headers";
import { type DefaultState, type FreshContext, type RenderOptions } from "./context.ts";
import { announceConfig, type FreshConfig, isDevServer, resolveConfig } from "./config.ts";
import { errorHandler, type ErrorLogger, type OnError } from "./error_handler.ts";
import { type MiddlewareHandler, runChain, runHandler } from "./handlers.ts";
import { errorBody, HttpError } from "./http_error.ts";
import { type Manifest, type RouteEntry, routeTable } from "./manifest.ts";
import { type PageParts, type RenderAssets, renderPage } from "./render.tsx";
import { honoPaths } from "./route_pattern.ts";
import { staticFiles } from "./static_files.ts";

/** Options of {@link createApp}. */
export type AppOptions<State> = {
  manifest: Manifest;
  /** `fresh.config.ts`'s default export: static folder, build folder, plugins. */
  config?: FreshConfig;
  /** Called for errors on pages (not on `api/` paths), before the error pages. */
  onError?: OnError<State>;
  /** Defaults to `console.error`. Only 5xx are logged. */
  logger?: ErrorLogger;
  /**
   * Translates an error before it is answered, on every path (e.g. a database
   * that is down into a 503), so infrastructure errors map to HTTP in one place.
   */
  mapError?: (error: unknown) => unknown;
  /** Overrides the built assets (tests). Default: read `assets.json` in the build folder. */
  assets?: RenderAssets;
  /** Paths below this prefix answer errors in JSON. Default `"/api"`. */
  apiPrefix?: string;
  /** The state each request starts with (e.g. the app's services); middlewares add to it. */
  initialState?: (
    req: Request,
    info?: Deno.ServeHandlerInfo,
    nonce?: string,
  ) => Partial<State>;
  /** Largest request body, also when chunked; more is answered 413 unread. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Whether this request reached the site over HTTPS (then HSTS is sent). Default: never. */
  isHttps?: (req: Request, info?: Deno.ServeHandlerInfo) => boolean;
};

/** The running app: hand `fetch` to `Deno.serve` (with its connection info). */
export type WebApp = {
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Promise<Response>;
};

/** HSTS for a site served over HTTPS: a year. */
const HSTS = "max-age=31536000; includeSubDomains";

/** The `Cache-Control` of files in `static/`: short, they keep their names across deploys. */
export const STATIC_CACHE = "public, max-age=300, must-revalidate";
/** The `Cache-Control` of hashed build output: the name changes when the content does. */
export const BUILD_CACHE = "public, max-age=31536000, immutable";
/** Where the build's hashed files are served. */
const BUILD_PREFIX = "/_build/static";

/** Where one request goes once Hono has matched it (or not). */
type Target<State> = {
  route: string;
  params: Record<string, string>;
  chain: readonly MiddlewareHandler<State>[];
  /** The page `ctx.render` renders; absent for handler-only (e.g. `api/`) routes. */
  parts?: PageParts;
  /** The status `ctx.render` defaults to (404 on the not-found page). */
  status?: number;
  last: (req: Request, ctx: FreshContext<State>) => Promise<Response>;
};

/** A connection address for requests that came without one (tests). */
const NO_ADDR: Deno.NetAddr = { transport: "tcp", hostname: "0.0.0.0", port: 0 };

/**
 * The web app of a manifest. Module exports are checked here, once; a bad
 * route module stops the start with its file named.
 *
 * @example
 * ```ts
 * import manifest from "./fresh.gen.ts";
 * import config from "./fresh.config.ts";
 * const app = createApp<State>({ manifest, config, logger });
 * Deno.serve(app.fetch);
 * ```
 */
export function createApp<State = DefaultState>(options: AppOptions<State>): WebApp {
  const { manifest } = options;
  const config = resolveConfig(options.config ?? {}, new URL("./", manifest.baseUrl), {
    dev: isDevServer(),
  });
  const apiPrefix = options.apiPrefix ?? "/api";
  const buildDir = config.build.outDir;
  const table = routeTable<State>(manifest);
  // Read asynchronously (no synchronous file-system work at start); requests wait for it.
  // Under dev.ts the build changes while the server runs: read again for every page.
  let assets: RenderAssets = options.assets ?? { files: {} };
  const readCurrent = async () => {
    assets = await readAssets(buildDir);
    return assets;
  };
  const ready = Promise.all([
    options.assets ? assets : readCurrent(),
    announceConfig(config),
  ]).then(([read]) => {
    if (table.islands.size > 0 && !read.islands) {
      console.warn(
        "web: the manifest has islands but no islands bundle exists; run deno task build",
      );
    }
  });
  const files = [
    staticFiles(new URL("./static/", buildDir), {
      prefix: BUILD_PREFIX,
      cacheControl: BUILD_CACHE,
      relist: config.dev,
    }),
    staticFiles(config.staticDir, { prefix: "/", cacheControl: STATIC_CACHE }),
  ];
  const isApi = (url: URL) =>
    url.pathname === apiPrefix || url.pathname.startsWith(apiPrefix + "/");
  const partsOf = (page: PageParts["page"] | undefined, layouts: PageParts["layouts"]) =>
    page && { app: table.app, layouts, page };
  const notFoundPage = partsOf(table.notFound, table.rootLayouts);
  const errorPage = partsOf(table.error, table.rootLayouts);

  const render = async (
    req: Request,
    ctx: FreshContext<State>,
    page: { parts: PageParts; data: unknown; init?: RenderOptions; error?: unknown },
    nonce?: string,
  ) => {
    const current = config.dev && !options.assets ? await readCurrent() : assets;
    return await renderPage(page.parts, {
      req,
      ctx: { ...ctx, data: page.data, error: page.error },
      init: page.init,
      assets: current,
      islands: table.islands,
      nonce,
    });
  };

  const notFoundData = () => ({ status: 404, ...errorBody(new HttpError(404)) });

  async function serve(
    req: Request,
    target: Target<State>,
    request: { info?: Deno.ServeHandlerInfo; nonce?: string },
  ): Promise<Response> {
    const url = new URL(req.url);
    const { nonce } = request;
    const ctx: FreshContext<State> = {
      url,
      basePath: "",
      route: target.route,
      params: target.params,
      remoteAddr: (request.info?.remoteAddr as Deno.NetAddr | undefined) ?? NO_ADDR,
      isPartial: false,
      config,
      // filled in by middlewares; the app's State type says what they add
      state: (options.initialState?.(req, request.info, nonce) ?? {}) as State,
      data: undefined,
      Component: () => null,
      render(data, init) {
        if (!target.parts) throw new Error(`${url.pathname}: this route has no page to render`);
        const status = init?.status ?? target.status;
        return render(req, ctx, { parts: target.parts, data, init: { ...init, status } }, nonce);
      },
      renderNotFound(data) {
        if (!notFoundPage || isApi(url)) return Promise.reject(new HttpError(404));
        return render(req, ctx, {
          parts: notFoundPage,
          data: data ?? notFoundData(),
          init: { status: 404 },
        }, nonce);
      },
      next: () => Promise.reject(new Error("ctx.next() is only for middlewares")),
    };
    const answerError = errorHandler<State>({
      logger: options.logger ?? { error: (message, fields) => console.error(message, fields) },
      onError: options.onError,
      mapError: options.mapError,
      isApi,
      errorPage(ctx, { data, headers, error }) {
        const parts = data.status === 404 ? notFoundPage : errorPage;
        return parts &&
          render(req, ctx, { parts, data, error, init: { status: data.status, headers } }, nonce);
      },
    });
    // The route's errors are answered inside the chain, so middlewares see
    // (and may add headers to) error pages like any response; a middleware's
    // own error is answered outside it.
    const last = () => target.last(req, ctx).catch((error) => answerError(error, req, ctx));
    try {
      return await runChain(req, ctx, { chain: target.chain, last });
    } catch (error) {
      return await answerError(error, req, ctx);
    }
  }

  const routeTarget = (route: RouteEntry<State>): Omit<Target<State>, "params"> => ({
    route: route.pattern,
    chain: route.middlewares,
    parts: partsOf(route.page, route.layouts),
    last: (req, ctx) => runHandler({ handler: route.handler, hasPage: !!route.page }, req, ctx),
  });

  const notFound: Target<State> = {
    route: "",
    params: {},
    chain: table.rootMiddlewares,
    parts: notFoundPage,
    status: 404,
    // Rendered here rather than thrown, so the root middlewares wrap it like any page.
    last: async (_req, ctx) => await ctx.renderNotFound(),
  };

  type Env = {
    Bindings: { info?: Deno.ServeHandlerInfo };
    Variables: { secureHeadersNonce?: string };
  };
  const hono = new Hono<Env>({ strict: false });
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  // Every response (pages, API, static files, errors): CSP with a fresh nonce
  // per response and no inline script, no framing, nosniff, referrer policy.
  hono.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: [NONCE, "'strict-dynamic'"],
      // Inline style attributes only (a progress bar's width); no inline script.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: "DENY",
    referrerPolicy: "same-origin",
    strictTransportSecurity: false,
  }));
  hono.use(async (c, next) => {
    await next();
    if (options.isHttps?.(c.req.raw, c.env?.info)) {
      c.res.headers.set("strict-transport-security", HSTS);
    }
  });
  // Bodies are bounded before any handler reads them, chunked ones included.
  hono.use(bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => {
      const message = `the body is larger than ${maxBodyBytes} bytes`;
      return isApi(new URL(c.req.url))
        ? c.json({ error: { code: "payload_too_large", message } }, 413)
        : c.text(`413 ${message}`, 413);
    },
  }));
  hono.use(async (c, next) => {
    const url = new URL(c.req.url);
    for (const dir of files) {
      const res = await dir.serve(c.req.raw, url);
      if (res) return res;
    }
    await next();
  });
  // Registration order is match order: `table.routes` is sorted static-first.
  for (const route of table.routes) {
    const target = routeTarget(route);
    for (const path of honoPaths(route.pattern)) {
      hono.all(
        path,
        (c) =>
          serve(c.req.raw, { ...target, params: paramsOf(route, c.req.param()) }, {
            info: c.env?.info,
            nonce: c.get("secureHeadersNonce"),
          }),
      );
    }
  }
  hono.notFound((c) =>
    serve(c.req.raw, notFound, { info: c.env?.info, nonce: c.get("secureHeadersNonce") })
  );
  // Only reached when serving a static file fails; routes answer their own errors.
  hono.onError((error) => {
    console.error("web: serving a static file failed", error);
    return new Response("500 Internal Server Error", { status: 500 });
  });

  return {
    async fetch(req, info) {
      await ready;
      return await hono.fetch(req, { info });
    },
  };
}

function paramsOf<State>(route: RouteEntry<State>, params: Record<string, string>) {
  return route.catchAll && params[route.catchAll] === undefined
    ? { ...params, [route.catchAll]: "" }
    : params;
}

async function readAssets(buildDir: URL): Promise<RenderAssets> {
  let text: string;
  try {
    text = await Deno.readTextFile(new URL("./assets.json", buildDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { files: {} };
    throw error;
  }
  const names = JSON.parse(text) as { islands?: string | null; files?: Record<string, string> };
  const files = Object.fromEntries(
    Object.entries(names.files ?? {}).map(([path, name]) => [path, `${BUILD_PREFIX}/${name}`]),
  );
  return { files, islands: names.islands ? `${BUILD_PREFIX}/${names.islands}` : undefined };
}

/**
 * Fresh 1.7's `createHandler`: the app of `manifest` and `config` as a
 * `Deno.serve` handler.
 *
 * @example
 * ```ts
 * Deno.serve(await createHandler(manifest, config));
 * ```
 */
export function createHandler(
  manifest: Manifest,
  config: FreshConfig = {},
): Promise<(req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>> {
  const app = createApp({ manifest, config });
  return Promise.resolve((req, info) => app.fetch(req, info));
}

/**
 * Fresh 1.7's `start`: serves the app on `config.server` (port 8000 by default).
 *
 * @example
 * ```ts
 * await start(manifest, config);
 * ```
 */
export async function start(manifest: Manifest, config: FreshConfig = {}): Promise<void> {
  const handler = await createHandler(manifest, config);
  await Deno.serve({ port: 8000, ...config.server }, handler).finished;
}
