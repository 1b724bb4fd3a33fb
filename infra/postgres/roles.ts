import { PROJECTION_TABLES } from "../projections/apply_event.ts";

/**
 * The three process roles and their PostgreSQL role names. Roles belong to
 * the cluster, not to a database: one set serves every database on the server.
 *
 * @example
 * ```ts
 * const url = `postgres://${roleNames.query}:secret@db.example:5432/agora`;
 * ```
 */
export const roleNames = {
  command: "agora_command",
  query: "agora_query",
  worker: "agora_worker",
} as const;

/** A process role: `command` (appends), `query` (reads), `worker` (relay, projector, restore). */
export type ProcessRole = keyof typeof roleNames;

/** A table privilege this module grants. */
export type Privilege = "select" | "insert" | "update" | "delete";

/**
 * Who may do what on one table. `owner` makes the role the table's owner
 * (Restore read DB needs that to swap the table out).
 */
export type TableGrants = Partial<Record<ProcessRole, readonly Privilege[] | "owner">>;

const READ: readonly Privilege[] = ["select"];
const WRITE: readonly Privilege[] = ["select", "insert", "update", "delete"];

/**
 * The event store's grants, table by table. Nobody but the owner may touch a
 * table missing here; nobody at all may UPDATE, DELETE or TRUNCATE `events`.
 *
 * @example
 * ```ts
 * eventStoreGrants.events.command; // ["select", "insert"]
 * ```
 */
export const eventStoreGrants = {
  events: { command: ["select", "insert"], query: READ, worker: READ },
  streams: { command: ["select", "insert", "update"] },
  sessions: { command: ["select", "insert", "update", "delete"], query: READ },
  // Password hashes: only the command side, which signs users up and in.
  credentials: { command: ["select", "insert", "delete"] },
  // The query role reads them only for `deno task verify`.
  snapshots: { command: ["select", "insert", "update"], query: READ },
  snapshot_entries: { command: WRITE, query: READ },
  // The relay saves its cursor after the broker acknowledged.
  relay_cursors: { worker: WRITE },
  // Every process checks for pending migrations.
  schema_migrations: { command: READ, query: READ, worker: READ },
} as const satisfies Record<string, TableGrants>;

/** The read store's projection tables: read by command and query, owned by the worker. */
const projectionGrants = { command: READ, query: READ, worker: "owner" } as const;

/**
 * The read store's grants, table by table. The projection tables belong to
 * the worker (Restore read DB builds new ones and swaps them in); the
 * command side reads them to re-render a rejected form and to wait for its
 * own writes; the query side reads everything.
 *
 * @example
 * ```ts
 * readStoreGrants.posts.worker; // "owner"
 * ```
 */
export const readStoreGrants = {
  ...(Object.fromEntries(PROJECTION_TABLES.map((t) => [t, projectionGrants])) as Record<
    (typeof PROJECTION_TABLES)[number],
    typeof projectionGrants
  >),
  projector_state: { command: READ, query: READ, worker: WRITE },
  // The command side reads the applied position (read-your-writes) across the partitions.
  projector_checkpoints: { command: READ, query: READ, worker: WRITE },
  dead_letters: { query: READ, worker: WRITE },
  restore_jobs: { query: READ, worker: WRITE },
  schema_migrations: { command: READ, query: READ, worker: READ },
} as const satisfies Record<string, TableGrants>;

/** Login passwords of the roles; a role without one keeps its password (or none). */
export type RolePasswords = Partial<Record<ProcessRole, string>>;

/**
 * Options of `rolesSql`.
 *
 * @example
 * ```ts
 * const options: RolesOptions = { eventDatabase: "agora", readDatabase: "agora_read" };
 * ```
 */
export type RolesOptions = {
  /** Database of the event store (`DATABASE_URL`). */
  eventDatabase: string;
  /** Database of the read store (`READ_DATABASE_URL`); the event database when they are one. */
  readDatabase: string;
  /** One database holds both stores (default: the two names are equal). */
  sameDatabase?: boolean;
  passwords?: RolePasswords;
};

/**
 * The SQL for one database. Roles are created in each script, so the read
 * store may live on another server.
 */
export type RoleScript = {
  store: "event_store" | "read_store";
  database: string;
  statements: string[];
};

/**
 * The roles and grants, least privilege, as one script per store. Idempotent:
 * run it again after every migration (new tables start with no grants).
 * Run as the owner of the tables (or a superuser), after the migrations.
 * With `sameDatabase` the worker's CREATE (for Restore read DB) is on the
 * shared database; it still cannot touch the event store's tables.
 *
 * @example
 * ```ts
 * for (const script of rolesSql({ eventDatabase: "agora", readDatabase: "agora_read" })) {
 *   await sqlFor(script.store).begin(async (tx) => {
 *     for (const statement of script.statements) await tx.unsafe(statement);
 *   });
 * }
 * ```
 */
export function rolesSql(options: RolesOptions): RoleScript[] {
  const { eventDatabase, readDatabase } = options;
  if (!eventDatabase || !readDatabase) throw new Error("rolesSql: database names are required");
  const sameDatabase = options.sameDatabase ?? eventDatabase === readDatabase;
  const readDb = sameDatabase ? eventDatabase : readDatabase;
  const common = (database: string) => [
    createRolesSql(),
    ...passwordsSql(options.passwords ?? {}),
    ...lockDownPublicSql(),
    `grant connect on database ${ident(database)} to ${allRoles()}`,
    `grant usage on schema public to ${allRoles()}`,
  ];
  return [
    {
      store: "event_store",
      database: eventDatabase,
      statements: [
        ...common(eventDatabase),
        ...tableGrantsSql(eventStoreGrants),
        // The worker's gap-safe reads wait only for this database's open transactions
        // when it sees every session's transaction id (events_horizon, migration 007).
        // Without the right to grant it (some managed servers), it falls back safely.
        doBlock(`begin
    execute 'grant pg_read_all_stats to ${roleNames.worker}';
  exception when insufficient_privilege then
    raise notice 'pg_read_all_stats not granted: the relay waits for the whole server';
  end;`),
      ],
    },
    {
      store: "read_store",
      database: readDb,
      statements: [
        ...common(readDb),
        // Restore read DB: create schema (database), move tables into public (schema).
        `grant create on database ${ident(readDb)} to ${roleNames.worker}`,
        `grant create on schema public to ${roleNames.worker}`,
        // Handing a table to a role needs membership in it, unless you are a superuser.
        doBlock(`if not (select rolsuper from pg_roles where rolname = current_user) then
    execute format('grant ${roleNames.worker} to %I', current_user);
  end if;`),
        ...tableGrantsSql(readStoreGrants),
      ],
    },
  ];
}

/**
 * The grants on the projection tables: the worker owns them, command and
 * query may SELECT them. Tables created by Restore read DB (`like ...
 * including all` copies no privileges) start without these, so this MUST
 * run after every swap, in the swap's transaction, as the role that created
 * the new tables. Roles that do not exist are skipped (no roles configured:
 * a no-op). Names are schema-qualified, so a `search_path` does not matter.
 *
 * @example
 * ```ts
 * await tx.unsafe(`alter table ${shadow}.posts set schema public`);
 * await tx.unsafe(grantReadSql());
 * ```
 */
export function grantReadSql(): string {
  const list = PROJECTION_TABLES.map((t) => `public.${t}`).join(", ");
  const exists = (role: string) => `exists (select from pg_roles where rolname = '${role}')`;
  const { command, query, worker } = roleNames;
  // pg_has_role fails on a missing role and AND does not short-circuit: nested ifs.
  return doBlock(`if ${exists(worker)} then
    if pg_has_role('${worker}', 'member') then
${PROJECTION_TABLES.map((t) => `      alter table public.${t} owner to ${worker};`).join("\n")}
    else
      grant select, insert, update, delete on ${list} to ${worker};
    end if;
  end if;
  if ${exists(command)} then
    grant select on ${list} to ${command};
  end if;
  if ${exists(query)} then
    grant select on ${list} to ${query};
  end if;`);
}

/** Creates missing roles; tolerates another session creating one at the same moment. */
function createRolesSql(): string {
  const names = Object.values(roleNames).map((r) => `'${r}'`).join(", ");
  return doBlock(
    `foreach role in array array[${names}] loop
    if not exists (select from pg_roles where rolname = role) then
      begin
        execute format('create role %I login', role);
      exception when duplicate_object or unique_violation then null;
      end;
    elsif not (select rolcanlogin from pg_roles where rolname = role) then
      execute format('alter role %I login', role);
    end if;
  end loop;`,
    "role text;",
  );
}

function passwordsSql(passwords: RolePasswords): string[] {
  return (Object.keys(roleNames) as ProcessRole[])
    .filter((role) => passwords[role] !== undefined)
    .map((role) => `alter role ${roleNames[role]} password ${literal(passwords[role]!)}`);
}

/**
 * No privileges through PUBLIC. The user running this keeps CREATE on
 * public when it had it only through PUBLIC (databases from before PG 15),
 * so its next migration still works.
 */
function lockDownPublicSql(): string[] {
  return [
    `revoke all on all tables in schema public from public`,
    doBlock(
      `if not pg_has_role((select nspowner from pg_namespace where nspname = 'public'), 'usage')
     and has_schema_privilege('public', 'create') then
    execute format('grant create on schema public to %I', current_user);
  end if;`,
    ),
    `revoke create on schema public from public`,
  ];
}

/**
 * Revokes, then grants, so a rerun after a privilege was dropped here also
 * takes it away. An owner's implicit privileges are never revoked.
 */
function tableGrantsSql(grants: Record<string, TableGrants>): string[] {
  const statements: string[] = [];
  for (const [table, byRole] of Object.entries(grants)) {
    const entries = Object.entries(byRole) as [ProcessRole, readonly Privilege[] | "owner"][];
    const owner = entries.find(([, p]) => p === "owner")?.[0];
    const others = (Object.keys(roleNames) as ProcessRole[]).filter((r) => r !== owner);
    if (owner) statements.push(`alter table public.${table} owner to ${roleNames[owner]}`);
    statements.push(
      `revoke all on public.${table} from ${others.map((r) => roleNames[r]).join(", ")}`,
    );
    for (const [role, privileges] of entries) {
      if (privileges === "owner") continue;
      statements.push(`grant ${privileges.join(", ")} on public.${table} to ${roleNames[role]}`);
    }
  }
  return statements;
}

function allRoles(): string {
  return Object.values(roleNames).join(", ");
}

function doBlock(body: string, declare = ""): string {
  return `do $$\n${declare ? `declare ${declare}\n` : ""}begin\n  ${body}\nend\n$$`;
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
  if (value.includes("\0")) throw new Error("rolesSql: a password cannot contain NUL");
  return `'${value.replaceAll("'", "''")}'`;
}
