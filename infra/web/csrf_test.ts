import assert from "node:assert/strict";
import { type Context, csrf, type Middleware } from "./mod.ts";
import { fetchText, fixtureApp, formPost, ORIGIN, request } from "./test_utils.ts";

/** Runs one middleware alone; "passed" when it called next, else the refused status. */
async function verdict(
  middleware: Middleware,
  init: RequestInit & { url?: string },
): Promise<string | number> {
  const req = new Request(init.url ?? `${ORIGIN}/posts`, init);
  const ctx: Context = {
    req,
    url: new URL(req.url),
    params: {},
    route: "/posts",
    state: {},
    render: () => Promise.resolve(new Response("page")),
    redirect: () => new Response(null, { status: 303 }),
    next: () => Promise.resolve(new Response("passed")),
  };
  try {
    return await (await middleware(ctx)).text();
  } catch (error) {
    return (error as { status: number }).status;
  }
}

const form = { "content-type": "application/x-www-form-urlencoded" };
const json = { "content-type": "application/json" };

Deno.test("CSRF - a cross-site form POST is refused with 403", async () => {
  const res = await fixtureApp().fetch(request("/posts/new", {
    method: "POST",
    body: new URLSearchParams({ title: "pwned" }),
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  }));
  assert.equal(res.status, 403);
  const body = await res.text();
  assert.ok(body.includes("cross_site_request"), body);
  assert.equal(res.headers.get("location"), null, "the handler never ran");
});

Deno.test("CSRF - a same-origin form POST passes", async () => {
  const res = await fixtureApp().fetch(formPost("/posts/new", { title: "ok" }));
  assert.equal(res.status, 303);
});

Deno.test("CSRF - a GET always passes, even cross-site", async () => {
  const { res } = await fetchText(
    fixtureApp(),
    request("/posts", {
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    }),
  );
  assert.equal(res.status, 200);
});

Deno.test("CSRF - on api/ paths the refusal is JSON", async () => {
  const res = await fixtureApp().fetch(request("/api/posts/1", {
    method: "DELETE",
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site", ...json },
  }));
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.code, "cross_site_request");
});

Deno.test("CSRF - Sec-Fetch-Site decides when present", async () => {
  const mw = csrf();
  assert.equal(
    await verdict(mw, { method: "POST", headers: { "sec-fetch-site": "same-origin", ...form } }),
    "passed",
  );
  assert.equal(
    await verdict(mw, { method: "POST", headers: { "sec-fetch-site": "none", ...form } }),
    "passed",
  );
  assert.equal(
    await verdict(mw, { method: "POST", headers: { "sec-fetch-site": "cross-site", ...json } }),
    403,
  );
  assert.equal(
    await verdict(mw, { method: "PUT", headers: { "sec-fetch-site": "same-site", ...json } }),
    403,
  );
});

Deno.test("CSRF - an Origin must be the request's own", async () => {
  const mw = csrf();
  assert.equal(
    await verdict(mw, { method: "POST", headers: { origin: ORIGIN, ...form } }),
    "passed",
  );
  assert.equal(
    await verdict(mw, { method: "POST", headers: { origin: "https://evil.example", ...form } }),
    403,
  );
  assert.equal(
    await verdict(mw, { method: "PATCH", headers: { origin: "https://evil.example", ...json } }),
    403,
  );
  assert.equal(await verdict(mw, { method: "POST", headers: { origin: "null", ...form } }), 403);
  assert.equal(
    await verdict(mw, {
      method: "POST",
      headers: { origin: ORIGIN, "sec-fetch-site": "cross-site", ...form },
    }),
    403,
    "Sec-Fetch-Site: cross-site wins over a matching Origin",
  );
});

Deno.test("CSRF - with neither header, only non-form content types pass", async () => {
  const mw = csrf();
  assert.equal(await verdict(mw, { method: "POST", headers: json, body: "{}" }), "passed");
  assert.equal(await verdict(mw, { method: "POST", headers: form, body: "a=1" }), 403);
  assert.equal(
    await verdict(mw, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x" },
    }),
    403,
  );
  assert.equal(
    await verdict(mw, { method: "POST", headers: { "content-type": "Text/Plain;charset=utf-8" } }),
    403,
  );
  assert.equal(await verdict(mw, { method: "POST" }), 403, "no content type counts as a form");
});

Deno.test("CSRF - body-less PUT, PATCH and DELETE without Origin pass (curl, scripts)", async () => {
  const mw = csrf();
  for (const method of ["PUT", "PATCH", "DELETE"]) {
    assert.equal(await verdict(mw, { method }), "passed", method);
  }
  // A browser's cross-site attempt still names itself and is refused.
  assert.equal(
    await verdict(mw, { method: "DELETE", headers: { "sec-fetch-site": "cross-site" } }),
    403,
  );
});

Deno.test("CSRF - options.origins trusts other origins, e.g. the public one behind a proxy", async () => {
  const mw = csrf({ origins: ["https://agora.example/"] });
  const trusted = { origin: "https://agora.example", "sec-fetch-site": "cross-site", ...form };
  assert.equal(await verdict(mw, { method: "POST", headers: trusted }), "passed");
  assert.equal(
    await verdict(mw, { method: "POST", headers: { ...trusted, origin: "https://evil.example" } }),
    403,
  );
});
