/**
 * `deno task db:roles`: the PostgreSQL roles of the processes (agora_command,
 * agora_query, agora_worker) and their grants, least privilege.
 *
 *   deno task db:roles                      print the SQL for a DBA (stdout is valid SQL)
 *   deno task db:roles --apply              migrate, then run it against DATABASE_URL and
 *                                           READ_DATABASE_URL (default DATABASE_URL) as the
 *                                           connecting user: the tables' owner or a superuser
 *   deno task db:roles --password-from-env  also set the passwords from AGORA_COMMAND_PASSWORD,
 *                                           AGORA_QUERY_PASSWORD and AGORA_WORKER_PASSWORD
 *
 * Idempotent: run it again after every migration. Exit 0 when done, 1 when
 * applying failed, 2 on a usage or configuration problem.
 */
import { connect, databaseTls, migrate, type Sql } from "../infra/postgres/mod.ts";
import {
  type ProcessRole,
  roleNames,
  type RolePasswords,
  type RoleScript,
  rolesSql,
} from "../infra/postgres/roles.ts";
import { toolConfig } from "./tool_config.ts";
import { messageOf } from "../app/log.ts";

const USAGE = "usage: deno task db:roles [--apply] [--password-from-env]";
const flags = new Set(Deno.args);
for (const flag of flags) {
  if (flag === "--help" || flag === "-h") {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (flag !== "--apply" && flag !== "--password-from-env") {
    console.error(`db:roles: unknown argument ${flag}\n${USAGE}`);
    Deno.exit(2);
  }
}
const apply = flags.has("--apply");

// Printing the SQL needs no database; applying it does.
const config = apply ? toolConfig("db:roles") : toolConfig("db:roles", { needsDatabase: false });
const url = config.DATABASE_URL;
const readUrl = config.READ_DATABASE_URL ?? url;

/** `AGORA_COMMAND_PASSWORD` and so on. */
function passwordsFromEnv(): RolePasswords {
  const passwords: RolePasswords = {};
  const missing: string[] = [];
  for (const role of Object.keys(roleNames) as ProcessRole[]) {
    const name = `AGORA_${role.toUpperCase() as Uppercase<ProcessRole>}_PASSWORD` as const;
    const value = config[name];
    if (value) passwords[role] = value;
    else missing.push(name);
  }
  if (missing.length > 0) {
    console.error(`db:roles: --password-from-env needs ${missing.join(", ")}`);
    Deno.exit(2);
  }
  return passwords;
}

const databaseOf = (target: string | undefined) =>
  target ? decodeURIComponent(new URL(target).pathname.slice(1)) || "postgres" : "agora";
const scripts = rolesSql({
  eventDatabase: databaseOf(url),
  readDatabase: databaseOf(readUrl),
  sameDatabase: readUrl === url,
  passwords: flags.has("--password-from-env") ? passwordsFromEnv() : undefined,
});

/** The URL a process role connects with: the same server and database, its own user. */
function urlAs(target: string | undefined, role: ProcessRole): string {
  const base = new URL(target ?? "postgres://127.0.0.1:5432/agora");
  return `${base.protocol}//${
    roleNames[role]
  }:<password>@${base.host}${base.pathname}${base.search}`;
}

/** How each process connects, one line per process. */
function connectionHelp(): string[] {
  const both = (role: ProcessRole) =>
    `DATABASE_URL=${urlAs(url, role)}` +
    (readUrl === url ? "" : ` READ_DATABASE_URL=${urlAs(readUrl, role)}`);
  return [
    "Connect each process with its own role:",
    `  ROLE=command (web)         ${both("command")}`,
    `  ROLE=query (web)           ${both("query")}`,
    `  deno task worker           ${both("worker")}`,
    `  deno task restore-read-db  ${both("worker")}`,
    "  deno task migrate, deno task db:roles: the tables' owner (or a superuser);",
    "  deno task verify: the owner, or the query role (it only reads).",
  ];
}

function render(script: RoleScript): string {
  const title = script.store === "event_store" ? "event store" : "read store";
  return [
    `-- ${title} database (${script.database})`,
    ...script.statements.map((statement) => `${statement};`),
    "",
  ].join("\n");
}

if (!apply) {
  console.log("-- Run after `deno task migrate`, as the tables' owner or a superuser.");
  if (readUrl !== url) {
    console.log("-- Each section runs in its own database (psql: \\connect <database>).");
  }
  console.log();
  for (const script of scripts) console.log(render(script));
  console.log(connectionHelp().map((line) => `-- ${line}`).join("\n"));
  Deno.exit(0);
}

const open = async (target: string) =>
  connect(target, {
    max: 1,
    name: "agora-db-roles",
    tls: await databaseTls(target, Deno.env.toObject()),
  });
const eventSql = await open(url!);
const readSql = readUrl === url ? eventSql : await open(readUrl!);
const sqlFor: Record<RoleScript["store"], Sql> = { event_store: eventSql, read_store: readSql };

let code = 1;
try {
  // The grants name the tables, so they must exist.
  await migrate(eventSql, "event_store");
  await migrate(readSql, "read_store");
  for (const script of scripts) {
    await sqlFor[script.store].begin(async (tx) => {
      for (const statement of script.statements) await tx.unsafe(statement);
    });
    console.log(`db:roles: ${script.store}: roles and grants applied to ${script.database}`);
  }
  console.log(connectionHelp().join("\n"));
  code = 0;
} catch (error) {
  console.error(`db:roles: ${messageOf(error)}`);
} finally {
  await Promise.all([...new Set([eventSql, readSql])].map((sql) => sql.end({ timeout: 5 })));
}
Deno.exit(code);
