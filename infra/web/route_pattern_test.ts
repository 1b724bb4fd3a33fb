import assert from "node:assert/strict";
import {
  comparePatterns,
  honoPaths,
  isSourceFile,
  routeKind,
  routePattern,
} from "./route_pattern.ts";

Deno.test("Route pattern - index, params, catch-all and groups", () => {
  const cases: [string, string][] = [
    ["index.tsx", "/"],
    ["about.tsx", "/about"],
    ["posts/index.tsx", "/posts"],
    ["posts/[id].tsx", "/posts/:id"],
    ["posts/[id]/edit.tsx", "/posts/:id/edit"],
    ["(app)/settings/(tabs)/profile.tsx", "/settings/profile"],
    ["(app)/index.tsx", "/"],
    ["docs/[...slug].tsx", "/docs/:slug*"],
    ["[...path].tsx", "/:path*"],
    ["api/posts/[id].ts", "/api/posts/:id"],
  ];
  for (const [file, pattern] of cases) assert.equal(routePattern(file), pattern, file);
});

Deno.test("Route pattern - unreadable segments are refused, naming the file", () => {
  assert.throws(
    () => routePattern("docs/[...slug]/more.tsx"),
    /routes\/docs\/\[\.\.\.slug\]\/more\.tsx: \[\.\.\.slug\] must be last/,
  );
  assert.throws(() => routePattern("posts/post-[id].tsx"), /cannot read segment "post-\[id\]"/);
});

Deno.test("Route kind - special files by name; root-only ones only at the top", () => {
  assert.equal(routeKind("_app.tsx"), "app");
  assert.equal(routeKind("(app)/_layout.tsx"), "layout");
  assert.equal(routeKind("posts/_middleware.ts"), "middleware");
  assert.equal(routeKind("_404.tsx"), "notFound");
  assert.equal(routeKind("_500.tsx"), "error");
  assert.equal(routeKind("posts/[id].tsx"), "route");
  assert.throws(() => routeKind("_layouts.tsx"), /unknown special file/);
  assert.throws(() => routeKind("posts/_404.tsx"), /only read at the top/);
});

Deno.test("Route pattern - static before parameter before catch-all", () => {
  const sorted = [
    "/:path*",
    "/posts/:id",
    "/docs/:slug*",
    "/posts/new",
    "/docs",
    "/posts/:id/edit",
    "/",
    "/posts",
  ]
    .sort(comparePatterns);
  assert.deepEqual(sorted, [
    "/",
    "/docs",
    "/posts",
    "/posts/new",
    "/posts/:id",
    "/posts/:id/edit",
    "/docs/:slug*",
    "/:path*",
  ]);
});

Deno.test("Route pattern - Hono paths; a catch-all also serves its bare folder", () => {
  assert.deepEqual(honoPaths("/posts/:id"), ["/posts/:id"]);
  assert.deepEqual(honoPaths("/docs/:slug*"), ["/docs/:slug{.+}", "/docs"]);
  assert.deepEqual(honoPaths("/:path*"), ["/:path{.+}", "/"]);
});

Deno.test("Route files - tests and declarations are not routes", () => {
  assert.ok(isSourceFile("posts/[id].tsx"));
  assert.ok(!isSourceFile("posts/page_test.tsx"));
  assert.ok(!isSourceFile("types.d.ts"));
  assert.ok(!isSourceFile("README.md"));
});
