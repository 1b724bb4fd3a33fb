import assert from "node:assert/strict";
import type { FreshContext, MiddlewareHandler, ResolvedFreshConfig } from "$fresh/server.ts";
import { AppError } from "../domain/mod.ts";
import { csrf } from "./csrf.ts";
import type { HttpError } from "./http_error.ts";

const ORIGIN = "http://agora.test";

/** A context for `req` whose `next` answers "passed". */
function context(req: Request): FreshContext {
  return {
    url: new URL(req.url),
    basePath: "",
    route: "/posts",
    params: {},
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    isPartial: false,
    config: {} as ResolvedFreshConfig,
    state: {},
    data: undefined,
    Component: () => null,
    render: () => Promise.resolve(new Response("page")),
    renderNotFound: () => Promise.resolve(new Response("not found", { status: 404 })),
    next: () => Promise.resolve(new Response("passed")),
  };
}

/** Runs one middleware alone; "passed" when it called next, else the refused status. */
async function verdict(
  middleware: MiddlewareHandler,
  init: RequestInit & { url?: string },
): Promise<string | number> {
  const req = new Request(init.url ?? `${ORIGIN}/posts`, init);
  try {
    return await (await middleware(req, context(req))).text();
  } catch (error) {
    return (error as { status: number }).status;
  }
}

const form = { "content-type": "application/x-www-form-urlencoded" };
const json = { "content-type": "application/json" };

Deno.test("CSRF - a cross-site form POST is refused: 403, code cross_site_request, next never runs", async () => {
  const req = new Request(`${ORIGIN}/posts/new`, {
    method: "POST",
    body: new URLSearchParams({ title: "pwned" }),
    headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
  });
  let ran = false;
  const ctx = { ...context(req), next: () => (ran = true, Promise.resolve(new Response())) };
  await assert.rejects(async () => await csrf()(req, ctx), (error: HttpError) => {
    assert.ok(error instanceof AppError, "answered like every AppError (JSON or the error page)");
    assert.equal(error.status, 403);
    assert.equal(error.code, "cross_site_request");
    return true;
  });
  assert.equal(ran, false);
});

Deno.test("CSRF - a same-origin form POST and any GET pass", async () => {
  const mw = csrf();
  assert.equal(
    await verdict(mw, {
      method: "POST",
      headers: { origin: ORIGIN, "sec-fetch-site": "same-origin", ...form },
    }),
    "passed",
  );
  assert.equal(
    await verdict(mw, {
      method: "GET",
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    }),
    "passed",
  );
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
