import assert from "node:assert/strict";
import { migrate } from "./migrate.ts";
import { HORIZON_SQL } from "./read_all.ts";
import type { Sql } from "./connect.ts";
import { tempDatabase } from "./test_utils.ts";

/** The horizon as a number (xid8 fits: test clusters are far from 2^53 transactions). */
async function horizon(sql: Sql): Promise<number> {
  const [row] = await sql.unsafe(HORIZON_SQL);
  return Number(row.horizon);
}

/** Opens a transaction on a reserved connection that holds a transaction id until `end()`. */
async function openWriter(sql: Sql) {
  const conn = await sql.reserve();
  await conn`begin`;
  const [{ xid }] = await conn`select pg_current_xact_id()::text as xid`;
  return {
    xid: Number(xid),
    async end() {
      await conn`commit`;
      conn.release();
    },
  };
}

Deno.test("Horizon - never past an open transaction of this database, past it once it ended; an open transaction of another database does not hold it back", async () => {
  await using here = await tempDatabase("agora_horizon");
  await using elsewhere = await tempDatabase("agora_horizon_other");
  const sql = here.connect({ max: 3 });
  const other = elsewhere.connect({ max: 1 });
  try {
    await migrate(sql, "event_store");
    const local = await openWriter(sql);
    try {
      // A later transaction commits while it stays open: the snapshot's xmax passes it.
      const later = await openWriter(sql);
      await later.end();
      assert.ok(await horizon(sql) <= local.xid, "held at or below the open transaction");
      await sql`select 1`; // another statement: pg_stat_activity is read afresh each call
      assert.ok(await horizon(sql) <= local.xid);
    } finally {
      await local.end();
    }
    assert.ok(await horizon(sql) > local.xid, "passes it once it ended");

    const foreign = await openWriter(other);
    try {
      // A later transaction here commits: the cluster-wide xmin stays at the foreign one.
      const later = await openWriter(sql);
      await later.end();
      assert.ok(later.xid > foreign.xid);
      assert.ok(await horizon(sql) > foreign.xid, "the other database's transaction is ignored");
    } finally {
      await foreign.end();
    }
  } finally {
    await Promise.all([sql.end(), other.end()]);
  }
});
