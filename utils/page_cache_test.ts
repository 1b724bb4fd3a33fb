import assert from "node:assert/strict";
import { pageCache, pageCacheFor } from "./page_cache.ts";

const page = (text: string) => ({
  before: new TextEncoder().encode(text),
  after: new Uint8Array(0),
  headers: [["content-type", "text/html"]] as [string, string][],
});

Deno.test("Page cache - an entry is served until its TTL, then gone", () => {
  let now = 0;
  const pages = pageCache({ entries: 4, ttlMs: 1000, now: () => now });
  pages.set("g1 / ", page("one"));
  now = 1000;
  assert.ok(pages.get("g1 / "), "still fresh at the TTL");
  now = 1001;
  assert.equal(pages.get("g1 / "), undefined, "expired after it");
  assert.equal(pages.size, 0);
});

Deno.test("Page cache - holds at most `entries` pages, the oldest out first", () => {
  const pages = pageCache({ entries: 2, ttlMs: 60_000, now: () => 0 });
  pages.set("a", page("a"));
  pages.set("b", page("b"));
  pages.set("c", page("c"));
  assert.equal(pages.size, 2);
  assert.equal(pages.get("a"), undefined);
  assert.ok(pages.get("b") && pages.get("c"));
});

Deno.test("Page cache - entries: 0 or ttlMs: 0 is no cache at all", () => {
  assert.equal(pageCacheFor({ entries: 0, ttlMs: 1000 }), undefined);
  assert.equal(pageCacheFor({ entries: 10, ttlMs: 0 }), undefined);
  const pages = pageCacheFor({ entries: 10, ttlMs: 1000 });
  pages?.set("a", page("a"));
  assert.equal(pages?.size, 1);
});
