/**
 * `deno task migrate`: applies the event store migrations to DATABASE_URL and
 * the read store migrations to READ_DATABASE_URL (default: DATABASE_URL).
 */
import { connect, databaseTls, migrate } from "../infra/postgres/mod.ts";
import { toolConfig } from "./tool_config.ts";

const { DATABASE_URL: url, READ_DATABASE_URL: readUrl } = toolConfig("migrate");

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
