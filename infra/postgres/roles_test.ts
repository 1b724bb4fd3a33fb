/**
 * The process roles on real PostgreSQL and Kafka: what each role is refused,
 * and the whole flow (commands, relay, projector, queries, Restore read DB)
 * running with nothing but the roles' privileges. Roles are cluster-wide and
 * shared by every test: creation is idempotent and they are never dropped.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { adminCommandHandlers, adminQueryHandlers } from "../../app/admin_handlers.ts";
import { backgroundTasks } from "../../app/background.ts";
import { requestContext } from "../../app/context.ts";
import { createMediator } from "../../app/mediator.ts";
import { postCommandHandlers } from "../../app/post_handlers.ts";
import { queryHandlers } from "../../app/query_handlers.ts";
import { userCommandHandlers } from "../../app/user_handlers.ts";
import { silentLogger } from "../../app/log.ts";
import { type Actor, postStreamId } from "../../domain/mod.ts";
import { scryptHasher } from "../password.ts";
import { assertVerified, projected, stores, testBus } from "../pipeline_test_utils.ts";
import { PROJECTION_TABLES } from "../projections/apply_event.ts";
import { postgresReadStore } from "../projections/read_store.ts";
import { createRestorer } from "../projections/restore.ts";
import { projectionAdmin } from "../projector/projection_admin.ts";
import { startWorker } from "../worker.ts";
import { connect, type Sql } from "./connect.ts";
import { postgresEventStore } from "./event_store.ts";
import {
  eventStoreGrants,
  type ProcessRole,
  readStoreGrants,
  roleNames,
  rolesSql,
} from "./roles.ts";
import { postgresSessionStore } from "./sessions.ts";
import { postgresSnapshotStore } from "./snapshots.ts";
import { tempDatabase, userHandlerParts } from "./test_utils.ts";
import { verifySnapshots } from "./verify_snapshots.ts";

const LAYOUTS = [
  { name: "one database", separateReadStore: false },
  { name: "two databases", separateReadStore: true },
] as const;

const fastHasher = scryptHasher({ N: 1 << 10, r: 8, p: 1, keyLength: 32 });

/** Applies every script of `rolesSql` as the owner, each in one transaction. */
async function applyRoles(owner: { eventSql: Sql; readSql: Sql }, databases: {
  eventDatabase: string;
  readDatabase: string;
}): Promise<void> {
  for (const script of rolesSql(databases)) {
    const sql = script.store === "event_store" ? owner.eventSql : owner.readSql;
    await sql.begin(async (tx) => {
      for (const statement of script.statements) await tx.unsafe(statement);
    });
  }
}

function urlAs(url: string, role: ProcessRole): string {
  const as = new URL(url);
  as.username = roleNames[role];
  as.password = "";
  return as.toString();
}

/**
 * Migrated stores with the roles applied, plus connections as each role.
 * `as(role)` gives one pool per store, the same pool when there is one database.
 */
async function roleStores(options: { separateReadStore: boolean }) {
  const s = await stores(options);
  await applyRoles(s, { eventDatabase: s.eventDb.name, readDatabase: s.readDb.name });
  const opened: Sql[] = [];
  const open = (url: string, role: ProcessRole, max: number) => {
    const sql = connect(urlAs(url, role), { max, name: `roles-test-${role}` });
    opened.push(sql);
    return sql;
  };
  return {
    ...s,
    as(role: ProcessRole, max = 5): { eventSql: Sql; readSql: Sql } {
      const eventSql = open(s.eventDb.url, role, max);
      const readSql = options.separateReadStore ? open(s.readDb.url, role, max) : eventSql;
      return { eventSql, readSql };
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(opened.map((sql) => sql.end({ timeout: 1 })));
      await s[Symbol.asyncDispose]();
    },
  };
}

/** The statement fails with SQLSTATE 42501 (insufficient privilege). */
async function refused(run: () => Promise<unknown>, what: string, message?: RegExp) {
  await assert.rejects(run, (error) => {
    assert.ok(error instanceof postgres.PostgresError, `${what}: ${error}`);
    assert.equal(error.code, "42501", `${what}: ${error.message}`);
    if (message) assert.match(error.message, message, what);
    return true;
  }, `${what} should be refused`);
}

const newEvent = (sql: Sql) =>
  sql`insert into events (stream_id, stream_type, stream_version, event_id, event_type, data,
                          metadata)
      values ('post-x', 'post', 1, ${crypto.randomUUID()}, 'PostCreated', '{}', '{}')`;

/** Owner and privileges of the tables (default: every table): what a rerun or a swap keeps. */
async function tableAcls(sql: Sql, tables?: readonly string[]) {
  const rows = await sql`
    select relname as table, relowner::regrole::text as owner,
           array(select unnest(relacl)::text order by 1) as acl
    from pg_class
    where relnamespace = 'public'::regnamespace and relkind = 'r'
      and (${tables ?? null}::text[] is null or relname = any(${tables ?? null}::text[]))
    order by relname`;
  return [...rows];
}

Deno.test("Roles - every table of both stores has a line in the grants", async () => {
  await using s = await stores({ separateReadStore: true });
  const tablesOf = async (sql: Sql) =>
    (await sql<{ name: string }[]>`
      select tablename as name from pg_tables where schemaname = 'public' order by 1`)
      .map((r) => r.name);
  assert.deepEqual(await tablesOf(s.eventSql), Object.keys(eventStoreGrants).sort());
  assert.deepEqual(await tablesOf(s.readSql), Object.keys(readStoreGrants).sort());
});

Deno.test("Roles - applying twice changes nothing and PUBLIC keeps no privilege", async () => {
  await using s = await roleStores({ separateReadStore: true });
  const before = [await tableAcls(s.eventSql), await tableAcls(s.readSql)];
  await applyRoles(s, { eventDatabase: s.eventDb.name, readDatabase: s.readDb.name });
  assert.deepEqual([await tableAcls(s.eventSql), await tableAcls(s.readSql)], before);
  for (const sql of [s.eventSql, s.readSql]) {
    const [{ n }] = await sql`
      select count(*)::int as n from pg_class c, aclexplode(c.relacl) a
      where c.relnamespace = 'public'::regnamespace and a.grantee = 0`;
    assert.equal(n, 0, "no table privilege is granted to PUBLIC");
    const [{ can }] = await sql`
      select has_schema_privilege(${roleNames.command}, 'public', 'create') as can`;
    assert.equal(can, false, "the command role cannot create tables");
  }
});

for (const layout of LAYOUTS) {
  Deno.test(`Roles - ${layout.name}: each role is refused what it must not do`, async () => {
    await using s = await roleStores(layout);
    const alice = await s.register("alice");
    const { postId } = await s.mediator.send({ type: "CreatePost", message: "hi" }, alice);
    await s.readSql`insert into posts (id, author, author_name, message, created_at, version)
                    values (${postId}, ${alice.actor!.userId}, 'alice', 'hi', now(), 1)`;
    const command = s.as("command");
    const query = s.as("query");
    const worker = s.as("worker");

    // query: reads everything it serves, writes nothing
    await refused(() => newEvent(query.eventSql), "query inserts an event");
    await refused(() => query.readSql`update posts set likes = 5`, "query updates posts");
    await refused(() => query.readSql`delete from likes`, "query deletes likes");
    await refused(
      () => query.eventSql`delete from sessions`,
      "query deletes sessions",
    );
    for (const table of Object.keys(readStoreGrants)) {
      await query.readSql.unsafe(`select count(*) from ${table}`);
    }
    await query.eventSql`select count(*) from events`;

    // command: appends, never changes history or projections
    await refused(() => command.eventSql`update events set event_type = 'x'`, "command updates");
    await refused(() => command.eventSql`delete from events`, "command deletes events");
    await refused(() => command.eventSql`truncate events`, "command truncates events");
    await refused(() => command.readSql`update posts set likes = 5`, "command updates posts");
    await refused(
      () =>
        command.readSql`insert into users (id, username, registered_at)
                        values (${crypto.randomUUID()}, 'mallory', now())`,
      "command inserts users",
    );
    await refused(() => command.readSql`delete from likes`, "command deletes likes");
    await refused(
      () => command.readSql`insert into applied_positions values (999)`,
      "command fakes an applied position",
    );
    await refused(
      () => command.readSql`update projector_state set max_position = 999`,
      "command moves the checkpoint",
    );
    await refused(() => command.readSql`select * from dead_letters`, "command reads dead letters");
    await refused(() => command.eventSql`select * from relay_cursors`, "command reads the relay");
    await refused(
      () => command.readSql`create table mine (x int)`,
      "command creates a table",
    );
    // The trigger refuses even those who hold every privilege.
    await refused(() => s.eventSql`update events set event_type = 'x'`, "owner", /append-only/);
    await refused(() => s.eventSql`truncate events`, "owner truncates", /append-only/);

    // worker: reads events, writes the read store only
    await refused(() => newEvent(worker.eventSql), "worker inserts an event");
    await refused(() => worker.eventSql`update events set event_type = 'x'`, "worker updates");
    await refused(() => worker.eventSql`update streams set version = 9`, "worker moves streams");
    await refused(() => worker.eventSql`select * from sessions`, "worker reads sessions");
    const [{ count }] = await worker.eventSql`select count(*)::int from events`;
    assert.ok(count > 0);
  });

  Deno.test(`Roles - ${layout.name}: the whole flow works with the roles' credentials`, async () => {
    await using s = await roleStores(layout);
    const command = s.as("command");
    const query = s.as("query");
    const worker = s.as("worker", 10);
    // Restore read DB runs in its own process (deno task restore-read-db) as the worker.
    const restoring = s.as("worker", 4);

    const store = postgresEventStore(command.eventSql);
    const commandReads = postgresReadStore(command.readSql);
    // Snapshots every 2 versions, moved forward with the command role's privileges.
    const snapshotWarnings: string[] = [];
    const log = { ...silentLogger, warn: (msg: string) => void snapshotWarnings.push(msg) };
    const restorer = createRestorer(restoring);
    const background = backgroundTasks();
    const commands = createMediator({
      side: "command",
      commands: [
        ...postCommandHandlers({
          store,
          snapshots: postgresSnapshotStore(command.eventSql),
          snapshotEvery: 2,
          log,
          background,
        }),
        ...userCommandHandlers({
          store,
          hasher: fastHasher,
          ...userHandlerParts(command.eventSql),
        }),
        ...adminCommandHandlers({ restorer, projections: projectionAdmin(restoring) }),
      ],
    });
    const queryReads = postgresReadStore(query.readSql);
    const queries = createMediator({
      side: "query",
      queries: [
        ...queryHandlers({ readStore: queryReads, eventStore: postgresEventStore(query.eventSql) }),
        ...adminQueryHandlers({
          restorer: createRestorer(query),
          projections: projectionAdmin(query),
        }),
      ],
    });
    const running = await startWorker({
      ...worker,
      bus: testBus(),
      groupId: `group-${crypto.randomUUID()}`,
    });
    try {
      const register = async (username: string) => {
        const { userId } = await commands.send(
          { type: "RegisterUser", username, password: "password-1" },
          requestContext(),
        );
        const actor: Actor = { userId, username, isAdmin: false };
        return requestContext({ actor });
      };
      const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map(register));
      const posts: string[] = [];
      for (const [i, author] of [alice, bob, carol, alice].entries()) {
        const { postId } = await commands.send({ type: "CreatePost", message: `p${i}` }, author);
        posts.push(postId);
      }
      for (const postId of posts) {
        await Promise.all(
          [alice, bob, carol].map((u) => commands.send({ type: "LikePost", postId }, u)),
        );
      }
      const { commentId } = await commands.send(
        { type: "AddComment", postId: posts[0], comment: "nice" },
        bob,
      );
      const edited = await commands.send({
        type: "EditComment",
        postId: posts[0],
        commentId,
        comment: "!",
      }, bob);
      await commands.send({ type: "UnlikePost", postId: posts[1] }, carol);
      await commands.send({ type: "EditMessage", postId: posts[2], message: "edited" }, carol);
      const removed = await commands.send({ type: "DeletePost", postId: posts[3] }, alice);
      await background.settled();
      assert.deepEqual(snapshotWarnings, []);
      const snapshot = await postgresSnapshotStore(command.eventSql).load(
        postStreamId(posts[0]),
        [],
      );
      assert.ok(snapshot && snapshot.version >= 4, "the post's snapshot moved forward");
      // `deno task verify` may run as the query role: it reads the snapshots.
      assert.deepEqual((await verifySnapshots(query.eventSql)).differences, []);

      // Read-your-writes on the command side: wait for a write's position, re-read its page.
      assert.equal(await commandReads.waitForPosition(removed.position, 30_000), true);
      assert.equal(await commandReads.findPost(posts[3], null), null);
      assert.equal(await commandReads.waitForPosition(edited.position, 30_000), true);
      assert.equal((await commandReads.findPost(posts[0], null))?.commentList[0].comment, "!");

      // Sessions: created by the command side, looked up by the query side.
      const session = await postgresSessionStore(command.eventSql).create({
        userId: alice.actor!.userId,
        username: "alice",
      });
      const found = await postgresSessionStore(query.eventSql).find(session.id);
      assert.equal(found?.username, "alice");
      await postgresSessionStore(command.eventSql).delete(session.id);

      await projected(s);
      const feed = await queries.query({ type: "FindAllPosts", limit: 20 }, requestContext());
      assert.deepEqual(feed.posts.map((p) => p.id).sort(), posts.slice(0, 3).sort());
      const history = await queries.query(
        { type: "GetPostHistory", postId: posts[0] },
        requestContext(),
      );
      assert.ok(history.length >= 4);
      const admin = requestContext({
        actor: { userId: alice.actor!.userId, username: "alice", isAdmin: true },
      });
      const status = await queries.query({ type: "GetProjectionStatus" }, admin);
      assert.equal(status.deadLetters.length, 0);
      await assertVerified(s);

      // Restore read DB as the worker, while the projector runs: the swapped-in tables
      // are the worker's again and the other roles keep reading them.
      const acls = await tableAcls(s.readSql, PROJECTION_TABLES);
      const job = await restorer.run({ requestedBy: "roles-test" });
      assert.equal(job.status, "done", `restore: ${job.error}`);
      assert.deepEqual(
        await tableAcls(s.readSql, PROJECTION_TABLES),
        acls,
        "the swap keeps owner and grants",
      );
      const afterSwap = await queries.query({ type: "FindAllPosts", limit: 20 }, requestContext());
      assert.equal(afterSwap.posts.length, 3);
      assert.equal((await commandReads.findPost(posts[0], null))?.likes, 3);
      await refused(() => query.readSql`delete from likes`, "query deletes swapped likes");
      await refused(() => command.readSql`update posts set likes = 0`, "command updates swapped");

      // The projector (worker) goes on writing into the new tables.
      const later = await commands.send({ type: "LikePost", postId: posts[1] }, carol);
      assert.equal(await commandReads.waitForPosition(later.position, 30_000), true);
      assert.equal((await queryReads.findPost(posts[1], null))?.likes, 3);
      await projected(s);
      await assertVerified(s);
    } finally {
      await running.stop();
      await commandReads.close();
      await queryReads.close();
    }
  });
}

Deno.test("Roles - deno task db:roles prints the SQL and --apply grants on both databases", async () => {
  await using eventDb = await tempDatabase();
  await using readDb = await tempDatabase("agora_read");
  const run = async (args: string[]) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../scripts/db_roles.ts", import.meta.url).pathname, ...args],
      env: { DATABASE_URL: eventDb.url, READ_DATABASE_URL: readDb.url },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    assert.equal(output.code, 0, decode(output.stderr));
    return decode(output.stdout);
  };
  const printed = await run([]);
  assert.match(printed, new RegExp(`-- event store database \\(${eventDb.name}\\)`));
  assert.match(printed, new RegExp(`-- read store database \\(${readDb.name}\\)`));
  assert.match(printed, /grant select, insert on public\.events to agora_command;/);
  assert.match(printed, /ROLE=query.*agora_query:<password>@/);

  const applied = await run(["--apply"]);
  assert.match(applied, /read_store: roles and grants applied/);
  const eventSql = eventDb.connect({ max: 1 });
  const readSql = readDb.connect({ max: 1 });
  const [events] = await eventSql`
    select has_table_privilege('agora_command', 'events', 'insert') as append,
           has_table_privilege('agora_command', 'events', 'update') as rewrite,
           has_table_privilege('agora_query', 'events', 'select') as history`;
  assert.deepEqual({ ...events }, { append: true, rewrite: false, history: true });
  const [read] = await readSql`
    select has_table_privilege('agora_query', 'posts', 'select') as feed,
           has_table_privilege('agora_command', 'posts', 'update') as tamper,
           pg_get_userbyid(relowner) as owner
    from pg_class where oid = 'public.posts'::regclass`;
  assert.deepEqual({ ...read }, { feed: true, tamper: false, owner: "agora_worker" });
});
