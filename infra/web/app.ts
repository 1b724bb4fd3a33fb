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
import type { AssetUrls } from "./Assets.tsx";
import { type Context, type DefaultState, redirect, type RenderInit } from "./context.ts";
import { errorHandler, type ErrorLogger, type OnError } from "./error_handler.ts";
import { type Middleware, runChain, runHandler } from "./handlers.ts";
import { errorBody, HttpError } from "./http_error.ts";
import { type Manifest, type RouteEntry, routeTable } from "./manifest.ts";
import { type PageParts, renderPage } from "./render.tsx";
import { honoPaths } from "./route_pattern.ts";
import { staticFiles } from "./static_files.ts";

/** Options of {@link createApp}. */
export type AppOptions<State> = {
  manifest: Manifest;
  /** Called for errors on pages (not on `api/` paths), before the error pages. */
  onError?: OnError<State>;
  /** Defaults to `console.error`. Only 5xx are logged. */
  logger?: ErrorLogger;
  /**
   * Translates an error before it is answered, on every path (e.g. a database
   * that is down into a 503), so infrastructure errors map to HTTP in one place.
   */
  mapError?: (error: unknown) => unknown;
  /** Served as they are at their path, with a short cache; default `static/` beside the manifest. */
  staticDir?: URL;
  /** Output of `deno task build`; default `_build/` beside the manifest. */
  buildDir?: URL;
  /** Overrides the built assets' URLs (tests). Default: read `assets.json` in `buildDir`. */
  assets?: AssetUrls;
  /** Paths below this prefix answer errors in JSON. Default `"/api"`. */
  apiPrefix?: string;
  /** The state each request starts with (e.g. the app's services); middlewares add to it. */
  initialState?: (req: Request, info?: Deno.ServeHandlerInfo) => Partial<State>;
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

/** Where one request goes once Hono has matched it (or not). */
type Target<State> = {
  route: string | null;
  params: Record<string, string>;
  chain: readonly Middleware<State>[];
  /** The page `ctx.render` renders; absent for handler-only (e.g. `api/`) routes. */
  parts?: PageParts;
  /** The status `ctx.render` defaults to (404 on the not-found page). */
  status?: number;
  last: (ctx: Context<State>) => Promise<Response>;
};

/**
 * The web app of a manifest. Module exports are checked here, once; a bad
 * route module stops the start with its file named.
 *
 * @example
 * ```ts
 * import manifest from "./manifest.gen.ts";
 * const app = createApp<State>({ manifest, logger, onError: rerenderForms });
 * Deno.serve(app.fetch);
 * ```
 */
export function createApp<State = DefaultState>(options: AppOptions<State>): WebApp {
  const { manifest } = options;
  const apiPrefix = options.apiPrefix ?? "/api";
  const buildDir = options.buildDir ?? new URL("./_build/", manifest.baseUrl);
  const table = routeTable<State>(manifest);
  // Read asynchronously (no synchronous file-system work at start); requests wait for it.
  let assets: AssetUrls = options.assets ?? {};
  const ready = (options.assets ? Promise.resolve(assets) : readAssets(buildDir)).then((read) => {
    assets = read;
    if (table.islands.size > 0 && !assets.islands) {
      console.warn(
        "web: the manifest has islands but no islands bundle exists; run deno task build",
      );
    }
  });
  const files = [
    staticFiles(new URL("./static/", buildDir), {
      prefix: "/_build/static",
      cacheControl: BUILD_CACHE,
    }),
    staticFiles(options.staticDir ?? new URL("./static/", manifest.baseUrl), {
      prefix: "/",
      cacheControl: STATIC_CACHE,
    }),
  ];
  const isApi = (url: URL) =>
    url.pathname === apiPrefix || url.pathname.startsWith(apiPrefix + "/");
  const partsOf = (page: PageParts["page"] | undefined, layouts: PageParts["layouts"]) =>
    page && { app: table.app, layouts, page };
  const notFoundPage = partsOf(table.notFound, table.rootLayouts);
  const errorPage = partsOf(table.error, table.rootLayouts);

  const render = (
    ctx: Context<State>,
    page: { parts: PageParts; data: unknown; init?: RenderInit },
  ) =>
    renderPage(page.parts, {
      props: {
        data: page.data,
        url: ctx.url,
        params: ctx.params,
        route: ctx.route,
        state: ctx.state,
      },
      init: page.init,
      assets: { ...assets, nonce: ctx.nonce },
      islands: table.islands,
    });

  const answerError = errorHandler<State>({
    logger: options.logger ?? { error: (message, fields) => console.error(message, fields) },
    onError: options.onError,
    mapError: options.mapError,
    isApi,
    errorPage(ctx, { data, headers }) {
      const parts = data.status === 404 ? notFoundPage : errorPage;
      return parts && render(ctx, { parts, data, init: { status: data.status, headers } });
    },
  });

  async function serve(
    req: Request,
    target: Target<State>,
    request: { info?: Deno.ServeHandlerInfo; nonce?: string },
  ): Promise<Response> {
    const url = new URL(req.url);
    const ctx: Context<State> = {
      req,
      url,
      params: target.params,
      route: target.route,
      // filled in by middlewares; the app's State type says what they add
      state: (options.initialState?.(req, request.info) ?? {}) as State,
      nonce: request.nonce,
      render(data, init) {
        if (!target.parts) throw new Error(`${url.pathname}: this route has no page to render`);
        const status = init?.status ?? target.status;
        const parts = target.parts;
        return Promise.resolve(render(ctx, { parts, data, init: { ...init, status } }));
      },
      redirect,
      next: () => Promise.reject(new Error("ctx.next() is only for middlewares")),
    };
    // The route's errors are answered inside the chain, so middlewares see
    // (and may add headers to) error pages like any response; a middleware's
    // own error is answered outside it.
    const last = () => target.last(ctx).catch((error) => answerError(error, ctx));
    try {
      return await runChain(ctx, { chain: target.chain, last });
    } catch (error) {
      return await answerError(error, ctx);
    }
  }

  const routeTarget = (route: RouteEntry<State>): Omit<Target<State>, "params"> => ({
    route: route.pattern,
    chain: route.middlewares,
    parts: partsOf(route.page, route.layouts),
    last: (ctx) => runHandler({ handler: route.handler, hasPage: !!route.page }, ctx),
  });

  const notFound: Target<State> = {
    route: null,
    params: {},
    chain: table.rootMiddlewares,
    parts: notFoundPage,
    status: 404,
    last(ctx) {
      // Rendered here rather than thrown, so the root middlewares wrap it like any page.
      if (!notFoundPage || isApi(ctx.url)) return Promise.reject(new HttpError(404));
      const data = { status: 404, ...errorBody(new HttpError(404)) };
      return Promise.resolve(render(ctx, { parts: notFoundPage, data, init: { status: 404 } }));
    },
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

async function readAssets(buildDir: URL): Promise<AssetUrls> {
  let text: string;
  try {
    text = await Deno.readTextFile(new URL("./assets.json", buildDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
  const names = JSON.parse(text) as { styles?: string | null; islands?: string | null };
  const url = (name?: string | null) => name ? `/_build/static/${name}` : undefined;
  return { styles: url(names.styles), islands: url(names.islands) };
}
