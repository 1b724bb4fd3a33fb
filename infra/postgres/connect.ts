import postgres from "postgres";
import { messageOf } from "../../app/log.ts";

/** Seconds a new connection may take before the query using it fails. */
const CONNECT_TIMEOUT_S = 3;

/** A postgres.js client. */
export type Sql = postgres.Sql;

/** TLS settings of a connection beyond what the URL says. */
export type ConnectTls = {
  /** PEM of the certificate authorities to trust (`DATABASE_CA_FILE`), instead of the system's. */
  ca?: string;
};

/**
 * Opens a connection pool. TLS follows the URL's `sslmode`: `verify-full`
 * (recommended for managed databases) checks the server's certificate and
 * host name, against `tls.ca` when given (see `databaseTls`), else against
 * the system's roots; `require` encrypts without checking who answers.
 * Notices are dropped so `create ... if not exists` stays quiet.
 *
 * @example
 * ```ts
 * const sql = connect("postgres://postgres@127.0.0.1:5432/agora");
 * ```
 */
export function connect(
  url: string,
  options: { max?: number; name?: string; tls?: ConnectTls } = {},
): Sql {
  survivingDriverSocketRace();
  const { url: target, sslmode, host } = withoutRootCert(url);
  const verify = sslmode === "verify-full" || sslmode === "verify-ca";
  return postgres(target, {
    max: options.max ?? 10,
    onnotice: () => {},
    // A server that is restarting can accept a connection and not answer it: give up after
    // a few seconds, so a request gets a 503 in bounded time instead of hanging.
    connect_timeout: CONNECT_TIMEOUT_S,
    connection: { application_name: options.name ?? "agora" },
    // verify-ca is checked as verify-full (host name too), as postgres.js does. `host`: the
    // name the certificate must carry; without it node:tls checks an IP address against
    // "localhost" (postgres.js gives no SNI name for an IP).
    ...(verify
      ? { ssl: { rejectUnauthorized: true, ...(host ? { host } : {}), ca: options.tls?.ca } }
      : {}),
  });
}

/**
 * The TLS settings for `url`: with `sslmode=verify-full` (or `verify-ca`),
 * the CA from `DATABASE_CA_FILE`, else the URL's `sslrootcert`, else
 * `PGSSLROOTCERT`; none of them: the system's roots. A CA file with another
 * `sslmode` is a configuration error (it would not be checked).
 *
 * @example
 * ```ts
 * const sql = connect(url, { tls: await databaseTls(url, Deno.env.toObject()) });
 * ```
 */
export async function databaseTls(
  url: string,
  env: Record<string, string | undefined>,
): Promise<ConnectTls> {
  const { sslmode, rootCert } = withoutRootCert(url);
  const verify = sslmode === "verify-full" || sslmode === "verify-ca";
  const configured = env.DATABASE_CA_FILE || undefined;
  if (configured && !verify) {
    throw new Error(
      `DATABASE_CA_FILE is set but the URL's sslmode is ${sslmode ?? "unset"}: ` +
        "add ?sslmode=verify-full to DATABASE_URL so the certificate is checked",
    );
  }
  if (!verify) return {};
  const [name, path] = configured
    ? ["DATABASE_CA_FILE", configured]
    : rootCert && rootCert !== "system"
    ? ["sslrootcert", rootCert]
    : env.PGSSLROOTCERT && env.PGSSLROOTCERT !== "system"
    ? ["PGSSLROOTCERT", env.PGSSLROOTCERT]
    : [null, null];
  if (!path) return {};
  try {
    return { ca: await Deno.readTextFile(path) };
  } catch (error) {
    throw new Error(
      `${name}: cannot read ${path}: ${messageOf(error)}`,
    );
  }
}

/** The URL without libpq's `sslrootcert` (postgres.js would send it to the server as a setting). */
function withoutRootCert(
  url: string,
): { url: string; sslmode?: string; rootCert?: string; host?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  const sslmode = parsed.searchParams.get("sslmode") ?? parsed.searchParams.get("ssl") ?? undefined;
  const rootCert = parsed.searchParams.get("sslrootcert") ?? undefined;
  // One host (a multi-host URL keeps postgres.js' own check).
  const name = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const host = name && !name.includes(",") ? decodeURIComponent(name) : undefined;
  if (rootCert === undefined || rootCert === "system") return { url, sslmode, rootCert, host };
  parsed.searchParams.delete("sslrootcert");
  return { url: parsed.toString(), sslmode, rootCert, host };
}

/** True when the error is a Postgres unique violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof postgres.PostgresError) || error.code !== "23505") return false;
  return constraint === undefined || error.constraint_name === constraint;
}

let guarded = false;

/**
 * postgres.js 3.4 can flush a buffered write after the server closed the
 * socket (a restart, a cut connection) and throws from a timer callback,
 * which would end the process. The connection's queries already fail with
 * CONNECTION_CLOSED and the pool reconnects, so that one error is logged and
 * the process lives on; any other uncaught error still ends it.
 */
function survivingDriverSocketRace(): void {
  if (guarded) return;
  guarded = true;
  globalThis.addEventListener("error", (event) => {
    const error: unknown = event.error;
    if (
      error instanceof TypeError && /reading 'write'/.test(error.message) &&
      /postgres\/src\/connection\.js/.test(error.stack ?? "")
    ) {
      event.preventDefault();
      console.error(JSON.stringify({
        time: new Date().toISOString(),
        level: "warn",
        msg: "postgres.js wrote to a closed connection; the connection is dropped",
      }));
    }
  });
}
