import postgres from "postgres";
import { HttpError } from "../web/http_error.ts";

/** SQLSTATEs of a server that is shutting down, starting up or was restarted under us. */
const UNAVAILABLE_STATES = new Set([
  "57P01", // admin_shutdown: the server terminated the connection
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
  "08000", // connection_exception
  "08001", // unable to establish a connection
  "08003", // connection does not exist
  "08006", // connection_failure
]);

/** postgres.js's own codes for a connection that failed or broke. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
]);

/**
 * True when `error` says the database cannot be reached right now (down,
 * restarting, connection cut), as opposed to a query that is wrong: the
 * request may succeed if retried shortly, so the web answers 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof postgres.PostgresError && UNAVAILABLE_STATES.has(e.code)) return true;
    const code = typeof e === "object" ? Reflect.get(e, "code") : undefined;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    if (e instanceof Deno.errors.ConnectionRefused || e instanceof Deno.errors.ConnectionReset) {
      return true;
    }
    // Node's socket layer (postgres.js writes after the server closed) names no code.
    if (e instanceof Error && /socket has been ended by the other party/.test(e.message)) {
      return true;
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/**
 * The answer to a request that met an unavailable database: 503 with a
 * message the user can act on, and `Retry-After`. Other errors pass through.
 */
export function databaseUnavailableAs503(error: unknown): unknown {
  if (!isDatabaseUnavailable(error)) return error;
  return new HttpError(503, "The database is unavailable right now; please retry in a moment.", {
    code: "database_unavailable",
    headers: { "retry-after": "5" },
    expose: true,
    cause: error,
  });
}
