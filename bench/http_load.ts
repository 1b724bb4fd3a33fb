/**
 * HTTP load against a running Agora through its public JSON API and pages
 * only: signs up its own users, then N clients send requests back to back for
 * S seconds. Used by `deno task loadtest` (scripts/loadtest.ts) and by the
 * bench's HTTP rows (bench/http.ts).
 *
 * @module
 */
import { percentile } from "./stats.ts";

/**
 * What the clients do:
 * - `commands`: 50% like/unlike (a toggle), 30% comment, 20% new post, on `hotPosts` posts;
 * - `feed`: `GET /`;
 * - `post`: `GET /posts/:id` of the hot posts (each with comments).
 */
export type Mix = "commands" | "feed" | "post";

/** Options of {@link runHttpLoad}. */
export type LoadOptions = {
  url: string;
  mix: Mix;
  clients: number;
  seconds: number;
  /** Posts the commands land on (and the post pages read). Default 16. */
  hotPosts?: number;
  /** Called about once a second while the load runs (a live progress line). */
  onProgress?: (progress: Progress) => void;
  /** Called once the users and posts exist, as the timed load starts. */
  onLoadStart?: () => void;
};

/** A second of the run so far. */
export type Progress = { elapsedS: number; done: number; perSecond: number; errors: number };

/** The outcome of one run. */
export type LoadResult = {
  mix: Mix;
  clients: number;
  seconds: number;
  /** Requests answered 2xx/3xx. */
  ok: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests that failed, by status (`network` when no answer came). */
  errors: Record<string, number>;
};

/** Loopback: 127.0.0.0/8, ::1, localhost. Other targets need an explicit opt-in. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A signed-in user of the load: its cookie header. */
type User = { name: string; cookie: string };

class RequestFailed extends Error {
  constructor(readonly status: string, message: string) {
    super(message);
  }
}

/** One request; a status outside 2xx/3xx throws {@link RequestFailed}. The body is read. */
async function call(
  base: string,
  path: string,
  init: { method?: string; cookie?: string; json?: unknown } = {},
): Promise<{ res: Response; body: Uint8Array }> {
  const headers: Record<string, string> = {};
  if (init.cookie) headers.cookie = init.cookie;
  // Every write says JSON, body or not (a body-less write without it may be refused as a form).
  if (init.method && init.method !== "GET") headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(base + path, {
      method: init.method ?? "GET",
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      redirect: "manual",
    });
  } catch (error) {
    throw new RequestFailed("network", String(error));
  }
  // Read to the end as bytes (a browser would too); decoded only when someone needs the text.
  const bytes = await res.bytes();
  if (res.status >= 400) {
    const body = new TextDecoder().decode(bytes);
    throw new RequestFailed(String(res.status), `${init.method ?? "GET"} ${path}: ${body}`);
  }
  return { res, body: bytes };
}

/** Registers and signs in one user; returns its cookies. */
async function signUp(base: string, name: string): Promise<User> {
  const password = `load-${name}-pw`;
  await call(base, "/api/v1/users", { method: "POST", json: { username: name, password } });
  const { res } = await call(base, "/api/v1/session", {
    method: "POST",
    json: { username: name, password },
  });
  const cookie = res.headers.getSetCookie().map((line) => line.split(";", 1)[0]).join("; ");
  if (!cookie) throw new Error(`signing in ${name} set no cookie`);
  return { name, cookie };
}

/** Runs `fn` for each item, `limit` at a time. */
async function inBatches<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The users and posts a run needs: users signed up four at a time (password
 * hashing is the server's slowest step), `hotPosts` posts with a few comments
 * each, and enough other posts for a full feed page.
 */
async function prepare(options: LoadOptions): Promise<{ users: User[]; posts: string[] }> {
  const run = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  // Readers share sessions (each request still looks its session up); writers have one each.
  const count = options.mix === "commands" ? options.clients : Math.min(options.clients, 16);
  const names = Array.from({ length: count }, (_, i) => `lt_${run}_${i}`);
  const users = await inBatches(names, 4, (name) => signUp(options.url, name));
  const hot = options.hotPosts ?? 16;
  const posts = await inBatches(Array.from({ length: hot }, (_, i) => i), 8, async (i) => {
    const { body } = await call(options.url, "/api/v1/posts", {
      method: "POST",
      cookie: users[i % users.length].cookie,
      json: { message: `load test post ${i} #loadtest` },
    });
    return (JSON.parse(new TextDecoder().decode(body)) as { id: string }).id;
  });
  if (options.mix !== "commands") {
    await inBatches(
      Array.from({ length: 24 }, (_, i) => i),
      8,
      (i) =>
        call(options.url, "/api/v1/posts", {
          method: "POST",
          cookie: users[i % users.length].cookie,
          json: { message: `load test filler ${i}` },
        }),
    );
    await inBatches(
      Array.from({ length: hot * 10 }, (_, i) => i),
      8,
      (i) =>
        call(options.url, `/api/v1/posts/${posts[i % hot]}/comments`, {
          method: "POST",
          cookie: users[i % users.length].cookie,
          json: { comment: `load test comment ${i}` },
        }),
    );
  }
  return { users, posts };
}

/**
 * Signs up users, then runs `clients` clients for `seconds`, each sending its
 * next request as soon as the last one was answered. Latency is measured per
 * request; errors are counted by status and do not stop the run.
 *
 * @example
 * ```ts
 * const result = await runHttpLoad({ url: "http://127.0.0.1:8000", mix: "feed", clients: 100, seconds: 10 });
 * console.log(result.perSecond, result.p99Ms);
 * ```
 */
export async function runHttpLoad(options: LoadOptions): Promise<LoadResult> {
  const base = options.url.replace(/\/+$/, "");
  const { users, posts } = await prepare({ ...options, url: base });
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let errorCount = 0;
  options.onLoadStart?.();
  const started = performance.now();
  const deadline = started + options.seconds * 1000;

  const step = (client: number, liked: Set<string>): Promise<unknown> => {
    const user = users[client % users.length];
    const post = posts[Math.floor(Math.random() * posts.length)];
    if (options.mix === "feed") return call(base, "/", { cookie: user.cookie });
    if (options.mix === "post") return call(base, `/posts/${post}`, { cookie: user.cookie });
    const r = Math.random();
    if (r < 0.5) {
      const unlike = liked.has(post);
      if (unlike) liked.delete(post);
      else liked.add(post);
      return call(base, `/api/v1/posts/${post}/like`, {
        method: unlike ? "DELETE" : "PUT",
        cookie: user.cookie,
      });
    }
    if (r < 0.8) {
      return call(base, `/api/v1/posts/${post}/comments`, {
        method: "POST",
        cookie: user.cookie,
        json: { comment: `load comment by ${user.name}` },
      });
    }
    return call(base, "/api/v1/posts", {
      method: "POST",
      cookie: user.cookie,
      json: { message: `load post by ${user.name}` },
    });
  };

  const client = async (i: number) => {
    const liked = new Set<string>();
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        await step(i, liked);
        latencies.push(performance.now() - sent);
      } catch (error) {
        const status = error instanceof RequestFailed ? error.status : "client";
        errors[status] = (errors[status] ?? 0) + 1;
        errorCount++;
      }
    }
  };

  let lastDone = 0;
  const ticker = setInterval(() => {
    const done = latencies.length;
    options.onProgress?.({
      elapsedS: (performance.now() - started) / 1000,
      done,
      perSecond: done - lastDone,
      errors: errorCount,
    });
    lastDone = done;
  }, 1000);
  try {
    await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
  } finally {
    clearInterval(ticker);
  }
  const elapsed = (performance.now() - started) / 1000;
  const ok = latencies.length;
  return {
    mix: options.mix,
    clients: options.clients,
    seconds: elapsed,
    ok,
    perSecond: ok / elapsed,
    p50Ms: ok ? percentile(latencies, 50) : NaN,
    p99Ms: ok ? percentile(latencies, 99) : NaN,
    errors,
  };
}
