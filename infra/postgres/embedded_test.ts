/**
 * The embedded PostgreSQL (PGlite behind its socket) with the project's own
 * postgres.js code: the real migrations, the event store, the SQL features
 * they rely on, many connections at once, a restart on the same folder, and
 * the whole embedded mode (real relay + projector on the in-process bus,
 * Restore read DB) ending with the verifier.
 */
import assert from "node:assert/strict";
import { adminCommandHandlers } from "../../app/admin_handlers.ts";
import { requestContext } from "../../app/context.ts";
import { createMediator } from "../../app/mediator.ts";
import { type NewEvent, START } from "../../app/ports.ts";
import { postCommandHandlers } from "../../app/post_handlers.ts";
import { userCommandHandlers } from "../../app/user_handlers.ts";
import { ConcurrencyError, type PostEvent } from "../../domain/mod.ts";
import { inProcessBus } from "../bus/in_process_bus.ts";
import { scryptHasher } from "../password.ts";
import { assertVerified, projected } from "../pipeline_test_utils.ts";
import { createRestorer } from "../projections/restore.ts";
import { projectionAdmin } from "../projector/projection_admin.ts";
import { startWorker } from "../worker.ts";
import { connect, type Sql } from "./connect.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { postgresEventStore } from "./event_store.ts";
import { migrate } from "./migrate.ts";
import { EVENTS_CHANNEL } from "./tables.ts";

const AT = "2026-01-01T10:00:00.000Z";

function liked(n = 1): NewEvent[] {
  return Array.from({ length: n }, () => ({
    eventId: crypto.randomUUID(),
    event: { type: "PostLiked", data: { userId: crypto.randomUUID(), at: AT } } as PostEvent,
    metadata: { userId: null, correlationId: crypto.randomUUID(), causationId: "c" },
  }));
}

/**
 * A cleanly stopped, empty data folder made once per test run: initdb in
 * WebAssembly takes seconds, a copy of its result a few milliseconds.
 */
let template: Promise<string> | null = null;
function emptyDataDir(): Promise<string> {
  template ??= (async () => {
    const dataDir = `${await Deno.makeTempDir({ prefix: "agora_pglite_template_" })}/pglite`;
    await (await startEmbeddedPostgres({ dataDir })).stop();
    globalThis.addEventListener("unload", () => {
      Deno.removeSync(dataDir.slice(0, -"/pglite".length), { recursive: true });
    });
    return dataDir;
  })();
  return template;
}

/** An embedded server on a fresh temporary folder, with pools that are ended before it stops. */
async function embedded() {
  const root = await Deno.makeTempDir({ prefix: "agora_pglite_" });
  const dataDir = `${root}/pglite`;
  const copied = await new Deno.Command("cp", { args: ["-a", await emptyDataDir(), dataDir] })
    .output();
  assert.ok(copied.success, new TextDecoder().decode(copied.stderr));
  let pg = await startEmbeddedPostgres({ dataDir });
  let pools: Sql[] = [];
  return {
    dataDir,
    get url() {
      return pg.url;
    },
    connect(max = 10): Sql {
      const sql = connect(pg.url, { max });
      pools.push(sql);
      return sql;
    },
    /** Stops everything, then starts a new server on the same folder (a process restart). */
    async restart() {
      await Promise.all(pools.map((sql) => sql.end({ timeout: 1 })));
      pools = [];
      await pg.stop();
      pg = await startEmbeddedPostgres({ dataDir });
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(pools.map((sql) => sql.end({ timeout: 1 })));
      await pg.stop();
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("Embedded PostgreSQL - the real migrations, then each SQL feature they rely on", async () => {
  await using db = await embedded();
  assert.match(db.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  const sql = db.connect();
  assert.deepEqual(await migrate(sql, "event_store"), [
    "001_events",
    "002_relay",
    "003_sessions",
    "004_snapshots",
  ]);
  assert.deepEqual(await migrate(sql, "read_store"), ["001_projections"]);
  assert.deepEqual(await migrate(sql, "event_store"), [], "a second run applies nothing");

  // identity column + xid8 default pg_current_xact_id(), through the real append.
  const store = postgresEventStore(sql);
  const { positions } = await store.append("post-a", liked(2), { expectedVersion: 0 });
  assert.equal(positions[1], positions[0] + 1);
  const [row] = await sql`select pg_typeof(transaction_id)::text as type,
                                 transaction_id < pg_current_xact_id() as older
                          from events where global_position = ${positions[0]}`;
  assert.deepEqual({ ...row }, { type: "xid8", older: true });

  // pg_snapshot_xmin(pg_current_snapshot()): the gap-safe read sees committed events.
  const page = await store.readAll(START);
  assert.deepEqual(page.events.map((e) => e.globalPosition), positions);

  // plpgsql trigger: history is append-only.
  await assert.rejects(sql`update events set data = '{}'`, { code: "42501" });
  await assert.rejects(sql`delete from events`, { code: "42501" });
  await assert.rejects(sql`truncate events`, { code: "42501" });

  // Advisory locks (session and transaction level) answer.
  const [{ locked }] = await sql`select pg_try_advisory_lock(hashtext('t')) as locked`;
  assert.equal(locked, true);
  await sql`select pg_advisory_unlock(hashtext('t'))`;
  await sql.begin((tx) => tx`select pg_advisory_xact_lock(42)`);

  // create schema + alter table ... set schema (Restore read DB's swap).
  await sql.begin(async (tx) => {
    await tx`create schema shadow_t`;
    await tx`create table shadow_t.users (like public.users including all)`;
    await tx`create schema retired_t`;
    await tx`alter table public.users set schema retired_t`;
    await tx`alter table shadow_t.users set schema public`;
  });
  const [{ n }] = await sql`select count(*)::int as n from pg_tables
                            where tablename = 'users' and schemaname in ('public', 'retired_t')`;
  assert.equal(n, 2);

  // LISTEN on one pool, NOTIFY raised by an append on another.
  const other = db.connect();
  const heard = Promise.withResolvers<string>();
  const listener = await sql.listen(EVENTS_CHANNEL, (payload) => heard.resolve(payload));
  const appended = await postgresEventStore(other).append("post-b", liked(1), {
    expectedVersion: 0,
  });
  assert.equal(await heard.promise, String(appended.positions[0]));
  await listener.unlisten();
});

Deno.test("Embedded PostgreSQL - event store: streams, readAll paging, one winner among 20 racers", async () => {
  await using db = await embedded();
  const sql = db.connect(20);
  await migrate(sql, "event_store");
  const store = postgresEventStore(sql);
  await store.append("post-a", liked(2), { expectedVersion: 0 });
  await store.append("post-a", liked(1), { expectedVersion: 2 });
  await assert.rejects(
    store.append("post-a", liked(1), { expectedVersion: 1 }),
    ConcurrencyError,
  );
  const stream = await store.readStream("post-a");
  assert.deepEqual(stream.map((e) => e.streamVersion), [1, 2, 3]);
  assert.deepEqual((await store.readStream("post-a", { fromVersion: 2, toVersion: 2 })).length, 1);

  const results = await Promise.allSettled(
    Array.from({ length: 20 }, () => store.append("post-a", liked(1), { expectedVersion: 3 })),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  for (const r of results) {
    if (r.status === "rejected") assert.ok(r.reason instanceof ConcurrencyError);
  }

  const first = await store.readAll(START, { limit: 2 });
  const rest = await store.readAll(first.cursor, { limit: 100 });
  assert.deepEqual(
    [...first.events, ...rest.events].map((e) => e.streamVersion),
    [1, 2, 3, 4],
  );
});

Deno.test("Embedded PostgreSQL - many connections at once: every answer right, transactions intact", async () => {
  await using db = await embedded();
  const sql = db.connect(10);
  await sql`create table kv (k int primary key, v int not null)`;
  // pglite-socket's own server interleaves these across connections ("portal does not exist").
  let wrong = 0;
  await Promise.all(Array.from({ length: 20 }, async (_, worker) => {
    for (let j = 0; j < 15; j++) {
      const k = worker * 100 + j;
      if (j % 3 === 0) {
        await sql.begin(async (tx) => {
          await tx`insert into kv values (${k}, ${j})`;
          await tx`update kv set v = v + 1 where k = ${k}`;
          const [r] = await tx`select v, ${`s${k}`}::text as s from kv where k = ${k}`;
          if (r.v !== j + 1 || r.s !== `s${k}`) wrong++;
        });
      } else {
        const [r] = await sql`select ${k}::int + 1 as n, ${[k, j]}::int[] as a`;
        if (r.n !== k + 1 || r.a[1] !== j) wrong++;
      }
    }
  }));
  assert.equal(wrong, 0);
  const [{ n }] = await sql`select count(*)::int as n from kv`;
  assert.equal(n, 20 * 5);
});

Deno.test("Embedded PostgreSQL - a transaction may wait on a read of another connection", async () => {
  await using db = await embedded();
  const sql = db.connect(5);
  const other = db.connect(5);
  await sql`create table kv (k int primary key, v int not null)`;
  await sql`insert into kv values (1, 1)`;
  // The projector's gap filling and Restore read DB's swap do this: read elsewhere mid-transaction.
  const seen = await sql.begin(async (tx) => {
    await tx`update kv set v = 2 where k = 1`;
    const [r] = await other`select count(*)::int as n from kv`;
    // A failing read there must not abort this transaction.
    await assert.rejects(other`select 1 / 0 as boom`, { code: "22012" });
    await tx`insert into kv values (2, 2)`;
    return r.n;
  });
  assert.equal(seen, 1);
  const rows = await sql`select k, v from kv order by k`;
  assert.deepEqual(rows.map((r) => [r.k, r.v]), [[1, 2], [2, 2]]);

  // A write of another connection waits until the transaction ends.
  const order: string[] = [];
  const { write } = await sql.begin(async (tx) => {
    await tx`update kv set v = 3 where k = 1`;
    const write = other`update kv set v = 10 where k = 2`.then(() => order.push("other write"));
    await tx`select pg_sleep(0.05)`;
    order.push("commit");
    return { write }; // not awaited in here: it can only run after the commit
  });
  await write;
  assert.deepEqual(order, ["commit", "other write"]);
});

Deno.test("Embedded PostgreSQL - a connection gone mid-transaction is rolled back, others go on", async () => {
  await using db = await embedded();
  const sql = db.connect(2);
  await sql`create table kv (k int primary key)`;
  const doomed = connect(db.url, { max: 1 });
  const conn = await doomed.reserve();
  await conn`begin`;
  await conn`insert into kv values (1)`;
  await doomed.end({ timeout: 0 }); // the socket closes inside the transaction
  const [{ n }] = await sql`select count(*)::int as n from kv`;
  assert.equal(n, 0, "the half-done transaction is gone");
  await sql`insert into kv values (1)`; // and nobody still owns the session
});

Deno.test("Embedded PostgreSQL - NOTIFY reaches each listener; one UNLISTEN leaves the others", async () => {
  await using db = await embedded();
  const a = db.connect(2);
  const b = db.connect(2);
  const heard: string[] = [];
  let wake = Promise.withResolvers<void>();
  const expect = async (count: number) => {
    while (heard.length < count) {
      await wake.promise;
      wake = Promise.withResolvers<void>();
    }
  };
  const la = await a.listen("chan", (p) => {
    heard.push(`a:${p}`);
    wake.resolve();
  });
  const lb = await b.listen("chan", (p) => {
    heard.push(`b:${p}`);
    wake.resolve();
  });
  await a`select pg_notify('chan', '1')`;
  await b.begin((tx) => tx`select pg_notify('chan', '2')`); // delivered at commit
  await expect(4);
  await lb.unlisten();
  await b`select pg_notify('chan', '3')`;
  await expect(5);
  assert.deepEqual(heard.sort(), ["a:1", "a:2", "a:3", "b:1", "b:2"]);
  await la.unlisten();
});

Deno.test("Embedded PostgreSQL - data survives a restart; one process per folder", async () => {
  await using db = await embedded();
  let sql = db.connect();
  await migrate(sql, "event_store");
  const written = await postgresEventStore(sql).append("post-keep", liked(3), {
    expectedVersion: 0,
  });
  await assert.rejects(
    startEmbeddedPostgres({ dataDir: db.dataDir }),
    /in use by another process/,
  );

  await db.restart();
  sql = db.connect();
  assert.deepEqual(await migrate(sql, "event_store"), [], "migrations are remembered");
  const events = await postgresEventStore(sql).readStream("post-keep");
  assert.deepEqual(events.map((e) => e.globalPosition), written.positions);
  const next = await postgresEventStore(sql).append("post-keep", liked(1), {
    expectedVersion: 3,
  });
  assert.ok(next.positions[0] > written.positions[2], "identity goes on after the restart");
});

Deno.test("Embedded PostgreSQL - embedded mode end to end: commands, relay, in-process bus, projector, restore", async () => {
  await using db = await embedded();
  const sql = db.connect(10); // event store and read store in one database, one pool
  await migrate(sql, "event_store");
  await migrate(sql, "read_store");
  const store = postgresEventStore(sql);
  const restorer = createRestorer({ eventSql: sql, readSql: sql });
  const mediator = createMediator({
    side: "command",
    commands: [
      ...postCommandHandlers({ store }),
      ...userCommandHandlers({
        store,
        hasher: scryptHasher({ N: 1 << 10, r: 8, p: 1, keyLength: 32 }),
      }),
      ...adminCommandHandlers({
        restorer,
        projections: projectionAdmin({ eventSql: sql, readSql: sql }),
      }),
    ],
  });
  const s = { eventSql: sql, readSql: sql };
  const worker = await startWorker({ ...s, bus: inProcessBus(), groupId: "agora-projector" });
  try {
    const users = await Promise.all(["ann", "ben", "cid"].map(async (username) => {
      const { userId } = await mediator.send(
        { type: "RegisterUser", username, password: "password-1" },
        requestContext(),
      );
      return requestContext({ actor: { userId, username, isAdmin: false } });
    }));
    const postIds: string[] = [];
    for (const [i, author] of users.entries()) {
      const { postId } = await mediator.send({ type: "CreatePost", message: `p${i}` }, author);
      postIds.push(postId);
    }
    await Promise.all(
      postIds.flatMap((postId) => users.map((u) => mediator.send({ type: "LikePost", postId }, u))),
    );
    await mediator.send({ type: "AddComment", postId: postIds[0], comment: "hi" }, users[1]);
    await mediator.send({ type: "DeletePost", postId: postIds[2] }, users[2]);
    await projected(s);
    await assertVerified(s);

    const job = await restorer.run({ requestedBy: "test" });
    assert.equal(job.status, "done", job.error ?? "");
    await mediator.send({ type: "UnlikePost", postId: postIds[0] }, users[0]);
    await projected(s);
    await assertVerified(s);
  } finally {
    await worker.stop();
  }
});
