import type { Logger } from "./app/log.ts";
import type { Config } from "./infra/config.ts";
import { databaseUnavailableAs503 } from "./infra/postgres/unavailable.ts";
import { createSystem, type System } from "./infra/system.ts";
import { webServices } from "./infra/web_services.ts";
import { createApp, type FreshConfig, type Manifest, type WebApp } from "./infra/web/mod.ts";
import { isHttpsRequest } from "./utils/client_address.ts";
import { pageCacheFor } from "./utils/page_cache.ts";
import type { State } from "./utils/state.ts";

/** A running web process: the system, the web app, and the HTTP server. */
export type Server = {
  system: System;
  app: WebApp;
  url: string;
  shutdown(): Promise<void>;
};

/**
 * Builds the system and serves the web app on `config.PORT` (0 = any free
 * port, for tests). With `withWorker`, the relay and projector run in the
 * same process (`deno task dev`, ROLE=all).
 *
 * @example
 * ```ts
 * const server = await startServer(config, { logger, withWorker: true });
 * ```
 */
export async function startServer(
  config: Config,
  options: {
    /** The routes and islands (`fresh.gen.ts`) and `fresh.config.ts`, as main.ts imports them. */
    web: { manifest: Manifest; config: FreshConfig };
    logger: Logger;
    withWorker?: boolean;
    hostname?: string;
    /** Share the port with other servers (SO_REUSEPORT, Linux): WEB_THREADS. */
    reusePort?: boolean;
    /** Called after each append (Deploy: nudges the cron pipeline). */
    afterAppend?: () => void;
    /** Answers a request before the app does, or returns null (Deploy: the tick route). */
    intercept?: (req: Request) => Promise<Response> | null;
  },
): Promise<Server> {
  const { logger, intercept } = options;
  const system = await createSystem(config, {
    logger,
    startWorker: options.withWorker,
    afterAppend: options.afterAppend,
  });
  const services = webServices(system);
  const pages = pageCacheFor({
    entries: config.PAGE_CACHE_ENTRIES,
    ttlMs: config.PAGE_CACHE_TTL_MS,
  });
  const app = createApp<State>({
    manifest: options.web.manifest,
    config: options.web.config,
    logger: { error: (msg, fields) => logger.error(msg, fields) },
    mapError: databaseUnavailableAs503,
    // Routes see the mediator and the web edge's narrow ports, never the system itself.
    initialState: (_req, info, nonce) => ({
      mediator: system.mediator,
      services,
      info,
      nonce,
      pages,
    }),
    isHttps: (req) =>
      isHttpsRequest(req, { publicUrl: config.PUBLIC_URL, trustedProxies: config.TRUST_PROXY }),
  });
  // The deadline covers the app; an intercepted request (Deploy's tick) runs as long as it needs.
  const answer = withDeadline((req, info) => app.fetch(req, info), logger);
  const httpServer = Deno.serve(
    {
      port: config.PORT,
      hostname: options.hostname ?? "127.0.0.1",
      reusePort: options.reusePort,
      onListen: () => {},
    },
    intercept ? (req, info) => intercept(req) ?? answer(req, info) : answer,
  );
  const { hostname, port } = httpServer.addr;
  return {
    system,
    app,
    url: `http://${hostname}:${port}`,
    async shutdown() {
      // Stop accepting, end live streams, let in-flight requests finish,
      // then stop the worker (it commits its batch) and close the stores.
      system.endLiveStreams();
      await httpServer.shutdown();
      await system.close();
    },
  };
}

/** A request not answered by then gets a 503 (its streamed body, e.g. live updates, may run on). */
const REQUEST_DEADLINE_MS = 8_000;

/**
 * Bounds how long a request may wait for its answer: a database that is
 * restarting can leave a query unanswered for long (postgres.js may keep a
 * connection attempt open), and a client must get a clear 503 instead of a
 * hang. The work itself is not cancelled: a write may still commit, as any
 * 503 on a write allows; retrying it is safe for the idempotent API calls.
 */
function withDeadline(
  fetch: (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
  logger: Logger,
): (req: Request, info: Deno.ServeHandlerInfo) => Promise<Response> {
  return async (req, info) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<Response>((resolve) => {
      timer = setTimeout(() => {
        const path = new URL(req.url).pathname;
        logger.warn("web: request not answered in time", { method: req.method, path });
        const error = {
          code: "timeout",
          message: "The server could not answer in time; please retry in a moment.",
        };
        resolve(
          path.startsWith("/api/")
            ? Response.json({ error }, { status: 503, headers: { "retry-after": "5" } })
            : new Response(`503 ${error.message}`, {
              status: 503,
              headers: { "retry-after": "5", "content-type": "text/plain; charset=utf-8" },
            }),
        );
      }, REQUEST_DEADLINE_MS);
    });
    try {
      return await Promise.race([Promise.resolve(fetch(req, info)), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}
