/**
 * Upgrades (issue 14): a database of an earlier release (event store
 * migrations 001–003, read store 001) full of events, some stored at an older
 * schema version (MessageUpdated v1, before `previousMessage`), is migrated to
 * the latest by the app's own processes as they start. Every event is read
 * through the upcaster by the store (the events API), the relay and projector
 * (the read model), restore (Restore read DB) and the verifier, which stays
 * clean throughout.
 */
import assert from "node:assert/strict";
import { postStreamId, schemaVersions, userStreamId } from "../domain/mod.ts";
import { scryptHasher } from "../infra/password.ts";
import { migrate } from "../infra/postgres/migrate.ts";
import type { Sql } from "../infra/postgres/connect.ts";
import { apiUser, poll, stackFixture } from "./processes.ts";
import { client } from "./test_server.ts";
import { assertVerified } from "../infra/pipeline_test_utils.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";

const OLD_USERS = 3;
const OLD_POSTS = 12;
const PASSWORD = "correct horse battery";
const PROJECTED_MS = 60_000;

type Stored = { type: string; schemaVersion: number; data: Record<string, unknown> };

/** Appends as the earlier release did, by SQL on its schema: stream row, then its events. */
async function oldAppend(sql: Sql, streamId: string, events: Stored[]): Promise<void> {
  await sql.begin(async (tx) => {
    const type = streamId.slice(0, streamId.indexOf("-"));
    await tx`insert into streams (stream_id, stream_type, version)
             values (${streamId}, ${type}, ${events.length})`;
    for (const [i, e] of events.entries()) {
      await tx`
        insert into events (stream_id, stream_type, stream_version, event_id, event_type,
                            schema_version, data, metadata)
        values (${streamId}, ${type}, ${i + 1}, ${crypto.randomUUID()}, ${e.type},
                ${e.schemaVersion}, ${JSON.stringify(e.data)}::text::jsonb,
                ${
        JSON.stringify({
          userId: null,
          correlationId: crypto.randomUUID(),
          causationId: crypto.randomUUID(),
        })
      }::text::jsonb)`;
    }
  });
}

Deno.test("Upgrade - a full database of the earlier migrations, with v1 events, migrated by the running app: read through the upcaster everywhere, verifier clean", async () => {
  assert.equal(schemaVersions.MessageUpdated, 2, "MessageUpdated is at version 2 today");
  await using old = await tempDatabase("agora_upgrade");
  const sql = old.connect();
  await migrate(sql, "event_store", { upTo: 3 });
  await migrate(sql, "read_store", { upTo: 1 });

  // The earlier release's data: users, posts, likes, and edits stored at version 1.
  const runId = crypto.randomUUID().slice(0, 6);
  const hash = await scryptHasher().hash(PASSWORD);
  const at = new Date().toISOString();
  const users = Array.from({ length: OLD_USERS }, (_, i) => ({
    userId: crypto.randomUUID(),
    username: `old_${runId}_${i}`,
  }));
  for (const u of users) {
    await oldAppend(sql, userStreamId(u.username), [
      { type: "UserRegistered", schemaVersion: 1, data: { ...u, passwordHash: hash, at } },
    ]);
  }
  const posts: { id: string; author: (typeof users)[number]; message: string }[] = [];
  for (let i = 0; i < OLD_POSTS; i++) {
    const author = users[i % OLD_USERS];
    const id = crypto.randomUUID();
    const created = `old post ${i}`;
    const events: Stored[] = [{
      type: "PostCreated",
      schemaVersion: 1,
      data: {
        postId: id,
        author: author.userId,
        authorName: author.username,
        message: created,
        at,
      },
    }];
    for (const liker of users.filter((u) => u !== author)) {
      events.push({ type: "PostLiked", schemaVersion: 1, data: { userId: liker.userId, at } });
    }
    let message = created;
    if (i % 3 === 0) {
      message = `old post ${i}, edited in the old release`;
      events.push({ type: "MessageUpdated", schemaVersion: 1, data: { message, at } });
    }
    await oldAppend(sql, postStreamId(id), events);
    posts.push({ id, author, message });
  }
  const [{ n: stored }] = await sql`select count(*)::int as n from events`;

  // The new release starts on it: both processes migrate (racing), relay and project everything.
  await using f = await stackFixture("upgrade", { DATABASE_URL: old.url });
  try {
    f.worker("worker");
    const applied = async (count: number) =>
      await poll(async () => {
        const [{ n }] = await sql`select count(*)::int as n from applied_positions`;
        return n >= count;
      }, { what: `${count} events applied`, timeoutMs: PROJECTED_MS });
    await applied(stored);
    const versions = await sql`select version from schema_migrations where set = 'event_store'`;
    assert.ok(versions.length > 3, "the event store was migrated past 003");
    await assertVerified({ eventSql: sql, readSql: sql });
    const rows = await sql<{ id: string; message: string; likes: number }[]>`
      select id, message, likes from posts`;
    assert.deepEqual(
      rows.map((r) => `${r.id} ${r.message} ${r.likes}`).sort(),
      posts.map((p) => `${p.id} ${p.message} ${OLD_USERS - 1}`).sort(),
      "the read model holds every old post, edits and likes included",
    );

    // The store upcasts: the old edit reads as version 2's shape, previousMessage unknown.
    const edited = posts[0];
    const author = client(f.url);
    const signedIn = await author.json("POST", "/api/v1/session", {
      username: edited.author.username,
      password: PASSWORD,
    });
    assert.equal(signedIn.status, 200, "an old user signs in");
    const history = await author.json("GET", `/api/v1/posts/${edited.id}/events`);
    const oldEdit = history.data.events.find((e: { type: string }) => e.type === "MessageUpdated");
    assert.equal(oldEdit.data.message, edited.message);
    assert.equal(oldEdit.data.previousMessage, null, "upcast from version 1");

    // A new edit is written at version 2, with the text it replaces.
    const [{ version }] = await sql`select version::int from streams where stream_id = ${
      postStreamId(edited.id)
    }`;
    const edit = await author.json("PATCH", `/api/v1/posts/${edited.id}`, {
      message: "edited after the upgrade",
    }, { "if-match": `"${version}"` });
    assert.equal(edit.status, 200, JSON.stringify(edit.data));
    const [newest] = await sql`
      select schema_version, data from events where stream_id = ${postStreamId(edited.id)}
      order by stream_version desc limit 1`;
    assert.equal(newest.schema_version, 2);
    assert.equal(newest.data.previousMessage, edited.message);

    // Restore read DB rebuilds from the events, old versions included.
    const admin = await apiUser(f.url, `admin_${runId}`);
    // As the operator grants it: `deno task admin grant <name>`; then a fresh session.
    const granted = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/admin.ts", "grant", admin.username],
      cwd: new URL("..", import.meta.url).pathname,
      env: { DATABASE_URL: old.url },
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    assert.equal(granted.code, 0, new TextDecoder().decode(granted.stderr));
    const again = await admin.call("POST", "/api/v1/session", {
      username: admin.username,
      password: "correct horse battery",
    });
    assert.equal(again.status, 200);
    await applied(stored + 3); // the edit, the admin's sign-up and grant
    const started = await admin.call("POST", "/api/v1/admin/restore-read-db", {});
    assert.equal(started.status, 202, JSON.stringify(started.data));
    await poll(async () => {
      const job = await admin.call("GET", `/api/v1/admin/restore-read-db/${started.data.job}`);
      if (job.data.status === "failed") throw new Error(`restore failed: ${job.data.error}`);
      return job.data.status === "done";
    }, { what: "the restore to finish", timeoutMs: PROJECTED_MS });
    await assertVerified({ eventSql: sql, readSql: sql });
    const fresh = old.connect({ max: 1 }); // no statement prepared before the swap
    let restored = { message: "" };
    await poll(async () => {
      [restored] = await fresh<{ message: string }[]>`
        select message from posts where id = ${edited.id}`;
      return restored.message === "edited after the upgrade";
    }, { what: "the restored read model to show the last edit", timeoutMs: 30_000 }).catch(
      () => {},
    );
    const [event] = await fresh`select data->>'message' as m from events
      where stream_id = ${postStreamId(edited.id)} order by stream_version desc limit 1`;
    assert.equal(event.m, "edited after the upgrade", "the edit is the stream's last event");
    assert.equal(restored.message, "edited after the upgrade");
    await assertVerified({ eventSql: fresh, readSql: fresh });

    await f.fleet.assertGracefulStop();
  } catch (error) {
    await f.fleet.failed(error);
  }
});
