import type { Logger } from "./app/log.ts";
import type { Config } from "./infra/config.ts";
import { createSystem, type System } from "./infra/system.ts";
import { createApp, type WebApp } from "./infra/web/mod.ts";
import { isHttpsRequest } from "./infra/web/client_address.ts";
import manifest from "./manifest.gen.ts";
import type { State } from "./utils.ts";

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
    logger: Logger;
    withWorker?: boolean;
    hostname?: string;
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
  const app = createApp<State>({
    manifest,
    logger: { error: (msg, fields) => logger.error(msg, fields) },
    initialState: (_req, info) => ({ system, info }),
    isHttps: (req) =>
      isHttpsRequest(req, { publicUrl: config.PUBLIC_URL, trustedProxies: config.TRUST_PROXY }),
  });
  const httpServer = Deno.serve(
    {
      port: config.PORT,
      hostname: options.hostname ?? "127.0.0.1",
      onListen: () => {},
    },
    intercept
      ? (req, info) => intercept(req) ?? app.fetch(req, info)
      : (req, info) => app.fetch(req, info),
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
