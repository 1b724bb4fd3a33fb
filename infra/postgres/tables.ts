/**
 * Names the adapters use from code rather than from SQL text: the migrations
 * bookkeeping table and the NOTIFY channels. The tables themselves are
 * defined by migrations/ and every one is granted in roles.ts, whose tests
 * check that list against the database.
 */
export const tables = {
  migrations: "schema_migrations",
} as const;

/** NOTIFY channel raised by every append (spelled out in migration 006); the payload is the last global position. */
export const EVENTS_CHANNEL = "events_appended";

/** NOTIFY channel raised after each committed projector batch; payload = highest applied position. */
export const PROJECTION_CHANNEL = "projection_advanced";

/**
 * NOTIFY channel raised when a session is signed out (payload: its user id) or a user's roles
 * change (payload: the username): processes caching sessions look them up again.
 */
export const SESSIONS_CHANNEL = "sessions_ended";
