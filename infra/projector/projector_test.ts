import assert from "node:assert/strict";
import { requestContext } from "../../app/context.ts";
import { assertVerified, projected, stores, testBus, until } from "../pipeline_test_utils.ts";
import { startWorker } from "../worker.ts";

type Stores = Awaited<ReturnType<typeof stores>>;

/** An administrator's request context (RetryDeadLetter is for administrators only). */
function admin() {
  return requestContext({
    actor: { userId: crypto.randomUUID(), username: "root", isAdmin: true },
  });
}

async function deadLetters(s: Stores) {
  return await s.readSql`
    select id::int, event_type, attempts, error, resolved_at from dead_letters order by id`;
}

Deno.test("Projector - an event failing all three attempts in the apply step goes to dead letters; other streams go on; a retry after the fix applies it once", async () => {
  await using s = await stores();
  // The cause: the read store refuses this message (the event itself decodes fine).
  await s.readSql`alter table posts add constraint no_poison check (message <> 'poison')`;
  const bus = testBus();
  const worker = await startWorker({
    eventSql: s.eventSql,
    readSql: s.readSql,
    bus,
    groupId: `group-${crypto.randomUUID()}`,
  });
  try {
    const alice = await s.register("alice");
    const bob = await s.register("bob");
    const { postId: poisoned } = await s.mediator.send(
      { type: "CreatePost", message: "poison" },
      alice,
    );
    await s.mediator.send({ type: "LikePost", postId: poisoned }, bob);
    const later = [];
    for (let i = 0; i < 5; i++) {
      later.push((await s.mediator.send({ type: "CreatePost", message: `fine ${i}` }, bob)).postId);
    }
    await projected(s, { timeoutMs: 60_000 });

    const [letter] = await deadLetters(s);
    assert.equal((await deadLetters(s)).length, 1);
    assert.equal(letter.event_type, "PostCreated");
    assert.equal(letter.attempts, 3, "tried three times");
    assert.match(letter.error, /no_poison/);
    const [{ n }] = await s.readSql`select count(*)::int as n from posts where id = any(${later})`;
    assert.equal(n, later.length, "later events of other streams applied");

    // The fix, then the retry through the mediator (what the admin page's action sends).
    await s.readSql`alter table posts drop constraint no_poison`;
    const { applied } = await s.mediator.send(
      { type: "RetryDeadLetter", id: letter.id },
      admin(),
    );
    assert.equal(applied, true);
    const [post] = await s.readSql`select message, likes from posts where id = ${poisoned}`;
    assert.deepEqual({ ...post }, { message: "poison", likes: 1 }, "applied once, with its like");
    const [after] = await deadLetters(s);
    assert.ok(after.resolved_at !== null, "the letter is marked resolved");
    const again = await s.mediator.send({ type: "RetryDeadLetter", id: letter.id }, admin());
    assert.equal(again.applied, false, "a resolved letter is not retried");

    // The stream goes on through the live projector after the retry.
    await s.mediator.send({ type: "LikePost", postId: poisoned }, alice);
    await until(s.readSql, async () => {
      const [row] = await s.readSql`select likes from posts where id = ${poisoned}`;
      return row?.likes === 2;
    }, { what: "the like after the retry" });
    await assertVerified(s);
  } finally {
    await worker.stop();
  }
});

Deno.test("Projector - a retry that fails again keeps the letter open and counts the attempt", async () => {
  await using s = await stores();
  await s.readSql`alter table posts add constraint no_poison check (message <> 'poison')`;
  const worker = await startWorker({
    eventSql: s.eventSql,
    readSql: s.readSql,
    bus: testBus(),
    groupId: `group-${crypto.randomUUID()}`,
  });
  try {
    const alice = await s.register("alice");
    await s.mediator.send({ type: "CreatePost", message: "poison" }, alice);
    await projected(s, { timeoutMs: 60_000 });
    const [letter] = await deadLetters(s);
    const { applied } = await s.mediator.send({ type: "RetryDeadLetter", id: letter.id }, admin());
    assert.equal(applied, false);
    const [after] = await deadLetters(s);
    assert.equal(after.resolved_at, null);
    assert.equal(after.attempts, 4);
  } finally {
    await worker.stop();
  }
});
