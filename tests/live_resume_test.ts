/**
 * Live streams honour `Last-Event-ID` (issue 14): a client that reconnects
 * with the read model's current position gets no refresh, only what changes
 * next; an older, unknown or malformed id gets the full current state first.
 */
import assert from "node:assert/strict";
import { client, testServer } from "./test_server.ts";

/** Longest wait for one server-sent event. */
const EVENT_MS = 10_000;

/** Reads server-sent events from a response body; each read fails after EVENT_MS. */
function events(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(
    new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>,
  ).getReader();
  let buffer = "";
  const read = async (): Promise<{ id: string; event: string; data: string }> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split("\n")) {
          const colon = line.indexOf(":");
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
        }
        if (fields.event) return { id: fields.id, event: fields.event, data: fields.data };
        continue; // retry hint or keepalive comment
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      buffer += value;
    }
  };
  return {
    async next() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within ${EVENT_MS} ms`)), EVENT_MS);
      });
      try {
        return await Promise.race([read(), late]);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: () => reader.cancel(),
  };
}

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
