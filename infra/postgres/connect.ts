import postgres from "postgres";

/** A postgres.js client. */
export type Sql = postgres.Sql;

/**
 * Opens a connection pool. TLS follows the URL (`?sslmode=require` for
 * managed databases); notices are dropped so `create ... if not exists` stays quiet.
 *
 * @example
 * ```ts
 * const sql = connect("postgres://postgres@127.0.0.1:5432/agora");
 * ```
 */
export function connect(url: string, options: { max?: number; name?: string } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.name ?? "agora" },
  });
}

/** True when the error is a Postgres unique violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof postgres.PostgresError) || error.code !== "23505") return false;
  return constraint === undefined || error.constraint_name === constraint;
}
