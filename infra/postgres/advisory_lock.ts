import type { Sql } from "./connect.ts";

/**
 * Takes the session advisory lock `name` on `conn` if free. Held until
 * `advisoryUnlock` or until the connection ends (a dead process or a cut
 * connection releases it), so `conn` must be a reserved connection.
 *
 * @example
 * ```ts
 * const conn = await sql.reserve();
 * if (await tryAdvisoryLock(conn, "agora-relay:main")) lead(conn);
 * ```
 */
export async function tryAdvisoryLock(conn: Sql, name: string): Promise<boolean> {
  const [{ locked }] = await conn.unsafe<{ locked: boolean }[]>(
    `select pg_try_advisory_lock(hashtext($1)) as locked`,
    [name],
  );
  return locked;
}

/** Releases the lock; never throws (a lost connection has released it already). */
export async function advisoryUnlock(conn: Sql, name: string): Promise<void> {
  await conn.unsafe(`select pg_advisory_unlock(hashtext($1))`, [name]).catch(() => {});
}
