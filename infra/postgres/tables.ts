/** Every table and channel name the Postgres adapters use, in one place. */
export const tables = {
  events: "events",
  streams: "streams",
  migrations: "schema_migrations",
} as const;

/** NOTIFY channel raised by every append; the payload is the last global position. */
export const EVENTS_CHANNEL = "events_appended";

/** NOTIFY channel raised after each committed projector batch; payload = highest applied position. */
export const PROJECTION_CHANNEL = "projection_advanced";
