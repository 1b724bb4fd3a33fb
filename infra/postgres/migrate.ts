import type { Sql } from "./connect.ts";
import { tables } from "./tables.ts";

/** The migration sets: the event store (write side) and the read store (projections). */
export type MigrationSet = "event_store" | "read_store";

/** One numbered SQL file. */
export type Migration = { version: number; name: string; sql: string };

/** Advisory lock key shared by every process that migrates (any constant works; this spells "agora"). */
const MIGRATION_LOCK = 0x61676f7261;

/** Loads `migrations/<set>/NNN_name.sql` in version order. */
export async function loadMigrations(set: MigrationSet): Promise<Migration[]> {
  const dir = new URL(`./migrations/${set}/`, import.meta.url);
  const found: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = entry.name.match(/^(\d+)_(.+)\.sql$/);
    if (!entry.isFile || !match) continue;
    found.push({
      version: Number(match[1]),
      name: match[2],
      sql: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  return found.sort((a, b) => a.version - b.version);
}

/**
 * Applies the set's pending migrations in order, all in one transaction,
 * and records them. Concurrent runs serialize on an advisory lock, so two
 * processes starting together apply each migration once.
 *
 * @example
 * ```ts
 * const applied = await migrate(sql, "event_store"); // ["001_events"] the first time, [] after
 * ```
 */
export async function migrate(
  sql: Sql,
  set: MigrationSet,
  options: { upTo?: number } = {},
): Promise<string[]> {
  // `upTo`: stop at that version (tests building a database of an earlier release).
  const migrations = (await loadMigrations(set)).filter((m) =>
    m.version <= (options.upTo ?? Infinity)
  );
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    // Checked first: `create table if not exists` needs CREATE even when the table
    // exists, which the least-privilege process roles do not have.
    const [{ present }] = await tx`select to_regclass(${tables.migrations}) is not null as present`;
    if (!present) {
      await tx.unsafe(`create table ${tables.migrations} (
        set text not null,
        version integer not null,
        name text not null,
        applied_at timestamptz not null default now(),
        primary key (set, version)
      )`);
    }
    const done = await tx<{ version: number }[]>`
      select version from ${tx(tables.migrations)} where set = ${set}`;
    const have = new Set(done.map((r) => r.version));
    for (const m of migrations.filter((m) => !have.has(m.version))) {
      await tx.unsafe(m.sql);
      await tx`insert into ${tx(tables.migrations)} (set, version, name)
               values (${set}, ${m.version}, ${m.name})`;
      applied.push(`${String(m.version).padStart(3, "0")}_${m.name}`);
    }
  });
  return applied;
}
