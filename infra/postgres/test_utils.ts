import { signInThrottle } from "../../app/sign_in_throttle.ts";
import { postgresCredentialStore } from "./credentials.ts";
import { postgresSessionStore } from "./sessions.ts";
import { connect, type Sql } from "./connect.ts";

/** The server tests use: `DATABASE_URL`'s server, or the machine's local Postgres. */
export function adminUrl(): string {
  return Deno.env.get("TEST_DATABASE_URL") ?? Deno.env.get("DATABASE_URL") ??
    "postgres://postgres@127.0.0.1:5432/postgres";
}

/** Same server, another database. */
export function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A fresh, empty database for one test, dropped afterwards.
 *
 * @example
 * ```ts
 * await using db = await tempDatabase();
 * const sql = db.connect();
 * ```
 */
export async function tempDatabase(prefix = "agora_test") {
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = connect(adminUrl(), { max: 1 });
  await admin.unsafe(`create database ${name}`);
  const opened: Sql[] = [];
  return {
    name,
    url: urlFor(name),
    connect(options: { max?: number } = {}): Sql {
      const sql = connect(urlFor(name), { max: options.max ?? 5 });
      opened.push(sql);
      return sql;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(opened.map((sql) => sql.end({ timeout: 1 })));
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/**
 * The Postgres parts the User handlers need besides the store and hasher
 * (credentials, sessions, a sign-in throttle), for tests that build a mediator.
 *
 * @example
 * ```ts
 * userCommandHandlers({ store, hasher, ...userHandlerParts(sql) });
 * ```
 */
export function userHandlerParts(sql: Sql) {
  return {
    credentials: postgresCredentialStore(sql),
    sessions: postgresSessionStore(sql),
    throttle: signInThrottle({ maxFailures: 10, windowSeconds: 900 }),
  };
}
