import assert from "node:assert/strict";
import { within } from "../../tests/deadline.ts";
import { eventStoreContract } from "../../app/event_store_contract.ts";
import type { NewEvent } from "../../app/ports.ts";
import type { PostEvent } from "../../domain/mod.ts";
import { postgresEventStore } from "./event_store.ts";
import { migrate } from "./migrate.ts";
import { readAll, START } from "./read_all.ts";
import { EVENTS_CHANNEL } from "./tables.ts";
import { tempDatabase } from "./test_utils.ts";

const AT = "2026-01-01T10:00:00.000Z";
const userId = "00000000-0000-4000-8000-00000000a11c";

function liked(n = 1): NewEvent[] {
  return Array.from({ length: n }, () => ({
    eventId: crypto.randomUUID(),
    event: { type: "PostLiked", data: { userId: crypto.randomUUID(), at: AT } } as PostEvent,
    metadata: { userId, correlationId: crypto.randomUUID(), causationId: crypto.randomUUID() },
  }));
}

async function storeIn(db: Awaited<ReturnType<typeof tempDatabase>>, max = 5) {
  const sql = db.connect({ max });
  await migrate(sql, "event_store");
  return { sql, store: postgresEventStore(sql) };
}

// The cases every EventStore passes (the in-memory one too), each on its own database.
for (const [name, run] of Object.entries(eventStoreContract)) {
  Deno.test(`Event store - ${name}`, async () => {
    await using db = await tempDatabase();
    const { store } = await storeIn(db, 20);
    await run(store);
  });
}

Deno.test("Event store - a re-append of stored event ids adds no row and leaves the streams row alone", async () => {
  await using db = await tempDatabase();
  const { sql, store } = await storeIn(db);
  const batch = liked(3);
  const original = await store.append("post-c", batch, { expectedVersion: 0 });
  const again = await store.append("post-c", batch, { expectedVersion: 0 });
  const anyAgain = await store.append("post-c", batch, { expectedVersion: "any" });
  assert.equal(original.duplicate, false);
  assert.equal(again.duplicate, true);
  assert.deepEqual(again.positions, original.positions);
  assert.deepEqual(anyAgain.positions, original.positions);
  assert.equal(again.nextExpectedVersion, 3);
  const [{ count }] = await sql`select count(*)::int as count from events`;
  assert.equal(count, 3);
  const [{ version }] = await sql`select version::int from streams where stream_id = 'post-c'`;
  assert.equal(version, 3, "a refused duplicate must not advance the stream");
});

Deno.test("Read all - never skips an event whose transaction commits after a later position", async () => {
  await using db = await tempDatabase();
  const { sql } = await storeIn(db);
  const insert = (stream: string) => `
    insert into events (stream_id, stream_type, stream_version, event_id, event_type, data, metadata)
    values ('${stream}', 'post', 1, gen_random_uuid(), 'PostLiked',
            '{"userId": "${userId}", "at": "${AT}"}', '{"userId": null, "correlationId": "c", "causationId": "c"}')
    returning global_position::int as position`;
  const early = await sql.reserve();
  const late = await sql.reserve();
  try {
    await early.unsafe("begin");
    const [{ position: p1 }] = await early.unsafe(insert("post-early"));
    await late.unsafe("begin");
    const [{ position: p2 }] = await late.unsafe(insert("post-late"));
    assert.ok(p2 > p1);
    await late.unsafe("commit"); // the later position becomes visible first

    const meanwhile = await readAll(sql, { after: START });
    assert.deepEqual(meanwhile.events, [], "nothing may be read past the still-open transaction");

    await early.unsafe("commit");
    const after = await readAll(sql, { after: meanwhile.cursor });
    assert.deepEqual(after.events.map((e) => e.globalPosition), [p1, p2]);
    assert.deepEqual(after.cursor.position, p2);
    assert.deepEqual((await readAll(sql, { after: after.cursor })).events, []);
  } finally {
    early.release();
    late.release();
  }
});

Deno.test("Read all - an open transaction in another database does not hold it back; one in this database does", async () => {
  await using db = await tempDatabase();
  await using other = await tempDatabase();
  const { sql, store } = await storeIn(db);
  const elsewhere = await other.connect({ max: 1 }).reserve();
  const here = await sql.reserve();
  try {
    // A writing transaction left open in another database of the same server.
    await elsewhere.unsafe("begin");
    await elsewhere.unsafe("create table busy (id int)");
    const first = await store.append("post-a", liked(1), { expectedVersion: 0 });
    const page = await readAll(sql, { after: START });
    assert.deepEqual(page.events.map((e) => e.globalPosition), first.positions);

    // A writing transaction open in this database holds later commits back until it ends.
    await here.unsafe("begin");
    await here.unsafe("create table busy_here (id int)");
    const second = await store.append("post-b", liked(1), { expectedVersion: 0 });
    assert.deepEqual((await readAll(sql, { after: page.cursor })).events, []);
    await here.unsafe("commit");
    const after = await readAll(sql, { after: page.cursor });
    assert.deepEqual(after.events.map((e) => e.globalPosition), second.positions);
  } finally {
    await elsewhere.unsafe("rollback").catch(() => {});
    elsewhere.release();
    here.release();
  }
});

Deno.test("Read all - pages through the store in cursor order", async () => {
  await using db = await tempDatabase();
  const { sql, store } = await storeIn(db);
  for (let i = 0; i < 7; i++) await store.append(`post-p${i}`, liked(1), { expectedVersion: 0 });
  const seen: number[] = [];
  let cursor = START;
  // readAll holds back while any older transaction on the server is open (another test's,
  // maybe): page until all 7 came, within a deadline.
  const deadline = Date.now() + 10_000;
  while (seen.length < 7) {
    const page = await readAll(sql, { after: cursor, limit: 3 });
    if (page.events.length === 0) {
      if (Date.now() > deadline) assert.fail(`read ${seen.length} of 7 events`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    assert.ok(page.events.length <= 3, "a page holds at most `limit` events");
    seen.push(...page.events.map((e) => e.globalPosition));
    cursor = page.cursor;
  }
  assert.deepEqual((await readAll(sql, { after: cursor })).events, [], "nothing after the end");
  assert.equal(seen.length, 7);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
});

Deno.test("Event store - an append NOTIFYs its last position at commit", async () => {
  await using db = await tempDatabase();
  const { sql, store } = await storeIn(db);
  const heard = Promise.withResolvers<string>();
  const listener = await sql.listen(EVENTS_CHANNEL, (payload) => heard.resolve(payload));
  const { positions } = await store.append("post-n", liked(2), { expectedVersion: 0 });
  assert.equal(await within(heard.promise, 10_000, "the NOTIFY"), String(positions[1]));
  await listener.unlisten();
});

Deno.test("Event store - concurrent appends are all announced: the last NOTIFY carries the highest position", async () => {
  await using db = await tempDatabase();
  const { sql, store } = await storeIn(db, 10);
  const heard: number[] = [];
  const listener = await sql.listen(EVENTS_CHANNEL, (payload) => heard.push(Number(payload)));
  const results = await Promise.all(
    Array.from(
      { length: 40 },
      (_, i) => store.append(`post-n${i}`, liked(1), { expectedVersion: 0 }),
    ),
  );
  const highest = Math.max(...results.map((r) => r.positions[0]));
  const deadline = Date.now() + 5000;
  while (!heard.includes(highest)) {
    assert.ok(Date.now() < deadline, `no NOTIFY with ${highest} within 5 s (heard ${heard})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(heard.length <= results.length, "at most one NOTIFY per append");
  assert.deepEqual(heard, [...heard].sort((a, b) => a - b), "announced positions only grow");
  await listener.unlisten();
});

Deno.test("Event store - UPDATE, DELETE and TRUNCATE on events fail, also for the table owner", async () => {
  await using db = await tempDatabase();
  const { sql, store } = await storeIn(db);
  await store.append("post-d", liked(1), { expectedVersion: 0 });
  const [{ owner }] =
    await sql`select tableowner as owner from pg_tables where tablename = 'events'`;
  const [{ me }] = await sql`select current_user as me`;
  assert.equal(owner, me, "this test runs as the table owner");
  await assert.rejects(sql`update events set event_type = 'X'`, /append-only: UPDATE/);
  await assert.rejects(sql`delete from events`, /append-only: DELETE/);
  await assert.rejects(sql`truncate events`, /append-only: TRUNCATE/);
  const [{ count }] = await sql`select count(*)::int as count from events`;
  assert.equal(count, 1);
});

Deno.test("Migrations - two concurrent runs apply each migration once; a third changes nothing", async () => {
  await using db = await tempDatabase();
  const a = db.connect({ max: 1 });
  const b = db.connect({ max: 1 });
  const [ra, rb] = await Promise.all([migrate(a, "event_store"), migrate(b, "event_store")]);
  assert.deepEqual([...ra, ...rb].sort(), [
    "001_events",
    "002_relay",
    "003_sessions",
    "004_snapshots",
    "005_credentials",
    "006_append_function",
    "007_read_horizon",
    "008_horizon_plpgsql",
    "009_snapshot_entries",
  ]);
  assert.deepEqual(await migrate(a, "event_store"), []);
  const rows = await a`select set, version from schema_migrations`;
  assert.equal(rows.length, 9);
});
