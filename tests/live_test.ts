import assert from "node:assert/strict";
import { events } from "./sse.ts";
import { client, testServer } from "./test_server.ts";

Deno.test("Live updates - a post page's stream sends the current state, then every change, resumable", async () => {
  await using server = await testServer();
  const alice = client(server.url);
  const bob = client(server.url);
  await alice.json("POST", "/api/v1/users", { username: "alice", password: "password-1" });
  await alice.json("POST", "/api/v1/session", { username: "alice", password: "password-1" });
  await bob.json("POST", "/api/v1/users", { username: "bob", password: "password-1" });
  await bob.json("POST", "/api/v1/session", { username: "bob", password: "password-1" });
  const created = await alice.json("POST", "/api/v1/posts", { message: "watch me" });
  await alice.json("GET", `/api/v1/posts/${created.data.id}`, undefined, {
    "x-min-position": String(created.data.position),
  });

  const res = await alice.request(`/live?post=${created.data.id}`);
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const stream = events(res.body!);
  const first = await stream.next();
  assert.equal(first.event, "post");
  assert.equal(JSON.parse(first.data).likes, 0, "the current state comes first");

  await bob.json("PUT", `/api/v1/posts/${created.data.id}/like`, {});
  const liked = await stream.next();
  assert.equal(JSON.parse(liked.data).likes, 1, "bob's like arrives live");
  assert.ok(Number(liked.id) > Number(first.id), "event ids are read-model positions");
  await stream.cancel();

  // Disconnected: a comment arrives meanwhile; the reconnect resumes from Last-Event-ID.
  await bob.json("POST", `/api/v1/posts/${created.data.id}/comments`, { comment: "hi" });
  const again = await alice.request(`/live?post=${created.data.id}`, {
    headers: { "last-event-id": liked.id },
  });
  const resumed = events(again.body!);
  const missed = JSON.parse((await resumed.next()).data);
  // The comment may still be on its way to the read store; then it is the next event.
  const state = missed.comments.length ? missed : JSON.parse((await resumed.next()).data);
  assert.deepEqual(state.comments.map((c: { comment: string }) => c.comment), ["hi"]);
  await resumed.cancel();
});

Deno.test("Live updates - a malformed stream request is 400", async () => {
  await using server = await testServer();
  const res = await fetch(`${server.url}/live?post=nope`);
  assert.equal(res.status, 400);
  await res.body?.cancel();
});
