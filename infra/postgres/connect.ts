import postgres from "postgres";

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
  const { url: target, sslmode, host } = withoutRootCert(url);
  const verify = sslmode === "verify-full" || sslmode === "verify-ca";
  return postgres(target, {
    max: options.max ?? 10,
    onnotice: () => {},
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
      `${name}: cannot read ${path}: ${error instanceof Error ? error.message : error}`,
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
