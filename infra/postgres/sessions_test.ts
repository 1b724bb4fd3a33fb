import assert from "node:assert/strict";
import { migrate } from "./migrate.ts";
import { postgresSessionStore } from "./sessions.ts";
import { tempDatabase } from "./test_utils.ts";

const OLD = "the-old-session-secret-of-32-chars-or-more";
const NEW = "the-new-session-secret-of-32-chars-or-more";
const alice = { userId: "11111111-1111-4111-8111-111111111111", username: "alice" };

Deno.test("Sessions - rotating SESSION_SECRET with the old one as previous keeps sessions, moves them to the new secret, and the old one can then go", async () => {
  await using db = await tempDatabase("agora_sessions");
  const sql = db.connect();
  await migrate(sql, "event_store");
  const before = postgresSessionStore(sql, { secret: OLD });
  const seen = await before.create(alice);
  const unseen = await before.create(alice);

  // Rotation: the new secret, the old one as previous.
  const during = postgresSessionStore(sql, { secret: NEW, previousSecret: OLD });
  assert.equal((await during.find(seen.id))?.username, "alice", "valid across the rotation");
  assert.equal((await during.find(seen.id))?.username, "alice", "and again, now re-keyed");
  const fresh = await during.create(alice);

  // The previous secret removed: sessions seen during the rotation, and new ones, still work.
  const after = postgresSessionStore(sql, { secret: NEW });
  assert.equal((await after.find(seen.id))?.username, "alice");
  assert.equal((await after.find(fresh.id))?.username, "alice");
  assert.equal(await after.find(unseen.id), null, "a session never seen during the rotation ends");
  // The old secret no longer opens anything: the stored hashes are the new secret's.
  assert.equal(await before.find(seen.id), null);

  const [{ n }] = await sql`select count(*)::int as n from sessions`;
  assert.equal(n, 3, "re-keying moved the row, it did not copy it");
});

Deno.test("Sessions - a new SESSION_SECRET without the previous one signs everyone out; sign-out during a rotation ends the session", async () => {
  await using db = await tempDatabase("agora_sessions");
  const sql = db.connect();
  await migrate(sql, "event_store");
  const session = await postgresSessionStore(sql, { secret: OLD }).create(alice);
  assert.equal(await postgresSessionStore(sql, { secret: NEW }).find(session.id), null);

  const other = await postgresSessionStore(sql, { secret: OLD }).create(alice);
  const during = postgresSessionStore(sql, { secret: NEW, previousSecret: OLD });
  await during.delete(other.id);
  assert.equal(await during.find(other.id), null, "signed out under the previous secret");
});
