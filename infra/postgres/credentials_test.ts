import assert from "node:assert/strict";
import { loadMigrations } from "./migrate.ts";
import { tempDatabase } from "./test_utils.ts";

Deno.test("Credentials migration - v1 UserRegistered hashes move to credentials and leave the events", async () => {
  await using db = await tempDatabase();
  const sql = db.connect({ max: 1 });
  const migrations = await loadMigrations("event_store");
  for (const m of migrations.filter((m) => m.version < 5)) await sql.unsafe(m.sql);
  const userId = crypto.randomUUID();
  const hash = "scrypt$32768$8$1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5";
  await sql`insert into events (stream_id, stream_type, stream_version, event_id, event_type,
                                schema_version, data, metadata)
            values ('user-old', 'user', 1, gen_random_uuid(), 'UserRegistered', 1,
                    ${
    sql.json({ userId, username: "old", passwordHash: hash, at: new Date().toISOString() })
  },
                    ${sql.json({ userId: null, correlationId: "c", causationId: "c" })})`;
  await sql.unsafe(migrations.find((m) => m.version === 5)!.sql);

  const [moved] = await sql`select password_hash from credentials where user_id = ${userId}`;
  assert.equal(moved.password_hash, hash);
  const [event] = await sql`select data from events where stream_id = 'user-old'`;
  assert.equal("passwordHash" in event.data, false);
  assert.equal(event.data.username, "old");
  // The append-only guard is back in force.
  await assert.rejects(sql`update events set data = '{}'`, /append-only/);
});
