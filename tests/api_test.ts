/**
 * The JSON API v1 end to end: one test server (own database, Kafka topic,
 * worker) shared by every test of this file, scripted clients with cookies.
 */
import assert from "node:assert/strict";
import { client, testServer } from "./test_server.ts";

const ADMIN = "api_admin";
/** RATE_LIMIT_BURST's default. */
const API_WRITE_LIMIT = { burst: 20 };

let started: ReturnType<typeof testServer> | null = null;
/** The one server of this file, started by the first test that needs it. */
function server() {
  started ??= testServer();
  return started;
}

/** Tests share the server, so its connections outlive each test. */
function apiTest(name: string, fn: () => Promise<void>) {
  Deno.test({ name: `API - ${name}`, sanitizeOps: false, sanitizeResources: false, fn });
}

let clients = 0;

/**
 * A scripted client with its own address (`X-Forwarded-For`), so the write
 * limit of anonymous clients is not shared between tests.
 */
async function anonymous() {
  const { url } = await server();
  const c = client(url);
  const ip = `198.51.100.${++clients}`;
  return {
    ...c,
    ip,
    call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      return c.json(method, path, body, { "x-forwarded-for": ip, ...headers });
    },
    /** A write without a body still says it speaks JSON. */
    send(method: string, path: string, headers: Record<string, string> = {}) {
      return c.json(method, path, undefined, {
        "x-forwarded-for": ip,
        "content-type": "application/json",
        ...headers,
      });
    },
  };
}

type ApiClient = Awaited<ReturnType<typeof anonymous>>;

function uniqueName(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
}

/** A registered, signed-in user. */
async function signedIn(name = uniqueName("user")): Promise<ApiClient & { name: string }> {
  const c = await anonymous();
  const password = "correct horse";
  assert.deepEqual(
    (await c.call("POST", "/api/v1/users", { username: name, password })).status,
    201,
  );
  assert.deepEqual(
    (await c.call("POST", "/api/v1/session", { username: name, password })).status,
    200,
  );
  return { ...c, name };
}

/** Creates a post and returns its id and position. */
async function createPost(c: ApiClient, message = "hello") {
  const res = await c.call("POST", "/api/v1/posts", { message });
  assert.deepEqual(res.status, 201, JSON.stringify(res.data));
  return res.data as { id: string; version: number; position: number };
}

/** Reads a post once the given write is projected. */
function readPost(c: ApiClient, id: string, position: number) {
  return c.call("GET", `/api/v1/posts/${id}`, undefined, { "x-min-position": String(position) });
}

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

apiTest(
  "sign up 201, taken 409, sign in 200 with cookie, wrong password 401, sign out 204",
  async () => {
    const c = await anonymous();
    const username = uniqueName("alice");
    const created = await c.call("POST", "/api/v1/users", { username, password: "password-1" });
    assert.deepEqual(created.status, 201);
    assert.match(created.data.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(c.jar.size, 0, "registering does not sign in");

    const taken = await c.call("POST", "/api/v1/users", { username, password: "password-2" });
    assert.deepEqual(taken.status, 409);
    assert.deepEqual(taken.data.error.code, "username_taken");

    const wrong = await c.call("POST", "/api/v1/session", { username, password: "password-2" });
    assert.deepEqual(wrong.status, 401);
    assert.deepEqual(wrong.data.error.code, "invalid_credentials");
    const unknown = await c.call("POST", "/api/v1/session", {
      username: uniqueName("nobody"),
      password: "password-1",
    });
    assert.deepEqual(unknown.status, 401);

    const session = await c.call("POST", "/api/v1/session", { username, password: "password-1" });
    assert.deepEqual(session.status, 200);
    assert.deepEqual(session.data, { username });
    const cookie = session.headers.getSetCookie().find((line) => line.startsWith("agora_session="));
    assert.ok(cookie, "a session cookie is set");
    assert.match(cookie, /HttpOnly/i);
    assert.deepEqual((await createPost(c)).version, 1, "the cookie signs the client in");

    const out = await c.send("DELETE", "/api/v1/session");
    assert.deepEqual(out.status, 204);
    assert.deepEqual(out.data, null);
    assert.deepEqual(c.jar.has("agora_session"), false, "the cookie is cleared");
    const after = await c.call("POST", "/api/v1/posts", { message: "still here?" });
    assert.deepEqual(after.status, 401);
    assert.deepEqual(after.data.error.code, "unauthenticated");
  },
);

apiTest("bad input is 400 naming the field or the problem, never 500", async () => {
  const c = await signedIn();
  const missing = await c.call("POST", "/api/v1/users", {});
  assert.deepEqual(missing.status, 400);
  assert.deepEqual(missing.data.error.code, "validation_failed");
  assert.deepEqual(Object.keys(missing.data.error.fields).sort(), ["password", "username"]);

  const badName = await c.call("POST", "/api/v1/users", { username: "x!", password: "password-1" });
  assert.deepEqual(badName.status, 400);
  assert.ok(badName.data.error.fields.username);
  const shortPassword = await c.call("POST", "/api/v1/users", {
    username: uniqueName("bob"),
    password: "short",
  });
  assert.deepEqual(shortPassword.status, 400);
  assert.ok(shortPassword.data.error.fields.password);

  for (const message of ["", "   ", 42, null, "x".repeat(2001)]) {
    const res = await c.call("POST", "/api/v1/posts", { message });
    assert.deepEqual(res.status, 400, `message ${JSON.stringify(message)}`);
    assert.ok(res.data.error.fields.message, `names the field for ${JSON.stringify(message)}`);
  }

  const notJson = await c.request("/api/v1/posts", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": c.ip },
    body: '{"message": "unterminated',
  });
  assert.deepEqual(notJson.status, 400);
  const notJsonBody = await notJson.json();
  assert.deepEqual(notJsonBody.error.code, "invalid_json");
  assert.match(notJsonBody.error.message, /not valid JSON/);

  const empty = await c.send("POST", "/api/v1/posts");
  assert.deepEqual(empty.status, 400);
  assert.deepEqual(empty.data.error.code, "invalid_json");

  const notObject = await c.call("POST", "/api/v1/posts", ["hello"]);
  assert.deepEqual(notObject.status, 400);
  assert.ok(notObject.data.error.fields);

  const notUuid = await c.call("GET", "/api/v1/posts/not-a-uuid");
  assert.deepEqual(notUuid.status, 400);
  assert.ok(notUuid.data.error.fields.postId);
});

apiTest("a write with a body that is not Content-Type: application/json is 415", async () => {
  const c = await signedIn();
  const xml = await c.request("/api/v1/posts", {
    method: "POST",
    headers: { "content-type": "application/xml", "x-forwarded-for": c.ip },
    body: "<message>hi</message>",
  });
  assert.deepEqual(xml.status, 415);
  assert.deepEqual((await xml.json()).error.code, "unsupported_media_type");

  // A same-origin page may send text/plain past CSRF; the API still refuses it.
  const { url } = await server();
  const text = await c.request("/api/v1/posts", {
    method: "POST",
    headers: { "content-type": "text/plain", origin: url, "x-forwarded-for": c.ip },
    body: JSON.stringify({ message: "hi" }),
  });
  assert.deepEqual(text.status, 415);
  await text.body?.cancel();

  const like = await c.call("PUT", `/api/v1/posts/${UNKNOWN_ID}/like`, undefined, { origin: url });
  assert.deepEqual(like.status, 404, "a write without a body needs no Content-Type");
});

apiTest("a body over 64 KiB is 413, by Content-Length and by what arrives", async () => {
  const c = await signedIn();
  const big = await c.call("POST", "/api/v1/posts", { message: "x".repeat(70 * 1024) });
  assert.deepEqual(big.status, 413);
  assert.deepEqual(big.data.error.code, "payload_too_large");

  // Streamed (chunked): no Content-Length, so only counting the bytes read can tell.
  const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"message":"'));
      if (sent++ < 5) controller.enqueue(chunk);
      else {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      }
    },
  });
  const streamed = await c.request("/api/v1/posts", {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": c.ip },
    body: stream,
  });
  assert.deepEqual(streamed.status, 413);
  assert.deepEqual((await streamed.json()).error.code, "payload_too_large");
});

apiTest("create 201, then an immediate read with X-Min-Position sees it (200, ETag)", async () => {
  const c = await signedIn();
  const res = await c.call("POST", "/api/v1/posts", { message: "  first post  " });
  assert.deepEqual(res.status, 201);
  const { id, version, position } = res.data;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(version, 1);
  assert.ok(position > 0);
  assert.deepEqual(res.headers.get("location"), `/api/v1/posts/${id}`);

  const read = await readPost(c, id, position);
  assert.deepEqual(read.status, 200);
  assert.deepEqual(read.headers.get("etag"), '"1"');
  assert.ok(Number(read.headers.get("x-projection-position")) >= position);
  const { createdAt, ...rest } = read.data;
  assert.deepEqual(rest, {
    id,
    author: c.name,
    message: "first post",
    updatedAt: null,
    likes: 0,
    likedByMe: false,
    comments: [],
    version: 1,
  });
  assert.ok(!Number.isNaN(Date.parse(createdAt)));

  const unknown = await c.call("GET", `/api/v1/posts/${UNKNOWN_ID}`);
  assert.deepEqual(unknown.status, 404);
  assert.deepEqual(unknown.data.error.code, "post_not_found");
});

apiTest(
  "every response carries X-Projection-Position; unknown paths 404, wrong methods 405",
  async () => {
    const c = await anonymous();
    const feed = await c.call("GET", "/api/v1/posts");
    assert.deepEqual(feed.status, 200);
    assert.match(feed.headers.get("x-projection-position") ?? "", /^\d+$/);

    const missing = await c.call("GET", "/api/v1/nothing-here");
    assert.deepEqual(missing.status, 404);
    assert.deepEqual(missing.data.error.code, "not_found");
    assert.match(missing.headers.get("x-projection-position") ?? "", /^\d+$/);

    const wrong = await c.send("POST", `/api/v1/posts/${UNKNOWN_ID}`);
    assert.deepEqual(wrong.status, 405);
    assert.deepEqual(wrong.headers.get("allow"), "GET, HEAD, PATCH, DELETE");
  },
);

apiTest("feed: filters, keyset pagination, query strings coerced, bad ones 400", async () => {
  const author = await signedIn();
  const reader = await signedIn();
  const first = await createPost(author, "one");
  const second = await createPost(author, "two");
  const third = await createPost(author, "three");
  const liked = await reader.send("PUT", `/api/v1/posts/${second.id}/like`);
  assert.deepEqual(liked.status, 200);
  const commented = await reader.call("POST", `/api/v1/posts/${first.id}/comments`, {
    comment: "nice",
  });
  assert.deepEqual(commented.status, 201);
  // The projector applies partitions independently: waiting for the comment's position alone
  // would not cover the like on another post. Both writes wait, from the header and the cookie.
  const wait = { "x-min-position": `${liked.data.position}, ${commented.data.position}` };
  assert.deepEqual(
    reader.jar.get("agora_pos"),
    `${liked.data.position}.${commented.data.position}`,
    "the cookie keeps every write not yet read back",
  );

  const page1 = await reader.call(
    "GET",
    `/api/v1/posts?author=${author.name.toUpperCase()}&limit=2`,
    undefined,
    wait,
  );
  assert.deepEqual(page1.status, 200);
  assert.deepEqual(page1.data.posts.map((p: { id: string }) => p.id), [third.id, second.id]);
  assert.deepEqual(page1.data.posts[1], {
    id: second.id,
    author: author.name,
    message: "two",
    createdAt: page1.data.posts[1].createdAt,
    updatedAt: null,
    likes: 1,
    commentCount: 0,
    version: 2,
  });
  assert.ok(page1.data.nextCursor);
  const page2 = await reader.call(
    "GET",
    `/api/v1/posts?author=${author.name}&limit=2&cursor=${page1.data.nextCursor}`,
  );
  assert.deepEqual(page2.data.posts.map((p: { id: string }) => p.id), [first.id]);
  assert.deepEqual(page2.data.nextCursor, null);

  const withComments = await reader.call(
    "GET",
    `/api/v1/posts?author=${author.name}&withComments=true&minLikes=`,
  );
  assert.deepEqual(withComments.data.posts.map((p: { id: string }) => p.id), [first.id]);
  const withLikes = await reader.call("GET", `/api/v1/posts?author=${author.name}&minLikes=1`);
  assert.deepEqual(withLikes.data.posts.map((p: { id: string }) => p.id), [second.id]);
  const all = await reader.call("GET", `/api/v1/posts?author=${author.name}&withComments=false`);
  assert.deepEqual(all.data.posts.length, 3);

  const bad: [string, string][] = [
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["limit=1.5", "limit"],
    ["minLikes=-1", "minLikes"],
    ["minLikes=lots", "minLikes"],
    ["minLikes=1e30", "minLikes"],
    ["withComments=maybe", "withComments"],
    ["cursor=not*a*cursor", "cursor"],
    ["cursor=eyJ4IjoxfQ", "cursor"],
  ];
  for (const [query, field] of bad) {
    const res = await reader.call("GET", `/api/v1/posts?${query}`);
    assert.deepEqual(res.status, 400, query);
    assert.ok(res.data.error.fields[field], `${query} names ${field}: ${JSON.stringify(res.data)}`);
  }
});

apiTest(
  "edit: 200 {version, position}, stale If-Match 412, not the author 403, anonymous 401",
  async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const post = await createPost(alice, "draft");

    const edited = await alice.call("PATCH", `/api/v1/posts/${post.id}`, { message: "final" });
    assert.deepEqual(edited.status, 200);
    assert.deepEqual(edited.data.version, 2);
    assert.ok(edited.data.position > post.position);
    const read = await readPost(alice, post.id, edited.data.position);
    assert.deepEqual(read.data.message, "final", "read-your-writes after an edit");
    assert.deepEqual(read.headers.get("etag"), '"2"');
    assert.ok(read.data.updatedAt);

    const stale = await alice.call("PATCH", `/api/v1/posts/${post.id}`, { message: "lost" }, {
      "if-match": '"1"',
    });
    assert.deepEqual(stale.status, 412);
    assert.deepEqual(stale.data.error.code, "precondition_failed");
    const current = await alice.call("PATCH", `/api/v1/posts/${post.id}`, { message: "kept" }, {
      "if-match": read.headers.get("etag")!,
    });
    assert.deepEqual(current.status, 200);
    assert.deepEqual(current.data.version, 3);

    const badMatch = await alice.call("PATCH", `/api/v1/posts/${post.id}`, { message: "x" }, {
      "if-match": "yesterday",
    });
    assert.deepEqual(badMatch.status, 400);
    assert.ok(badMatch.data.error.fields["If-Match"]);

    const empty = await alice.call("PATCH", `/api/v1/posts/${post.id}`, { message: "" });
    assert.deepEqual(empty.status, 400);
    assert.ok(empty.data.error.fields.message);

    const notAuthor = await bob.call("PATCH", `/api/v1/posts/${post.id}`, { message: "mine now" });
    assert.deepEqual(notAuthor.status, 403);
    assert.deepEqual(notAuthor.data.error.code, "not_author");

    const nobody = await anonymous();
    const anon = await nobody.call("PATCH", `/api/v1/posts/${post.id}`, { message: "who?" });
    assert.deepEqual(anon.status, 401);

    const unknown = await alice.call("PATCH", `/api/v1/posts/${UNKNOWN_ID}`, { message: "?" });
    assert.deepEqual(unknown.status, 404);

    const after = await readPost(alice, post.id, current.data.position);
    assert.deepEqual(after.data.message, "kept", "no refused edit was applied");
  },
);

apiTest("likes: PUT twice is one like, DELETE unlikes, counts after the write", async () => {
  const alice = await signedIn();
  const bob = await signedIn();
  const post = await createPost(alice);
  const path = `/api/v1/posts/${post.id}/like`;

  const once = await bob.send("PUT", path);
  assert.deepEqual(once.status, 200);
  assert.deepEqual(once.data.likes, 1);
  assert.ok(once.data.position > post.position);
  const twice = await bob.send("PUT", path);
  assert.deepEqual(twice.status, 200);
  assert.deepEqual(
    twice.data,
    { likes: 1, position: once.data.position },
    "a second like is a no-op",
  );

  const alices = await alice.send("PUT", path);
  assert.deepEqual(alices.data.likes, 2);
  const seen = await readPost(bob, post.id, alices.data.position);
  assert.deepEqual([seen.data.likes, seen.data.likedByMe], [2, true]);

  const unliked = await bob.send("DELETE", path);
  assert.deepEqual(unliked.status, 200);
  assert.deepEqual(unliked.data.likes, 1);
  const again = await bob.send("DELETE", path);
  assert.deepEqual(again.data.likes, 1, "unliking what one does not like is a no-op");
  const after = await readPost(bob, post.id, again.data.position);
  assert.deepEqual([after.data.likes, after.data.likedByMe], [1, false]);

  assert.deepEqual((await bob.send("PUT", `/api/v1/posts/${UNKNOWN_ID}/like`)).status, 404);
  const nobody = await anonymous();
  assert.deepEqual((await nobody.send("PUT", path)).status, 401);
});

apiTest(
  "comments: add 201, edit and remove 200, only their author or the post's author",
  async () => {
    const alice = await signedIn();
    const bob = await signedIn();
    const carol = await signedIn();
    const post = await createPost(alice);
    const comments = `/api/v1/posts/${post.id}/comments`;

    const added = await bob.call("POST", comments, { comment: "  first!  " });
    assert.deepEqual(added.status, 201);
    assert.match(added.data.id, /^[0-9a-f-]{36}$/);
    assert.ok(added.data.position > post.position);
    const read = await readPost(carol, post.id, added.data.position);
    const { createdAt, ...comment } = read.data.comments[0];
    assert.deepEqual(comment, {
      id: added.data.id,
      author: bob.name,
      comment: "first!",
      edited: false,
    });
    assert.ok(!Number.isNaN(Date.parse(createdAt)));

    const one = `${comments}/${added.data.id}`;
    const edited = await bob.call("PATCH", one, { comment: "second thoughts" });
    assert.deepEqual(edited.status, 200);
    assert.ok(edited.data.position > added.data.position);
    const reread = await readPost(carol, post.id, edited.data.position);
    assert.deepEqual(reread.data.comments[0].comment, "second thoughts");
    assert.deepEqual(reread.data.comments[0].edited, true);

    assert.deepEqual((await carol.call("PATCH", one, { comment: "hijack" })).status, 403);
    assert.deepEqual((await alice.call("PATCH", one, { comment: "moderated" })).status, 403);
    const empty = await bob.call("PATCH", one, { comment: "" });
    assert.deepEqual(empty.status, 400);
    assert.ok(empty.data.error.fields.comment);
    const missing = await bob.call("POST", comments, {});
    assert.deepEqual(missing.status, 400);
    assert.ok(missing.data.error.fields.comment);
    assert.deepEqual((await carol.send("DELETE", one)).status, 403);
    const unknown = await bob.call("PATCH", `${comments}/${UNKNOWN_ID}`, { comment: "?" });
    assert.deepEqual(unknown.status, 404);
    assert.deepEqual(unknown.data.error.code, "comment_not_found");
    assert.deepEqual(
      (await bob.call("POST", `/api/v1/posts/${UNKNOWN_ID}/comments`, { comment: "?" })).status,
      404,
    );

    const removed = await alice.send("DELETE", one);
    assert.deepEqual(removed.status, 200, "the post's author may remove any comment");
    assert.ok(removed.data.position > edited.data.position);
    const gone = await readPost(carol, post.id, removed.data.position);
    assert.deepEqual(gone.data.comments, []);
    assert.deepEqual((await alice.send("DELETE", one)).status, 404);
  },
);

apiTest("delete: only the author, 200 {position}, then the post is 404 everywhere", async () => {
  const alice = await signedIn();
  const bob = await signedIn();
  const post = await createPost(alice);
  const path = `/api/v1/posts/${post.id}`;

  const forbidden = await bob.send("DELETE", path);
  assert.deepEqual(forbidden.status, 403);
  assert.deepEqual(forbidden.data.error.code, "not_author");

  const deleted = await alice.send("DELETE", path);
  assert.deepEqual(deleted.status, 200);
  assert.ok(deleted.data.position > post.position);
  const read = await readPost(bob, post.id, deleted.data.position);
  assert.deepEqual(read.status, 404);

  const again = await alice.send("DELETE", path);
  assert.deepEqual(again.status, 404);
  assert.deepEqual(again.data.error.code, "post_removed");
  assert.deepEqual((await bob.send("PUT", `${path}/like`)).status, 404);
  assert.deepEqual((await bob.call("POST", `${path}/comments`, { comment: "late" })).status, 404);
  assert.deepEqual((await alice.call("PATCH", path, { message: "undo" })).status, 404);

  const history = await bob.call("GET", `${path}/events`);
  assert.deepEqual(history.status, 200, "a removed post keeps its history");
  assert.deepEqual(history.data.events.at(-1).type, "PostRemoved");
});

apiTest("events: the post's history with metadata, oldest first; unknown post 404", async () => {
  const alice = await signedIn();
  const bob = await signedIn();
  const correlationId = crypto.randomUUID();
  const created = await alice.call("POST", "/api/v1/posts", { message: "v1" }, {
    "x-correlation-id": correlationId,
  });
  const id = created.data.id;
  await alice.call("PATCH", `/api/v1/posts/${id}`, { message: "v2" });
  await bob.send("PUT", `/api/v1/posts/${id}/like`);
  await bob.call("POST", `/api/v1/posts/${id}/comments`, { comment: "hi" });

  const res = await bob.call("GET", `/api/v1/posts/${id}/events`);
  assert.deepEqual(res.status, 200);
  const events = res.data.events;
  assert.deepEqual(
    events.map((e: { type: string }) => e.type),
    ["PostCreated", "MessageUpdated", "PostLiked", "CommentAdded"],
  );
  assert.deepEqual(events.map((e: { version: number }) => e.version), [1, 2, 3, 4]);
  const positions = events.map((e: { position: number }) => e.position);
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
  const [first] = events;
  assert.deepEqual(first.position, created.data.position);
  assert.deepEqual(first.correlationId, correlationId);
  assert.deepEqual(first.data.message, "v1");
  assert.match(first.eventId, /^[0-9a-f-]{36}$/);
  assert.ok(first.userId && first.causationId && first.occurredAt && first.schemaVersion >= 1);
  assert.match(res.headers.get("x-projection-position") ?? "", /^\d+$/);

  const unknown = await bob.call("GET", `/api/v1/posts/${UNKNOWN_ID}/events`);
  assert.deepEqual(unknown.status, 404);
  assert.deepEqual(unknown.data.error.code, "post_not_found");
});

apiTest("a cross-site JSON POST is refused with 403", async () => {
  const c = await signedIn();
  const res = await c.call("POST", "/api/v1/posts", { message: "forged" }, {
    origin: "http://evil.example",
  });
  assert.deepEqual(res.status, 403);
  assert.deepEqual(res.data.error.code, "cross_site_request");
  const mine = await c.call("GET", `/api/v1/posts?author=${c.name}`);
  assert.deepEqual(mine.data.posts, [], "nothing was posted");
});

apiTest(`writes beyond the burst (${API_WRITE_LIMIT.burst}) are 429 with Retry-After`, async () => {
  const c = await signedIn();
  const other = await signedIn();
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<ApiClient["call"]>> | null = null;
  // Invalid bodies are cheap to refuse; they still count as writes.
  for (let i = 0; i < API_WRITE_LIMIT.burst + 10 && !limited; i++) {
    const res = await c.call("POST", "/api/v1/posts", { message: "" });
    statuses.push(res.status);
    if (res.status === 429) limited = res;
  }
  assert.ok(limited, `no 429 after ${statuses.length} writes`);
  assert.ok(statuses.length > API_WRITE_LIMIT.burst, `limited too early: ${statuses}`);
  assert.deepEqual(limited.data.error.code, "rate_limited");
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  assert.deepEqual(
    (await c.call("GET", "/api/v1/posts?limit=1")).status,
    200,
    "reads are not limited",
  );
  assert.deepEqual((await other.call("POST", "/api/v1/posts", { message: "" })).status, 400);
});

apiTest(
  "restore read DB: 202 {job} for an admin, progress 200, unknown 404, others 403/401",
  async () => {
    const author = await signedIn();
    const post = await createPost(author, "survives the restore");
    const admin = await signedIn(uniqueName("user").replace("user", "x"));
    const nobody = await anonymous();

    assert.deepEqual((await nobody.send("POST", "/api/v1/admin/restore-read-db")).status, 401);
    const notAdmin = await admin.send("POST", "/api/v1/admin/restore-read-db");
    assert.deepEqual(notAdmin.status, 403);
    assert.deepEqual(notAdmin.data.error.code, "forbidden");

    const root = await anonymous();
    const password = "admin-password";
    await root.call("POST", "/api/v1/users", { username: ADMIN, password });
    await (await server()).grantAdmin(ADMIN);
    assert.deepEqual(
      (await root.call("POST", "/api/v1/session", { username: ADMIN, password })).status,
      200,
    );
    // The admin page's form with an action it does not know: 400 naming the field, not 500.
    const unknownAction = await root.form("/admin", { intent: "explode" });
    assert.deepEqual(unknownAction.status, 400);
    assert.match(await unknownAction.text(), /intent/);
    const started = await root.send("POST", "/api/v1/admin/restore-read-db");
    assert.deepEqual(started.status, 202);
    const job = started.data.job;
    assert.match(job, /^[0-9a-f-]{36}$/);
    assert.deepEqual(started.headers.get("location"), `/api/v1/admin/restore-read-db/${job}`);

    const progress = await root.call("GET", `/api/v1/admin/restore-read-db/${job}`);
    assert.deepEqual(progress.status, 200);
    assert.deepEqual(progress.data.id, job);
    assert.deepEqual(progress.data.requestedBy, ADMIN);
    assert.ok(["running", "swapping", "done"].includes(progress.data.status));
    assert.deepEqual(
      (await admin.call("GET", `/api/v1/admin/restore-read-db/${job}`)).status,
      403,
      "progress is for administrators too",
    );
    const unknown = await root.call("GET", `/api/v1/admin/restore-read-db/${UNKNOWN_ID}`);
    assert.deepEqual(unknown.status, 404);

    // Joins the running job and resolves when it is finished.
    const { system } = await server();
    await system.restorer.run({ requestedBy: ADMIN });
    const finished = await root.call("GET", `/api/v1/admin/restore-read-db/${job}`);
    assert.deepEqual([finished.data.status, finished.data.percent], ["done", 100]);
    assert.deepEqual((await readPost(author, post.id, post.position)).status, 200);
  },
);

apiTest("(stop the test server)", async () => {
  if (started) await (await started)[Symbol.asyncDispose]();
});
