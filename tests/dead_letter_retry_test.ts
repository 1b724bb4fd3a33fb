/**
 * Issue 14's dead-letter path end to end: an event the apply step refuses
 * three times becomes a dead letter while later events still apply; after the
 * cause is fixed, the admin page's retry applies it once and resolves it.
 */
import assert from "node:assert/strict";
import { client, testServer } from "./test_server.ts";

/** Polls `check` until it holds; fails after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test({
  name: "Dead letters - the admin page's retry applies a dead-lettered event once, after the fix",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await testServer();
    const sql = server.db.connect({ max: 2 });
    // The cause: the read store refuses this message (the event itself is valid).
    await sql`alter table posts add constraint no_poison check (message <> 'poison')`;
    const root = client(server.url);
    const password = "admin-password";
    assert.equal(
      (await root.json("POST", "/api/v1/users", { username: "root", password })).status,
      201,
    );
    await server.grantAdmin("root");
    assert.equal(
      (await root.json("POST", "/api/v1/session", { username: "root", password })).status,
      200,
    );
    const poisoned = await root.json("POST", "/api/v1/posts", { message: "poison" });
    const fine = await root.json("POST", "/api/v1/posts", { message: "fine" });
    assert.equal(poisoned.status, 201);
    assert.equal(fine.status, 201);

    await eventually(async () => {
      const [row] = await sql`select 1 from posts where id = ${fine.data.id}`;
      return row !== undefined;
    }, "the later post to apply");
    const [letter] = await sql`
      select id::int, attempts, resolved_at from dead_letters where event_type = 'PostCreated'`;
    assert.equal(letter.attempts, 3);
    assert.equal(letter.resolved_at, null);

    await sql`alter table posts drop constraint no_poison`;
    const page = await root.form("/admin", { intent: "retry", id: String(letter.id) });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /projected again/);
    const [post] = await sql`select message from posts where id = ${poisoned.data.id}`;
    assert.equal(post?.message, "poison", "applied");
    const [{ n }] = await sql`select count(*)::int as n from posts where message = 'poison'`;
    assert.equal(n, 1, "once");
    const [after] = await sql`select resolved_at from dead_letters where id = ${letter.id}`;
    assert.ok(after.resolved_at !== null, "resolved");
  },
});
