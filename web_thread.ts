/**
 * One more web server in its own thread (a Web Worker of `main.ts`, started
 * when WEB_THREADS > 1): the same app on the same port (SO_REUSEPORT, the
 * kernel spreads connections), with its own connection pools and session
 * cache. It never runs the relay or the projector.
 *
 * @module
 */
import { jsonLogger } from "./app/log.ts";
import { loadConfig } from "./infra/config.ts";
import { type Server, startServer } from "./server.ts";
import manifest from "./fresh.gen.ts";
import freshConfig from "./fresh.config.ts";

/** What `main.ts` tells a thread. */
export type ThreadCommand = { type: "start"; index: number } | { type: "stop" };
/** What a thread answers. */
export type ThreadEvent =
  | { type: "listening" }
  | { type: "failed"; message: string }
  | { type: "stopped" };

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ThreadCommand>) => void) | null;
  postMessage(message: ThreadEvent): void;
  close(): void;
};

let server: Server | null = null;

scope.onmessage = async ({ data }) => {
  if (data.type === "start") {
    try {
      const config = loadConfig(Deno.env.toObject());
      const logger = jsonLogger(config.LOG_LEVEL, { role: config.ROLE, thread: data.index });
      server = await startServer(config, {
        web: { manifest, config: freshConfig },
        logger,
        hostname: config.LISTEN_HOST,
        reusePort: true,
      });
      scope.postMessage({ type: "listening" });
    } catch (error) {
      scope.postMessage({ type: "failed", message: String(error) });
    }
    return;
  }
  await server?.shutdown();
  scope.postMessage({ type: "stopped" });
  scope.close();
};
