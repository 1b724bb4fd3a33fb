import type { Sql } from "../postgres/connect.ts";
import { PROJECTION_TABLES } from "./apply_event.ts";

/** Shadow (`restore_…`) and retired (`retired_…`) schemas Restore read DB creates. */
export const OWN_SCHEMA = /^(restore|retired)_[0-9a-f]{12}$/;

/** An index of a shadow table that is built after loading, and its live name. */
type PendingIndex = { definition: string; created: string; live: string };

/** Index identity from the catalog: same table, columns, operators, options, predicate. */
const INDEX_SHAPE_SQL = `
  select n.nspname as schema, t.relname as table, i.relname as name,
         pg_get_indexdef(x.indexrelid) as definition,
         exists (select 1 from pg_constraint c where c.conindid = x.indexrelid) as constraint_backed,
         concat_ws('|', t.relname, x.indkey::text, x.indclass::text, x.indcollation::text,
                   x.indoption::text, x.indisunique::text,
                   pg_get_expr(x.indexprs, x.indrelid), pg_get_expr(x.indpred, x.indrelid)) as shape
  from pg_index x
  join pg_class i on i.oid = x.indexrelid
  join pg_class t on t.oid = x.indrelid
  join pg_namespace n on n.oid = t.relnamespace
  where n.nspname = any($1::text[]) and t.relname = any($2::text[])`;

type IndexRow = {
  schema: string;
  table: string;
  name: string;
  definition: string;
  constraint_backed: boolean;
  shape: string;
};

/**
 * Creates `shadow` with empty copies of the projection tables (columns,
 * defaults, checks, primary keys and unique constraints: the batch apply needs
 * those) and returns `buildIndexes`, which creates the other indexes once the
 * tables are loaded: building an index once is cheaper than maintaining it
 * row by row. Every index gets its live name back, matched through the
 * catalog (columns, operator classes, options, predicate), so a later
 * migration that names an index finds it after a restore too.
 *
 * @example
 * ```ts
 * const { buildIndexes } = await createShadow(readSql, "restore_0123456789ab");
 * // … load the tables …
 * await buildIndexes();
 * ```
 */
export async function createShadow(
  readSql: Sql,
  shadow: string,
): Promise<{ buildIndexes(): Promise<void> }> {
  const tables = [...PROJECTION_TABLES];
  const pending: PendingIndex[] = [];
  await readSql.begin(async (tx) => {
    await tx.unsafe(`create schema ${shadow}`);
    for (const table of tables) {
      await tx.unsafe(`create table ${shadow}.${table} (like public.${table} including all)`);
    }
    const indexes = await tx.unsafe<IndexRow[]>(INDEX_SHAPE_SQL, [["public", shadow], tables]);
    const live = new Map(
      indexes.filter((i) => i.schema === "public").map((i) => [i.shape, i.name]),
    );
    for (const index of indexes.filter((i) => i.schema === shadow)) {
      const name = live.get(index.shape) ?? index.name;
      if (index.constraint_backed) {
        if (name !== index.name) {
          await tx.unsafe(`alter index ${shadow}."${index.name}" rename to "${name}"`);
        }
        continue;
      }
      // Dropped now, built after loading from its own definition (already on the shadow table).
      pending.push({ definition: index.definition, created: index.name, live: name });
      await tx.unsafe(`drop index ${shadow}."${index.name}"`);
    }
  });
  return {
    async buildIndexes() {
      for (const index of pending) {
        await readSql.begin(async (tx) => {
          await tx.unsafe(index.definition);
          if (index.live !== index.created) {
            await tx.unsafe(`alter index ${shadow}."${index.created}" rename to "${index.live}"`);
          }
        });
      }
    },
  };
}

/** Drops a schema this module created; never throws (reports to `onError`). */
export async function dropOwnSchema(
  readSql: Sql,
  schema: string,
  onError: (error: unknown) => void,
): Promise<void> {
  if (!OWN_SCHEMA.test(schema)) throw new Error(`restore: not a restore schema: ${schema}`);
  await readSql.unsafe(`drop schema if exists ${schema} cascade`).catch(onError);
}
