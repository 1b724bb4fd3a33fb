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

/**
 * The highest position the projector applied (one row, `position`): the greatest
 * over the partitions' checkpoints and projector_state (migration 004).
 */
export const APPLIED_POSITION_SQL = `
  select greatest(
    (select max_position from projector_state where id = 'projector'),
    (select coalesce(max(max_position), 0) from projector_checkpoints)
  )::bigint as position`;

/**
 * The read model's generation (one row, `generation`): every projector batch
 * and restore swap raises it in its own transaction (migrations 003, 004).
 */
export const GENERATION_SQL = `
  select ((select generation from projector_state where id = 'projector')
    + (select coalesce(sum(generation), 0) from projector_checkpoints))::bigint as generation`;
