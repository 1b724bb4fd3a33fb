import type { Session, SessionStore } from "../../app/ports.ts";
import type { Sql } from "./connect.ts";

/** Sessions last 30 days. */
const LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

async function hashOf(id: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(id));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * Sessions in PostgreSQL (the event store database). The id is 256 random
 * bits; the table keeps only its SHA-256.
 *
 * @example
 * ```ts
 * const sessions = postgresSessionStore(sql);
 * const { id } = await sessions.create({ userId, username: "alice" });
 * ```
 */
export function postgresSessionStore(sql: Sql): SessionStore {
  return {
    async create(user) {
      const id = newId();
      const expiresAt = new Date(Date.now() + LIFETIME_MS);
      await sql`insert into sessions (id_hash, user_id, username, expires_at)
                values (${await hashOf(id)}, ${user.userId}, ${user.username}, ${expiresAt})`;
      // Opportunistic clean-up keeps the table small without a scheduler.
      await sql`delete from sessions where expires_at < now()`;
      return { id, expiresAt };
    },
    async find(id): Promise<Session | null> {
      if (!id || id.length > 100) return null;
      const [row] = await sql`
        select user_id, username, expires_at from sessions
        where id_hash = ${await hashOf(id)} and expires_at > now()`;
      return row
        ? { userId: row.user_id, username: row.username, expiresAt: row.expires_at }
        : null;
    },
    async delete(id) {
      await sql`delete from sessions where id_hash = ${await hashOf(id)}`;
    },
  };
}
