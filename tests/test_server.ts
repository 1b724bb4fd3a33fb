/**
 * A whole web process for end-to-end tests: its own database, its own Kafka
 * topic and consumer group, web + worker in one process on a free port.
 */
import { silentLogger } from "../app/log.ts";
import { loadConfig } from "../infra/config.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { runAdmin } from "../scripts/admin.ts";
import { startServer } from "../server.ts";
import manifest from "../fresh.gen.ts";
import freshConfig from "../fresh.config.ts";

/** The app's routes, islands and Fresh configuration, as main.ts passes them. */
export const WEB = { manifest, config: freshConfig };

/**
 * Starts a test server; dispose it to stop everything and drop the database.
 *
 * @example
 * ```ts
 * await using server = await testServer();
 * const res = await fetch(`${server.url}/`);
 * ```
 */
export async function testServer(options: { env?: Record<string, string> } = {}) {
  const db = await tempDatabase("agora_web");
  const id = crypto.randomUUID().slice(0, 8);
  const config = loadConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: Deno.env.get("KAFKA_BROKERS") ?? "127.0.0.1:9092",
    KAFKA_TOPIC: `agora.web.${id}`,
    KAFKA_GROUP_ID: `web-${id}`,
    PORT: "0",
    // Test clients stand for many addresses with X-Forwarded-For, as if behind one proxy.
    TRUST_PROXY: "1",
    LOG_LEVEL: "error",
    ...options.env,
  });
  const server = await startServer(config, {
    web: WEB,
    logger: silentLogger,
    withWorker: true,
  });
  return {
    ...server,
    db,
    /** Makes `username` an administrator the way the operator does: `deno task admin grant`. */
    async grantAdmin(username: string) {
      const code = await runAdmin(server.system, ["grant", username], () => {});
      if (code !== 0) throw new Error(`admin grant ${username} exited ${code}`);
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await db[Symbol.asyncDispose]();
    },
  };
}

/**
 * A tiny cookie-keeping HTTP client for one user (no browser).
 *
 * @example
 * ```ts
 * const alice = client(server.url);
 * await alice.json("POST", "/api/v1/users", { username: "alice", password: "password-1" });
 * ```
 */
export function client(base: string) {
  const jar = new Map<string, string>();
  async function request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(`${base}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim())) || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
  return {
    jar,
    request,
    /** JSON in, JSON out (body read for you; `status` and `headers` kept). */
    async json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await request(path, {
        method,
        headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // deno-lint-ignore no-explicit-any
      const data: any = text ? JSON.parse(text) : null;
      return { status: res.status, headers: res.headers, data };
    },
    /** A same-origin form POST, as a browser sends it. */
    form(path: string, fields: Record<string, string>) {
      return request(path, {
        method: "POST",
        headers: { origin: base, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      });
    },
  };
}
