import type { Session, SessionStore } from "../../app/ports.ts";
import type { Sql } from "./connect.ts";
import { SESSIONS_CHANNEL } from "./tables.ts";

/** Sessions last 30 days at most. */
const LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** Default idle timeout: 7 days without a request (SESSION_IDLE_S). */
const IDLE_S = 7 * 24 * 60 * 60;
/** `last_seen_at` is written at most this often per session, not on every request. */
const TOUCH_EVERY_S = 60;

/**
 * What the table stores for a session id: HMAC-SHA-256 keyed with
 * SESSION_SECRET when one is set (a stolen table plus a guessed id still
 * needs the secret), else plain SHA-256 (the id's 256 random bits suffice).
 */
async function hasher(secret: string | undefined): Promise<(id: string) => Promise<string>> {
  const encode = (s: string) => new TextEncoder().encode(s);
  const b64 = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf)));
  if (!secret) return async (id) => b64(await crypto.subtle.digest("SHA-256", encode(id)));
  const key = await crypto.subtle.importKey(
    "raw",
    encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return async (id) => b64(await crypto.subtle.sign("HMAC", key, encode(id)));
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * Sessions in PostgreSQL (the event store database). The id is 256 random
 * bits; the table keeps only its hash. A session is refused once expired,
 * once unused for `idleSeconds`, and at once after sign-out (its row is gone).
 * Rotating SESSION_SECRET: pass the old one as `previousSecret` for a while;
 * a session found under it is moved to the new secret's hash (where the
 * process may insert and delete), so once every active session was seen, or
 * after the session lifetime, the old secret can go. Without it, a new
 * secret signs everyone out.
 *
 * @example
 * ```ts
 * const sessions = postgresSessionStore(sql);
 * const { id } = await sessions.create({ userId, username: "alice" });
 * ```
 */
export function postgresSessionStore(
  sql: Sql,
  options: { secret?: string; previousSecret?: string; idleSeconds?: number } = {},
): SessionStore {
  const hashing = hasher(options.secret);
  const idle = options.idleSeconds ?? IDLE_S;
  const hashOf = async (id: string) => (await hashing)(id);
  const previous = options.previousSecret === undefined ? null : hasher(options.previousSecret);
  /** Re-keys a session found under the previous secret; best effort (a query process may only read). */
  const rekey = async (oldHash: string, newHash: string) => {
    try {
      await sql`
        with moved as (delete from sessions where id_hash = ${oldHash} returning *)
        insert into sessions
        select (jsonb_populate_record(null::sessions,
                  to_jsonb(moved) || jsonb_build_object('id_hash', ${newHash}::text))).*
        from moved
        on conflict (id_hash) do nothing`;
    } catch {
      // Still valid under the previous secret; a process that may write moves it later.
    }
  };
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
      const hash = await hashOf(id);
      const oldHash = previous ? await (await previous)(id) : hash;
      const [row] = await sql`
        select id_hash, user_id, username, expires_at,
               last_seen_at < now() - make_interval(secs => ${TOUCH_EVERY_S}) as stale
        from sessions
        where id_hash in (${hash}, ${oldHash}) and expires_at > now()
          and last_seen_at > now() - make_interval(secs => ${idle})
        order by id_hash = ${hash} desc limit 1`;
      if (row && row.id_hash !== hash) await rekey(oldHash, hash);
      if (row?.stale) {
        // Best effort: a read-only (query role) process cannot write, and need not.
        await sql`update sessions set last_seen_at = now() where id_hash = ${hash}`.catch(() => {});
      }
      return row
        ? { userId: row.user_id, username: row.username, expiresAt: row.expires_at }
        : null;
    },
    async delete(id) {
      const oldHash = previous ? await (await previous)(id) : null;
      // Processes that cache sessions forget the user's on this notification (sent on commit).
      await sql`
        with gone as (
          delete from sessions where id_hash in (${await hashOf(id)}, ${oldHash ?? ""})
          returning user_id
        )
        select pg_notify(${SESSIONS_CHANNEL}, user_id::text) from gone`;
    },
  };
}
