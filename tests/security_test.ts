/**
 * Security hardening end to end (issue 9): operator-granted admins, sign-in
 * throttling, real client addresses, redirects, bounded input, headers,
 * sessions, no credentials in events, live stream caps and fan-out, CSRF
 * scope for API clients, 412 for a stale If-Match under concurrency.
 */
import assert from "node:assert/strict";
import { client, testServer } from "./test_server.ts";

type Server = Awaited<ReturnType<typeof testServer>>;

let shared: Promise<Server> | null = null;
/** The server most tests share (TRUST_PROXY=1: each test client has its own X-Forwarded-For). */
function server(): Promise<Server> {
  shared ??= testServer();
  return shared;
}

function securityTest(name: string, fn: () => Promise<void>) {
  Deno.test({ name: `Security - ${name}`, sanitizeOps: false, sanitizeResources: false, fn });
}

let addresses = 0;
/** A client with its own address (via the trusted proxy header). */
function from(base: string, ip = `203.0.113.${++addresses % 250}`) {
  const c = client(base);
  const headers = (h: Record<string, string> = {}) => ({ "x-forwarded-for": ip, ...h });
  return {
    ...c,
    ip,
    call(method: string, path: string, body?: unknown, h: Record<string, string> = {}) {
      return c.json(method, path, body, headers(h));
    },
    get(path: string, h: Record<string, string> = {}) {
      return c.request(path, { headers: headers(h) });
    },
    form(path: string, fields: Record<string, string>, h: Record<string, string> = {}) {
      return c.request(path, {
        method: "POST",
        headers: headers({
          origin: base,
          "content-type": "application/x-www-form-urlencoded",
          ...h,
        }),
        body: new URLSearchParams(fields).toString(),
      });
    },
  };
}

const unique = (prefix: string) => `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
const PASSWORD = "correct horse battery";

async function signedIn(base: string, name = unique("u")) {
  const c = from(base);
  assert.equal(
    (await c.call("POST", "/api/v1/users", { username: name, password: PASSWORD })).status,
    201,
  );
  assert.equal(
    (await c.call("POST", "/api/v1/session", { username: name, password: PASSWORD })).status,
    200,
  );
  return { ...c, name };
}

securityTest(
  "a self-registered 'admin' is no administrator (403); a granted one is (200)",
  async () => {
    const s = await server();
    const squatter = await signedIn(s.url, "admin");
    const job = "00000000-0000-4000-8000-000000000000";
    const before = await squatter.call("GET", `/api/v1/admin/restore-read-db/${job}`);
    assert.equal(before.status, 403);
    assert.equal(before.data.error.code, "forbidden");
    const page = await squatter.get("/admin");
    assert.equal(page.status, 403);
    await page.body?.cancel();

    await s.grantAdmin("admin"); // what `deno task admin grant admin` runs
    const granted = await squatter.get("/admin");
    assert.equal(granted.status, 200);
    await granted.body?.cancel();
    const after = await squatter.call("GET", `/api/v1/admin/restore-read-db/${job}`);
    assert.equal(after.status, 404, "past the admin check: the job is unknown");

    const { runAdmin } = await import("../scripts/admin.ts");
    const lines: string[] = [];
    assert.equal(await runAdmin(s.system, ["list"], (l) => lines.push(l)), 0);
    assert.ok(lines.includes("admin"), lines.join("\n"));
    assert.equal(await runAdmin(s.system, ["revoke", "admin"], () => {}), 0);
    const revoked = await squatter.get("/admin");
    assert.equal(revoked.status, 403, "a revoke takes effect on the next request");
    await revoked.body?.cancel();
  },
);

securityTest(
  "30 wrong passwords for one account from 30 addresses: at least 15 are 429",
  async () => {
    const s = await server();
    const victim = await signedIn(s.url);
    const statuses: number[] = [];
    let retryAfter = 0;
    await Promise.all(Array.from({ length: 30 }, async (_, i) => {
      const attacker = from(s.url, `198.18.${Math.floor(i / 200)}.${i % 200 + 1}`);
      const res = await attacker.call("POST", "/api/v1/session", {
        username: victim.name,
        password: `wrong-${i}`,
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = Number(res.headers.get("retry-after"));
    }));
    const limited = statuses.filter((st) => st === 429).length;
    assert.ok(limited >= 15, `429s: ${limited} of ${statuses}`);
    assert.ok(statuses.every((st) => st === 401 || st === 429), String(statuses));
    assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    // Even the right password waits now (no hash runs), from anywhere, on the page too.
    const owner = from(s.url);
    const right = await owner.call("POST", "/api/v1/session", {
      username: victim.name,
      password: PASSWORD,
    });
    assert.equal(right.status, 429);
    const page = await owner.form("/signin", { username: victim.name, password: PASSWORD });
    assert.equal(page.status, 429);
    assert.ok(Number(page.headers.get("retry-after")) > 0);
    await page.body?.cancel();
  },
);

securityTest("every next= variant stays on the site, and none is a 500", async () => {
  const s = await server();
  const c = await signedIn(s.url);
  const variants = [
    "/%09/evil.example",
    "/%0d/x",
    "/%0d%0a/evil.example",
    "//evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "https://evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "/.//evil.example",
  ];
  for (const next of variants) {
    const res = await c.get(`/signin?next=${next}`);
    await res.body?.cancel();
    assert.ok(res.status < 500, `${next}: ${res.status}`);
    const location = res.headers.get("location") ?? "/";
    assert.equal(new URL(location, s.url).origin, new URL(s.url).origin, `${next} -> ${location}`);
    assert.ok(!/[\t\r\n]/.test(location) && !location.startsWith("//"), `${next} -> ${location}`);
  }
});

securityTest(
  "a 2 MiB form is 413 at once; a big rejected form echoes at most its field limits",
  async () => {
    const s = await server();
    const c = await signedIn(s.url);
    for (const path of ["/signin", "/posts/new", "/signup"]) {
      const started = performance.now();
      const res = await c.form(path, { username: "x", message: "m".repeat(2 * 1024 * 1024) });
      await res.body?.cancel();
      assert.equal(res.status, 413, path);
      assert.ok(
        performance.now() - started < 2000,
        `${path} took ${performance.now() - started} ms`,
      );
    }
    // Chunked, with no Content-Length: refused too.
    const chunks = new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 64; i++) ctl.enqueue(new TextEncoder().encode("m".repeat(32 * 1024)));
        ctl.close();
      },
    });
    const chunked = await c.request("/posts/new", {
      method: "POST",
      headers: {
        origin: s.url,
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-for": c.ip,
      },
      body: chunks,
    });
    await chunked.body?.cancel();
    assert.equal(chunked.status, 413);
    // Under the body limit but over the message limit: 400, and the page does not echo 60 KB.
    const big = await c.form("/posts/new", { message: "z".repeat(60 * 1024) });
    const page = await big.text();
    assert.equal(big.status, 400);
    assert.ok(!/z{4001,}/.test(page), "the echo is cut (twice the field's limit of 2,000)");
    assert.ok(page.length < 40_000, `the page is ${page.length} characters`);
    // A huge password is refused before any hash runs.
    const long = await from(s.url).call("POST", "/api/v1/session", {
      username: c.name,
      password: "p".repeat(5000),
    });
    assert.equal(long.status, 400);
  },
);

securityTest(
  "pages carry a CSP with a nonce on their scripts; static files nosniff; no HSTS on http",
  async () => {
    const s = await server();
    const res = await fetch(`${s.url}/`);
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'nonce-[^']+'/);
    assert.ok(!/script-src[^;]*'unsafe-inline'/.test(csp), csp);
    assert.match(csp, /frame-ancestors 'none'/);
    for (const [, nonce] of html.matchAll(/<script[^>]*nonce="([^"]*)"/g)) {
      assert.ok(csp.includes(`'nonce-${nonce}'`), "each script's nonce is the response's");
    }
    assert.equal(
      (html.match(/<script/g) ?? []).length,
      (html.match(/<script[^>]*nonce=/g) ?? []).length,
    );
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("strict-transport-security"), null);
    for (const path of ["/favicon.svg", "/styles.css", "/api/v1/nope", "/nope"]) {
      const r = await fetch(`${s.url}${path}`);
      await r.body?.cancel();
      assert.equal(r.headers.get("x-content-type-options"), "nosniff", path);
      assert.ok(r.headers.get("content-security-policy"), path);
    }
  },
);

securityTest("over HTTPS (trusted proxy): HSTS and a Secure __Host- session cookie", async () => {
  const s = await server();
  const c = from(s.url);
  const name = unique("tls");
  await c.call("POST", "/api/v1/users", { username: name, password: PASSWORD });
  const res = await c.call("POST", "/api/v1/session", { username: name, password: PASSWORD }, {
    "x-forwarded-proto": "https",
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
  const cookie = res.headers.getSetCookie().find((l) => l.startsWith("__Host-agora_session="));
  assert.ok(cookie && /; Secure/.test(cookie) && /Path=\//.test(cookie), String(cookie));
});

securityTest(
  "a signed-out session id replayed is anonymous (401); an expired or idle one too",
  async () => {
    const s = await server();
    const c = await signedIn(s.url);
    const saved = new Map(c.jar);
    assert.equal(
      (await c.call("POST", "/api/v1/posts", { message: "while signed in" })).status,
      201,
    );
    assert.equal((await c.call("DELETE", "/api/v1/session")).status, 204);
    for (const [k, v] of saved) c.jar.set(k, v); // replay the old cookie
    const replay = await c.call("POST", "/api/v1/posts", { message: "replayed" });
    assert.equal(replay.status, 401);

    const sql = s.db.connect({ max: 1 });
    const expired = await signedIn(s.url);
    await sql`update sessions set expires_at = now() - interval '1 second' where username = ${expired.name}`;
    assert.equal((await expired.call("POST", "/api/v1/posts", { message: "x" })).status, 401);

    const idle = await signedIn(s.url);
    await sql`update sessions set last_seen_at = now() - interval '8 days' where username = ${idle.name}`;
    assert.equal((await idle.call("POST", "/api/v1/posts", { message: "x" })).status, 401);
  },
);

securityTest("no event in the events table carries a password or its hash", async () => {
  const s = await server();
  await signedIn(s.url);
  const sql = s.db.connect({ max: 1 });
  const users = await sql`select data from events where event_type = 'UserRegistered'`;
  assert.ok(users.length > 0);
  const leaks = await sql`
    select count(*)::int as n from events
    where data::text ilike '%scrypt$%' or data ? 'passwordHash' or data::text ilike '%password%'`;
  assert.equal(leaks[0].n, 0);
  const [{ n }] = await sql`select count(*)::int as n from credentials`;
  assert.ok(n >= users.length, "the hashes are in the credentials table");
});

securityTest(
  "60 live streams from one address: some are 429; one read per change for all",
  async () => {
    const s = await server();
    const author = await signedIn(s.url);
    const post = await author.call("POST", "/api/v1/posts", { message: "watched" });
    const ip = "192.0.2.77";
    const opened: Response[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${s.url}/live?post=${post.data.id}`, {
        headers: { "x-forwarded-for": ip },
      });
      statuses.push(res.status);
      if (res.status === 200) opened.push(res);
      else await res.body?.cancel();
    }
    assert.equal(opened.length, 10, `LIVE_STREAMS_PER_CLIENT: ${statuses}`);
    assert.equal(statuses.filter((st) => st === 429).length, 50);
    // 30 more from other addresses on the same post, then one like: every stream hears it.
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${s.url}/live?post=${post.data.id}`, {
        headers: { "x-forwarded-for": `192.0.2.${100 + Math.floor(i / 10)}` },
      });
      assert.equal(res.status, 200);
      opened.push(res);
    }
    const readers = opened.map((r) => r.body!.pipeThrough(new TextDecoderStream()).getReader());
    const waitFor = async (reader: ReadableStreamDefaultReader<string>, text: string) => {
      let seen = "";
      const deadline = Date.now() + 10_000;
      while (!seen.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no ${text} in ${seen}`);
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        seen += value;
      }
    };
    await Promise.all(readers.map((r) => waitFor(r, '"likes":0')));
    const reads = async () => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return Number(/^live_reads_total(?:\{\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await reads();
    const liker = await signedIn(s.url);
    assert.equal((await liker.call("PUT", `/api/v1/posts/${post.data.id}/like`)).status, 200);
    await Promise.all(readers.map((r) => waitFor(r, '"likes":1')));
    const used = (await reads()) - before;
    assert.ok(used >= 1 && used <= 4, `${used} topic reads for 40 streams and one change`);
    await Promise.all(readers.map((r) => r.cancel()));
  },
);

securityTest("curl-style body-less DELETE with the session cookie and no Origin: 200", async () => {
  const s = await server();
  const c = await signedIn(s.url);
  const post = await c.call("POST", "/api/v1/posts", { message: "to delete" });
  const res = await c.request(`/api/v1/posts/${post.data.id}`, {
    method: "DELETE",
    headers: { "x-forwarded-for": c.ip },
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.body?.cancel();
  // A form-capable POST without Origin is still refused.
  const forged = await c.request("/posts/new", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": c.ip },
    body: "message=forged",
  });
  assert.equal(forged.status, 403);
  await forged.body?.cancel();
});

securityTest("20 concurrent PATCH with the same If-Match: 1×200 and 19×412", async () => {
  const s = await server();
  const author = await signedIn(s.url);
  const post = await author.call("POST", "/api/v1/posts", { message: "v1" });
  // A second session of the author: its own write budget (RATE_LIMIT_BURST = 20) for the 20 PATCHes.
  const c = from(s.url);
  await c.call("POST", "/api/v1/session", { username: author.name, password: PASSWORD });
  const results = await Promise.all(
    Array.from(
      { length: 20 },
      (_, i) =>
        c.call("PATCH", `/api/v1/posts/${post.data.id}`, { message: `edit ${i}` }, {
          "if-match": `"${post.data.version}"`,
        }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, ...Array(19).fill(412)], String(statuses));
  assert.ok(
    results.filter((r) => r.status === 412).every((r) =>
      r.data.error.code === "precondition_failed"
    ),
  );
});

securityTest(
  "/metrics and /ready details only from loopback or with METRICS_TOKEN; /health public",
  async () => {
    const token = "t".repeat(32);
    await using s = await testServer({ env: { METRICS_TOKEN: token } });
    const remote = { "x-forwarded-for": "203.0.113.200" };
    const metrics = await fetch(`${s.url}/metrics`, { headers: remote });
    await metrics.body?.cancel();
    assert.equal(metrics.status, 403);
    const withToken = await fetch(`${s.url}/metrics`, {
      headers: { ...remote, authorization: `Bearer ${token}` },
    });
    await withToken.body?.cancel();
    assert.equal(withToken.status, 200);
    const ready = await (await fetch(`${s.url}/ready`, { headers: remote })).json();
    assert.deepEqual(Object.keys(ready), ["status"]);
    const local = await (await fetch(`${s.url}/ready`)).json();
    assert.ok(local.checks, "loopback sees the checks");
    const health = await fetch(`${s.url}/health`, { headers: remote });
    await health.body?.cancel();
    assert.equal(health.status, 200);
  },
);

securityTest(
  "without TRUST_PROXY the address is the connection's: X-Forwarded-For changes nothing",
  async () => {
    await using s = await testServer({ env: { TRUST_PROXY: "0", RATE_LIMIT_BURST: "3" } });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await client(s.url).json(
        "POST",
        "/api/v1/users",
        { username: "", password: "" },
        {
          "x-forwarded-for": `198.51.100.${i}`,
        },
      );
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429, 429], "one bucket: the real address");
  },
);

securityTest("(stop the shared test server)", async () => {
  if (shared) await (await shared)[Symbol.asyncDispose]();
});
