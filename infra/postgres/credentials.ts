import type { CredentialStore } from "../../app/ports.ts";
import type { Sql } from "./connect.ts";

/**
 * Password hashes in the event store database's `credentials` table
 * (migration 005), which only the command role may read.
 *
 * @example
 * ```ts
 * const credentials = postgresCredentialStore(sql);
 * await credentials.save(userId, await hasher.hash(password));
 * ```
 */
export function postgresCredentialStore(sql: Sql): CredentialStore {
  return {
    async save(userId, passwordHash) {
      await sql`insert into credentials (user_id, password_hash)
                values (${userId}, ${passwordHash})`;
    },
    async find(userId) {
      const [row] = await sql`select password_hash from credentials where user_id = ${userId}`;
      return row ? String(row.password_hash) : null;
    },
    async delete(userId) {
      await sql`delete from credentials where user_id = ${userId}`;
    },
  };
}
