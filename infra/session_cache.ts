/**
 * Who a session cookie belongs to, remembered for a moment: the web process
 * would otherwise read the session table and the user's stream on every
 * request. Sign-out stays immediate: the signing-out process forgets the
 * session at once, and every other process when the session store's
 * notification arrives (the short time-to-live bounds a lost notification).
 *
 * @module
 */
import type { Actor } from "../domain/mod.ts";

/** Options of {@link sessionCache}. */
export type SessionCacheOptions = {
  /** Looks a session up: its actor, or null (unknown, expired, idle, signed out). */
  resolve(sessionId: string): Promise<Actor | null>;
  /** How long an answer is reused; 0 turns the cache off. */
  ttlMs: number;
  /** Bound on remembered sessions; the oldest go first. Default 10,000. */
  maxEntries?: number;
  /** Clock (tests). */
  now?: () => number;
};

/** The cache: `actor` answers from memory when it can. */
export type SessionCache = {
  /** The session's actor; looked up at most once per time-to-live (and once at a time). */
  actor(sessionId: string): Promise<Actor | null>;
  /** Forgets one session (it was signed out here). */
  forget(sessionId: string): void;
  /** Forgets every session of a user, by id or name (signed out elsewhere, roles changed). */
  forgetUser(user: string): void;
};

type Entry = {
  until: number;
  answer: Promise<Actor | null>;
  /** Set once answered with a (non-admin) user. */
  actor: Actor | null;
  settled: boolean;
};

/**
 * A per-process session cache. Administrators are never served from memory:
 * a revoked role takes effect on their next request; a grant shows within
 * the time-to-live.
 *
 * @example
 * ```ts
 * const cache = sessionCache({ resolve: (id) => lookUp(id), ttlMs: 2000 });
 * const actor = await cache.actor(cookieValue);
 * ```
 */
export function sessionCache(options: SessionCacheOptions): SessionCache {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();

  function actor(sessionId: string): Promise<Actor | null> {
    if (options.ttlMs <= 0) return options.resolve(sessionId);
    const hit = entries.get(sessionId);
    if (hit && hit.until > now()) return hit.answer;
    if (entries.size >= max) entries.delete(entries.keys().next().value!);
    const entry: Entry = {
      until: now() + options.ttlMs,
      answer: options.resolve(sessionId),
      actor: null,
      settled: false,
    };
    entries.set(sessionId, entry);
    entry.answer.then(
      (found) => {
        entry.settled = true;
        if (found?.isAdmin) drop(sessionId, entry);
        else entry.actor = found;
      },
      () => drop(sessionId, entry),
    );
    return entry.answer;
  }

  /** Removes `entry` unless a newer one took its place meanwhile. */
  function drop(sessionId: string, entry: Entry): void {
    if (entries.get(sessionId) === entry) entries.delete(sessionId);
  }

  return {
    actor,
    forget: (sessionId) => void entries.delete(sessionId),
    forgetUser(user) {
      const name = user.toLowerCase();
      // A lookup still in flight may have read the row before the sign-out: drop it too.
      for (const [id, entry] of entries) {
        const { actor } = entry;
        if (!entry.settled || actor?.userId === user || actor?.username === name) {
          entries.delete(id);
        }
      }
    },
  };
}
