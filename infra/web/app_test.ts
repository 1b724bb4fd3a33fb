import assert from "node:assert/strict";
import { createApp, type Manifest, STATIC_CACHE } from "./mod.ts";
import { assertIncludes, fetchText, fixtureApp, formPost, request } from "./test_utils.ts";

Deno.test("Routes - index, static pages, parameters and nested parameters", async () => {
  const app = fixtureApp();
  const home = await fetchText(app, request("/"));
  assert.deepEqual(home.res.status, 200);
  assertIncludes(home.body, "<h1>Home</h1>");
  assertIncludes((await fetchText(app, request("/about"))).body, "About");
  const post = await fetchText(app, request("/posts/42"));
  assertIncludes(post.body, `<article data-page="post" data-route="/posts/:id">post 42</article>`);
  assertIncludes((await fetchText(app, request("/posts/42/edit"))).body, "edit 42");
  assertIncludes((await fetchText(app, request("/posts/caf%C3%A9"))).body, "post café");
});

Deno.test("Routes - a static segment wins over a parameter", async () => {
  const { body } = await fetchText(fixtureApp(), request("/posts/new"));
  assertIncludes(body, `data-page="new-post"`);
});

Deno.test("Routes - a catch-all takes one or more segments, and its bare folder", async () => {
  const app = fixtureApp();
  assertIncludes(
    (await fetchText(app, request("/docs/guide/setup/linux"))).body,
    "slug=[guide/setup/linux]",
  );
  assertIncludes((await fetchText(app, request("/docs/intro"))).body, "slug=[intro]");
  assertIncludes((await fetchText(app, request("/docs"))).body, "slug=[]");
});

Deno.test("Routes - a (group) folder is not part of the URL", async () => {
  const app = fixtureApp();
  assert.deepEqual((await fetchText(app, request("/pricing"))).res.status, 200);
  assert.deepEqual((await fetchText(app, request("/(marketing)/pricing"))).res.status, 404);
});

Deno.test("Routes - a trailing slash reaches the same page", async () => {
  const { res, body } = await fetchText(fixtureApp(), request("/about/"));
  assert.deepEqual(res.status, 200);
  assertIncludes(body, "About");
});

Deno.test("Middleware - runs outermost first, per folder, sharing state", async () => {
  const app = fixtureApp();
  const posts = await fetchText(app, request("/posts"));
  assertIncludes(posts.body, `data-trail="root>posts"`);
  assert.deepEqual(posts.res.headers.get("x-trail"), "root>posts");
  const pricing = await fetchText(app, request("/pricing"));
  assertIncludes(pricing.body, "trail=root>marketing");
  const about = await fetchText(app, request("/about"));
  assertIncludes(about.body, "trail=root<");
  assert.deepEqual(about.res.headers.get("x-trail"), "root");
});

Deno.test("Middleware - may answer without calling next", async () => {
  const { res, body } = await fetchText(fixtureApp(), request("/posts/1?deny"));
  assert.deepEqual(res.status, 401);
  assert.deepEqual(body, "denied by posts middleware");
  assert.deepEqual(res.headers.get("x-trail"), "root>posts");
});

Deno.test("Layouts - nest outermost first inside _app, groups included", async () => {
  const app = fixtureApp();
  const { body } = await fetchText(app, request("/posts/7", { headers: { "x-user": "ada" } }));
  assert.ok(body.startsWith('<!DOCTYPE html><html lang="en">'), body.slice(0, 60));
  const order = [
    `data-app="shell"`,
    `data-user="ada"`,
    `data-layout="root"`,
    `data-layout="posts"`,
    `data-page="post"`,
  ]
    .map((marker) => body.indexOf(marker));
  assert.ok(
    order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])),
    `order ${order} in ${body}`,
  );
  const pricing = (await fetchText(app, request("/pricing"))).body;
  assert.ok(pricing.indexOf(`data-layout="root"`) < pricing.indexOf(`data-layout="marketing"`));
  assert.ok(!pricing.includes(`data-layout="posts"`));
  assert.ok(!(await fetchText(app, request("/about"))).body.includes(`data-layout="marketing"`));
});

Deno.test("Render - ctx.renderNotFound renders _404 with status 404 inside _app", async () => {
  const { res, body } = await fetchText(fixtureApp(), request("/posts/gone"));
  assert.equal(res.status, 404);
  assertIncludes(body, `data-app="shell"`);
  assertIncludes(body, `data-page="404"`);
});

Deno.test("Render - an async route component loads its own data, or answers renderNotFound", async () => {
  const app = fixtureApp();
  const found = await fetchText(app, request("/users/ada"));
  assert.equal(found.res.status, 200);
  assertIncludes(found.body, `<p data-page="user" data-method="GET">user ada, trail=root</p>`);
  assertIncludes(found.body, `data-layout="root"`);
  const missing = await fetchText(app, request("/users/nobody"));
  assert.equal(missing.res.status, 404);
  assertIncludes(missing.body, `data-page="404"`);
});

Deno.test("Render - <Head> children go into <head>; a <title> there replaces _app's", async () => {
  const { body } = await fetchText(fixtureApp(), request("/about"));
  const head = body.slice(0, body.indexOf("</head>"));
  assertIncludes(head, "<title>About the fixture</title>");
  assertIncludes(head, `<meta name="description" content="what this is"/>`);
  assert.ok(!head.includes("<title>fixture</title>"), head);
  const home = await fetchText(fixtureApp(), request("/"));
  assertIncludes(home.body, "<title>fixture</title>");
});

Deno.test("Render - a handler renders its page with data, status and headers", async () => {
  const { res, body } = await fetchText(fixtureApp(), request("/posts/draft"));
  assert.deepEqual(res.status, 202);
  assert.deepEqual(res.headers.get("x-post"), "draft");
  assert.deepEqual(res.headers.get("content-type"), "text/html; charset=utf-8");
  assertIncludes(body, "post draft");
});

Deno.test("Render - _app links the stylesheet and the islands script in <head>", async () => {
  const { body } = await fetchText(fixtureApp(), request("/"));
  const head = body.slice(0, body.indexOf("</head>"));
  assertIncludes(head, `<link rel="stylesheet" href="/_build/static/styles-test.css"/>`);
  assert.match(
    head,
    /<script type="module" src="\/_build\/static\/islands-test.js" nonce="[^"]+"><\/script>/,
  );
});

Deno.test("Security headers - a page's CSP names the nonce its scripts carry, fresh per response", async () => {
  const app = fixtureApp();
  const nonces = [];
  for (let i = 0; i < 2; i++) {
    const res = await app.fetch(request("/"));
    const body = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    const nonce = /nonce="([^"]+)"/.exec(body)?.[1];
    assert.ok(nonce, "the script carries a nonce");
    assertIncludes(csp, `'nonce-${nonce}'`);
    assertIncludes(csp, "frame-ancestors 'none'");
    assert.ok(!/script-src[^;]*unsafe-inline/.test(csp), csp);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.ok(res.headers.get("referrer-policy"));
    assert.equal(res.headers.get("strict-transport-security"), null, "no HSTS over plain HTTP");
    nonces.push(nonce);
  }
  assert.notEqual(nonces[0], nonces[1]);
});

Deno.test("Security headers - static files, 404s and errors carry nosniff and the CSP", async () => {
  const app = fixtureApp();
  for (const path of ["/_build/static/islands-test.js", "/no-such-page", "/api/fail", "/boom"]) {
    const res = await app.fetch(request(path));
    await res.body?.cancel();
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assertIncludes(res.headers.get("content-security-policy") ?? "", "frame-ancestors 'none'");
  }
});

Deno.test("Body limit - a 2 MiB form is 413 at once, also when sent chunked", async () => {
  const app = fixtureApp();
  const big = "a=" + "x".repeat(2 * 1024 * 1024);
  const sized = await app.fetch(formPost("/posts/new", { title: big }));
  assert.equal(sized.status, 413);
  await sized.body?.cancel();
  const chunks = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 64; i++) c.enqueue(new TextEncoder().encode("x".repeat(32 * 1024)));
      c.close();
    },
  });
  const chunked = await app.fetch(
    request("/posts/new", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "transfer-encoding": "chunked",
        "sec-fetch-site": "same-origin",
      },
      body: chunks,
    }),
  );
  assert.equal(chunked.status, 413);
  await chunked.body?.cancel();
});

Deno.test("Redirect - a successful form POST answers 303 See Other", async () => {
  const res = await fixtureApp().fetch(formPost("/posts/new", { title: "hello world" }));
  assert.deepEqual(res.status, 303);
  assert.deepEqual(res.headers.get("location"), "/posts/hello%20world");
});

Deno.test("Methods - an unhandled method is 405 with Allow; a page answers GET and HEAD", async () => {
  const app = fixtureApp();
  const put = await app.fetch(
    request("/posts/1", { method: "PUT", headers: { "sec-fetch-site": "same-origin" } }),
  );
  assert.deepEqual(put.status, 405);
  assert.deepEqual(put.headers.get("allow"), "GET, HEAD, DELETE");
  await put.body?.cancel();
  const post = await app.fetch(formPost("/about", {}));
  assert.deepEqual(post.status, 405);
  assert.deepEqual(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
  const head = await fetchText(app, request("/posts/1", { method: "HEAD" }));
  assert.deepEqual(head.res.status, 200);
  assert.deepEqual(head.body, "");
  const del = await app.fetch(
    request("/posts/1", { method: "DELETE", headers: { "sec-fetch-site": "same-origin" } }),
  );
  assert.deepEqual([del.status, del.headers.get("location")], [303, "/posts"]);
});

Deno.test("Errors - an unknown path renders _404 inside _app, after the root middlewares", async () => {
  const { res, body } = await fetchText(fixtureApp(), request("/no/such/page"));
  assert.deepEqual(res.status, 404);
  assertIncludes(body, `data-app="shell"`);
  assertIncludes(body, `data-layout="root"`);
  assert.match(body, /data-page="404">404 This page does not exist\. \/no\/such\/page trail=root</);
  assert.deepEqual(res.headers.get("x-trail"), "root");
});

Deno.test("Errors - a thrown error with status 404 renders _404", async () => {
  const { res, body } = await fetchText(fixtureApp(), request("/posts/missing"));
  assert.deepEqual(res.status, 404);
  assertIncludes(body, `data-page="404"`);
});

Deno.test("Errors - a 4xx shows its message on _500 and is not logged", async () => {
  const app = fixtureApp();
  const { res, body } = await fetchText(app, request("/posts/secret"));
  assert.deepEqual(res.status, 403);
  assertIncludes(body, `<p data-page="error">403 not_author: only the author</p>`);
  assert.deepEqual(app.logged, []);
});

Deno.test("Errors - an unhandled error renders _500 without leaking it, and logs it", async () => {
  const app = fixtureApp();
  const { res, body } = await fetchText(app, request("/boom"));
  assert.deepEqual(res.status, 500);
  assertIncludes(body, "500 internal_error: Something went wrong on our side.");
  assert.ok(!body.includes("hunter2") && !body.includes("/srv/"), body);
  assert.deepEqual(res.headers.get("x-trail"), "root", "middlewares wrap error pages too");
  assert.deepEqual(app.logged.length, 1);
  assertIncludes(app.logged[0].text, "hunter2");
  assertIncludes(app.logged[0].text, `"path":"/boom"`);
});

Deno.test("Errors - onError lets a form page render itself again with the field errors", async () => {
  const { res, body } = await fetchText(fixtureApp(), formPost("/posts/new", { title: "" }));
  assert.deepEqual(res.status, 400);
  assertIncludes(body, `<em data-error="title">required</em>`);
  assertIncludes(body, `data-layout="posts"`);
});

Deno.test("Errors - with no _404/_500 pages, errors answer in plain text", async () => {
  const manifest: Manifest = {
    baseUrl: import.meta.url,
    routes: { "./routes/boom.ts": { handler: () => Promise.reject(new Error("x")) } },
    islands: {},
  };
  const app = createApp({ manifest, logger: { error() {} }, assets: { files: {} } });
  const missing = await fetchText(app, request("/nope"));
  assert.deepEqual([missing.res.status, missing.body], [404, "404 This page does not exist."]);
  const boom = await fetchText(app, request("/boom"));
  assert.deepEqual([boom.res.status, boom.body], [500, "500 Something went wrong on our side."]);
});

Deno.test("API - errors answer JSON with code, message and fields; 5xx hide the message", async () => {
  const app = fixtureApp();
  const json = (req: Request) => app.fetch(req).then(async (res) => [res.status, await res.json()]);
  const same = { "sec-fetch-site": "same-origin", "content-type": "application/json" };
  assert.deepEqual(await json(request("/api/posts/7")), [200, { id: "7", trail: ["root"] }]);
  assert.deepEqual(await json(request("/api/posts/7", { method: "DELETE", headers: same })), [
    403,
    { error: { code: "not_author", message: "not your post 7" } },
  ]);
  assert.deepEqual(
    await json(request("/api/posts/7", { method: "POST", headers: same, body: "{}" })),
    [
      400,
      {
        error: { code: "validation_failed", message: "invalid post", fields: { body: "too long" } },
      },
    ],
  );
  assert.deepEqual(await json(request("/api/fail")), [
    500,
    { error: { code: "internal_error", message: "Something went wrong on our side." } },
  ]);
  assert.deepEqual(await json(request("/api/nope")), [
    404,
    { error: { code: "not_found", message: "This page does not exist." } },
  ]);
  assert.deepEqual(app.logged.length, 1);
  assertIncludes(app.logged[0].text, "10.0.0.5");
});

Deno.test("Static - files in static/ are served with a short cache and revalidate", async () => {
  const app = fixtureApp();
  const { res, body } = await fetchText(app, request("/robots.txt"));
  assert.deepEqual(res.status, 200);
  assert.deepEqual(body, "User-agent: *\nDisallow:\n");
  assert.deepEqual(res.headers.get("cache-control"), STATIC_CACHE);
  assert.deepEqual(res.headers.get("content-type"), "text/plain; charset=utf-8");
  const etag = res.headers.get("etag") ?? "";
  const again = await app.fetch(request("/robots.txt", { headers: { "if-none-match": etag } }));
  assert.deepEqual(again.status, 304);
  assert.deepEqual((await fetchText(app, request("/../utils.ts"))).res.status, 404);
});

Deno.test("Manifest - a module with an unreadable export is refused at start, naming the file", () => {
  const bad = (module: Record<string, unknown>): Manifest => ({
    baseUrl: import.meta.url,
    routes: { "./routes/posts/[id].tsx": module },
    islands: {},
  });
  const start = (manifest: Manifest) => {
    try {
      createApp({ manifest, assets: { files: {} } });
      return "started";
    } catch (error) {
      return String(error);
    }
  };
  assertIncludes(start(bad({ handler: { GET: "nope" } })), "routes/posts/[id].tsx: handler.GET");
  assertIncludes(start(bad({ handler: { FETCH: () => new Response() } })), "handler.FETCH");
  assertIncludes(start(bad({ default: "not a component" })), "default export must be a component");
  const twice: Manifest = {
    baseUrl: import.meta.url,
    routes: { "./routes/a.tsx": {}, "./routes/(g)/a.tsx": {} },
    islands: {},
  };
  assertIncludes(start(twice), "both serve /a");
});
