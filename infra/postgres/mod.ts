/**
 * PostgreSQL adapters: connection, migrations, the event store.
 *
 * @module
 */
export { connect, databaseTls, isUniqueViolation } from "./connect.ts";
export type { ConnectTls, Sql } from "./connect.ts";
export { loadMigrations, migrate } from "./migrate.ts";
export type { Migration, MigrationSet } from "./migrate.ts";
export { postgresEventStore } from "./event_store.ts";
export { EVENTS_CHANNEL, tables } from "./tables.ts";
