/**
 * Scale-out (issue 6, item 4): two `ROLE=command` and two `ROLE=query` web
 * processes and two workers, each a real OS process, against one event
 * store, one separate read store and one Kafka consumer group. Simulated
 * clients write round-robin through both command processes and read their
 * writes back from both query processes.
 */
import assert from "node:assert/strict";
import { assertVerified, brokers, projected } from "../infra/pipeline_test_utils.ts";
import { tempDatabase } from "../infra/postgres/test_utils.ts";
import { type AppProcess, freePort, healthy, poll, processFleet, spawnApp } from "./processes.ts";
import { client } from "./test_server.ts";

const CLIENTS = 8;
const POSTS_EACH = 3;
/** Each client likes every post of this many following clients. */
const LIKED_AUTHORS = 3;
/** Each client comments on this many posts of the next client. */
const COMMENTS_EACH = 2;
const PARTITIONS = 4;
const PASSWORD = "correct horse";
const START_MS = 30_000;
const PROJECTED_MS = 30_000;
const STOP_GRACE_MS = 10_000;

type Web = { app: AppProcess; url: string };
type Reply<T> = { status: number; data: T };
type Created = { id: string; version: number; position: number };
type Liked = { likes: number; position: number };
type ApiPost = {
  id: string;
  message: string;
  likes: number;
  likedByMe: boolean;
  comments: { id: string; comment: string }[];
};
type Feed = {
  posts: { id: string; message: string; likes: number; commentCount: number }[];
  nextCursor: string | null;
};

/** Every command the processes accepted, and every answer that was not as it should be. */
type Ledger = {
  posts: Map<string, { message: string }>;
  /** `postId/userId` of every accepted like. */
  likes: Set<string>;
  /** Comment id -> post id. */
  comments: Map<string, string>;
  problems: string[];
};

/** A simulated client: its own cookie jar (one for every process) and its own address. */
function simulatedUser(index: number, runId: string) {
  const http = client(""); // paths are full URLs, so the session cookie goes to every process
  const ip = `203.0.113.${index + 1}`;
  return {
    username: `scale_${runId}_${index}`,
    userId: "",
    posts: [] as string[],
    async call<T>(
      base: string,
      request: { method: string; path: string; body?: unknown; minPosition?: number },
    ): Promise<Reply<T>> {
      const headers: Record<string, string> = { "x-forwarded-for": ip };
      if (request.body === undefined && request.method !== "GET") {
        headers["content-type"] = "application/json";
      }
      if (request.minPosition) headers["x-min-position"] = String(request.minPosition);
      const res = await http.json(request.method, `${base}${request.path}`, request.body, headers);
      return { status: res.status, data: res.data as T };
    },
  };
}

type User = ReturnType<typeof simulatedUser>;

/** Records a command's answer; false (and a problem) unless it is the expected status. */
function accepted(ledger: Ledger, reply: Reply<unknown>, expected: number, what: string) {
  if (reply.status === expected) return true;
  ledger.problems.push(`${what}: ${reply.status} ${JSON.stringify(reply.data)}`);
  return false;
}

/**
 * Runs every client's steps in order, all clients at once: a burst of
 * concurrent writers that stays within the connection budget. Every request
 * at once would grow each process's pools to their fixed 10 + 10
 * connections, six processes past a default PostgreSQL's max_connections.
 */
async function everyClient(
  users: User[],
  steps: (user: User, index: number) => (() => Promise<unknown>)[],
): Promise<void> {
  await Promise.all(users.map(async (user, i) => {
    for (const step of steps(user, i)) await step();
  }));
}

/** Orders by `id`, by code unit (as uuids sort), whatever the locale. */
function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The workers' latest partition assignments, from their "projector joined group" logs. */
function assignments(workers: AppProcess[]): number[][] {
  return workers.map((worker) => {
    const joined = worker.logs().filter((line) => line.msg === "projector joined group").at(-1);
    return Array.isArray(joined?.partitions) ? joined.partitions as number[] : [];
  });
}

Deno.test("Scale-out - two command processes, two query processes and two workers under a burst of commands: verifier clean, every accepted command visible once", async () => {
  await using eventDb = await tempDatabase("agora_scale_events");
  await using readDb = await tempDatabase("agora_scale_read");
  const eventSql = eventDb.connect();
  const readSql = readDb.connect();
  const runId = crypto.randomUUID().slice(0, 8);
  const env = {
    DATABASE_URL: eventDb.url,
    READ_DATABASE_URL: readDb.url,
    KAFKA_BROKERS: brokers().join(","),
    KAFKA_TOPIC: `agora.scale.${runId}`, // created by the first worker
    KAFKA_PARTITIONS: String(PARTITIONS),
    KAFKA_GROUP_ID: `scale-${runId}`,
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "info",
  };
  const fleet = processFleet(STOP_GRACE_MS);
  const web = (role: "command" | "query", n: number): Web => {
    const port = freePort();
    const app = fleet.add(spawnApp(`${role}-${n}`, {
      script: "main.ts",
      env: { ...env, ROLE: role, PORT: String(port) },
    }));
    return { app, url: `http://127.0.0.1:${port}` };
  };
  try {
    // 1. Six processes start together (they also race to migrate both stores).
    const commands = [web("command", 1), web("command", 2)];
    const queries = [web("query", 1), web("query", 2)];
    const workers = [1, 2].map((n) =>
      fleet.add(spawnApp(`worker-${n}`, { script: "worker.ts", env }))
    );
    await Promise.all([...commands, ...queries].map((w) => healthy(w.app, w.url, START_MS)));
    const everyPartition = Array.from({ length: PARTITIONS }, (_, p) => p).join();
    await poll(() => {
      const split = assignments(workers);
      return split.every((p) => p.length > 0) &&
        split.flat().sort((a, b) => a - b).join() === everyPartition;
    }, { what: `the two workers to split the ${PARTITIONS} partitions`, timeoutMs: START_MS });

    // 2. Each side refuses the other side's requests.
    for (const { url } of commands) {
      const res = await fetch(`${url}/`);
      await res.body?.cancel();
      assert.equal(res.status, 421, `GET / on a command process (${url})`);
    }
    for (const { url } of queries) {
      const res = await fetch(`${url}/api/v1/posts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: "to the wrong side" }),
      });
      await res.body?.cancel();
      assert.equal(res.status, 421, `POST /api/v1/posts on a query process (${url})`);
    }

    // 3. The burst, writes spread round-robin over both command processes, each write
    //    read back on a query process with X-Min-Position.
    const command = (n: number) => commands[n % commands.length].url;
    const query = (n: number) => queries[n % queries.length].url;
    const ledger: Ledger = {
      posts: new Map(),
      likes: new Set(),
      comments: new Map(),
      problems: [],
    };
    const users = Array.from({ length: CLIENTS }, (_, i) => simulatedUser(i, runId));

    await Promise.all(users.map(async (user, i) => {
      const credentials = { username: user.username, password: PASSWORD };
      const registered = await user.call<{ id: string }>(command(i), {
        method: "POST",
        path: "/api/v1/users",
        body: credentials,
      });
      if (!accepted(ledger, registered, 201, `register ${user.username}`)) return;
      user.userId = registered.data.id;
      // Signed in on the other command process: sessions live in the shared event store.
      const session = await user.call(command(i + 1), {
        method: "POST",
        path: "/api/v1/session",
        body: credentials,
      });
      accepted(ledger, session, 200, `sign in ${user.username}`);
    }));
    assert.deepEqual(ledger.problems, [], "every client signed up and in");

    await everyClient(users, (user, i) =>
      Array.from({ length: POSTS_EACH }, (_, k) => async () => {
        const message = `post ${k} of ${user.username}`;
        const created = await user.call<Created>(command(i + k), {
          method: "POST",
          path: "/api/v1/posts",
          body: { message },
        });
        if (!accepted(ledger, created, 201, `create post ${k} of ${user.username}`)) return;
        const { id, position } = created.data;
        ledger.posts.set(id, { message });
        user.posts[k] = id;
        const read = await user.call<ApiPost>(query(i + k), {
          method: "GET",
          path: `/api/v1/posts/${id}`,
          minPosition: position,
        });
        if (read.status !== 200 || read.data.message !== message) {
          ledger.problems.push(`new post ${id} not readable at ${position}: ${read.status}`);
        }
      }));
    assert.deepEqual(ledger.problems, [], "every post created and read back");

    /** One like, answered with the count that includes it, then read back as likedByMe. */
    const like = async (user: User, postId: string, n: number) => {
      const liked = await user.call<Liked>(command(n), {
        method: "PUT",
        path: `/api/v1/posts/${postId}/like`,
      });
      if (!accepted(ledger, liked, 200, `like ${postId} by ${user.username}`)) return;
      ledger.likes.add(`${postId}/${user.userId}`);
      if (liked.data.likes < 1) {
        ledger.problems.push(`like ${postId}: answered ${liked.data.likes}`);
      }
      const read = await user.call<ApiPost>(query(n), {
        method: "GET",
        path: `/api/v1/posts/${postId}`,
        minPosition: liked.data.position,
      });
      if (!read.data.likedByMe) {
        ledger.problems.push(`like of ${postId} by ${user.username} not visible on ${query(n)}`);
      }
    };
    const comment = async (user: User, postId: string, n: number) => {
      const text = `${user.username} on ${postId}`;
      const added = await user.call<{ id: string; position: number }>(command(n), {
        method: "POST",
        path: `/api/v1/posts/${postId}/comments`,
        body: { comment: text },
      });
      if (!accepted(ledger, added, 201, `comment on ${postId} by ${user.username}`)) return;
      ledger.comments.set(added.data.id, postId);
      const read = await user.call<ApiPost>(query(n), {
        method: "GET",
        path: `/api/v1/posts/${postId}`,
        minPosition: added.data.position,
      });
      if (!read.data.comments?.some((c) => c.id === added.data.id && c.comment === text)) {
        ledger.problems.push(`comment ${added.data.id} not visible on ${query(n)}`);
      }
    };
    await everyClient(users, (user, i) => {
      const next = users[(i + 1) % CLIENTS];
      const [first, ...others] = Array.from(
        { length: LIKED_AUTHORS },
        (_, j) => users[(i + 1 + j) % CLIENTS].posts,
      ).flat();
      return [
        // The same like twice at once: one is a no-op, the post has one like of this user.
        () => Promise.all([like(user, first, i), like(user, first, i + 1)]),
        ...next.posts.slice(0, COMMENTS_EACH).map((postId, k) => () =>
          comment(user, postId, i + k)
        ),
        ...others.map((postId, k) => () => like(user, postId, i + k)),
      ];
    });
    assert.deepEqual(ledger.problems, [], "every like and comment accepted and read back");

    // 4. Quiet: the read store has applied every event of the event store, and agrees with it.
    await projected({ eventSql, readSql }, { timeoutMs: PROJECTED_MS });
    await assertVerified({ eventSql, readSql });

    // 5. Every accepted command visible exactly once: in the event store, the read store, the API.
    assert.equal(ledger.posts.size, CLIENTS * POSTS_EACH);
    assert.equal(ledger.likes.size, CLIENTS * LIKED_AUTHORS * POSTS_EACH);
    assert.equal(ledger.comments.size, CLIENTS * COMMENTS_EACH);
    const events = await eventSql<{ event_type: string; n: number }[]>`
      select event_type, count(*)::int as n from events group by event_type order by event_type`;
    assert.deepEqual(Object.fromEntries(events.map((e) => [e.event_type, e.n])), {
      CommentAdded: ledger.comments.size,
      PostCreated: ledger.posts.size,
      PostLiked: ledger.likes.size,
      UserRegistered: CLIENTS,
    });

    const likesOf = (postId: string) =>
      [...ledger.likes].filter((key) => key.startsWith(`${postId}/`)).length;
    const commentsOf = (postId: string) =>
      [...ledger.comments.values()].filter((id) => id === postId).length;
    const expected = [...ledger.posts].map(([id, { message }]) => ({
      id,
      message,
      likes: likesOf(id),
      comments: commentsOf(id),
    })).sort(byId);

    const posts = await readSql<{ id: string; message: string; likes: number; comments: number }[]>`
      select id, message, likes, comments from posts`;
    assert.deepEqual(posts.map((p) => ({ ...p })).sort(byId), expected, "posts rows");
    const likes = await readSql<{ key: string }[]>`
      select post_id || '/' || user_id as key from likes`;
    assert.deepEqual(likes.map((l) => l.key).sort(), [...ledger.likes].sort(), "likes rows");
    const comments = await readSql<{ id: string; post_id: string }[]>`
      select id, post_id from comments`;
    assert.deepEqual(
      comments.map((c) => `${c.id} on ${c.post_id}`).sort(),
      [...ledger.comments].map(([id, postId]) => `${id} on ${postId}`).sort(),
      "comments rows",
    );

    for (const [n, { url }] of queries.entries()) {
      const feed = await users[n].call<Feed>(url, {
        method: "GET",
        path: "/api/v1/posts?limit=100",
      });
      assert.equal(feed.status, 200);
      assert.equal(feed.data.nextCursor, null);
      assert.deepEqual(
        feed.data.posts.map((p) => ({
          id: p.id,
          message: p.message,
          likes: p.likes,
          comments: p.commentCount,
        })).sort(byId),
        expected,
        `the feed on ${url}`,
      );
    }

    // 6. SIGTERM: every process shuts down gracefully, in bounded time.
    await fleet.assertGracefulStop();
  } catch (error) {
    await fleet.failed(error);
  }
});
