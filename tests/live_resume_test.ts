/**
 * Live streams honour `Last-Event-ID` (issue 14): a client that reconnects
 * with the read model's current position gets no refresh, only what changes
 * next; an older, unknown or malformed id gets the full current state first.
 */
import assert from "node:assert/strict";
import { events } from "./sse.ts";
import { client, testServer } from "./test_server.ts";

Deno.test("Live updates - Last-Event-ID: current id resumes without a refresh, an old or malformed one gets the full state", async () => {
  await using server = await testServer();
  const alice = client(server.url);
  const bob = client(server.url);
  for (const [who, name] of [[alice, "alice"], [bob, "bob"]] as const) {
    await who.json("POST", "/api/v1/users", { username: name, password: "password-1" });
    await who.json("POST", "/api/v1/session", { username: name, password: "password-1" });
  }
  const created = await alice.json("POST", "/api/v1/posts", { message: "resume me" });
  const postId = created.data.id;
  /** Waits, at most 30 s, until the read model has applied `position` (the server waits 5 s a try). */
  const applied = async (position: number) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await alice.json("GET", `/api/v1/posts/${postId}`, undefined, {
        "x-min-position": String(position),
      });
      if (Number(res.headers.get("x-projection-position")) >= position) return;
      assert.ok(Date.now() < deadline, `position ${position} applied within 30 s`);
    }
  };
  await applied(created.data.position);
  const open = async (lastEventId?: string) => {
    const res = await alice.request(`/live?post=${postId}`, {
      headers: lastEventId === undefined ? {} : { "last-event-id": lastEventId },
    });
    assert.equal(res.status, 200);
    return events(res.body!);
  };

  const first = await open();
  const state = await first.next();
  assert.equal(JSON.parse(state.data).likes, 0, "a new stream starts with the current state");
  await first.cancel();

  // Reconnect with the current id: the first event is the next change, not a refresh.
  const resumed = await open(state.id);
  const liked = await bob.json("PUT", `/api/v1/posts/${postId}/like`, {});
  assert.equal(liked.status, 200);
  const change = await resumed.next();
  assert.equal(JSON.parse(change.data).likes, 1, "the first event after resuming is the like");
  assert.ok(Number(change.id) >= liked.data.position);
  await resumed.cancel();

  // Disconnected while a comment arrives: an old id gets the full state at once.
  const comment = await bob.json("POST", `/api/v1/posts/${postId}/comments`, { comment: "hi" });
  await applied(comment.data.position);
  const behind = await open(state.id);
  const full = JSON.parse((await behind.next()).data);
  assert.equal(full.likes, 1);
  assert.deepEqual(full.comments.map((c: { comment: string }) => c.comment), ["hi"]);
  await behind.cancel();

  for (const bad of ["not-a-position", "-1", "99999999999999999999"]) {
    const stream = await open(bad);
    const fresh = JSON.parse((await stream.next()).data);
    assert.equal(fresh.likes, 1, `Last-Event-ID ${bad}: the full state`);
    await stream.cancel();
  }
});
