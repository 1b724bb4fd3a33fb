/**
 * `deno task migrate`: applies the event store migrations to DATABASE_URL and
 * the read store migrations to READ_DATABASE_URL (default: DATABASE_URL).
 */
import { connect, databaseTls, migrate } from "../infra/postgres/mod.ts";

const url = Deno.env.get("DATABASE_URL");
if (!url) {
  console.error("migrate: DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/agora)");
  Deno.exit(2);
}
const readUrl = Deno.env.get("READ_DATABASE_URL") ?? url;

for (const [set, target] of [["event_store", url], ["read_store", readUrl]] as const) {
  const tls = await databaseTls(target, Deno.env.toObject());
  const sql = connect(target, { max: 1, name: "agora-migrate", tls });
  try {
    const applied = await migrate(sql, set);
    console.log(
      applied.length ? `${set}: applied ${applied.join(", ")}` : `${set}: up to date`,
    );
  } finally {
    await sql.end();
  }
}
