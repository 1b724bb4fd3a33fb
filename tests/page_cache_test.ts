/**
 * Rendered pages served again (utils/page_cache.ts), end to end on the real
 * stack: a hit carries its own response's nonce, and a change projected from
 * anyone's write shows on the very next request, never a stale copy.
 */
import assert from "node:assert/strict";
import { apiUser } from "./processes.ts";
import { testServer } from "./test_server.ts";

async function counter(url: string, name: "hits" | "misses"): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(text.match(new RegExp(`^page_cache_${name}_total (\\d+)`, "m"))?.[1] ?? 0);
}
const hits = (url: string) => counter(url, "hits");

function nonces(res: { headers: Headers }, body: string) {
  return {
    header: res.headers.get("content-security-policy")?.match(/'nonce-([^']+)'/)?.[1],
    body: body.match(/<script[^>]* nonce="([^"]+)"/)?.[1],
  };
}

Deno.test({
  name: "Page cache - a repeat is a hit with its own nonce; another user's post shows at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await testServer();
    const reader = (await apiUser(server.url, "pc_reader")).http;
    const writer = (await apiUser(server.url, "pc_writer")).http;
    const first = await writer.json("POST", "/api/v1/posts", { message: "before the cache" });
    await (await writer.request("/", {
      headers: { "x-min-position": String(first.data.position) },
    }))
      .body?.cancel();

    const load = async () => {
      const res = await reader.request("/");
      const body = await res.text();
      assert.equal(res.status, 200);
      return { res, body };
    };
    const one = await load();
    const before = await hits(server.url);
    const two = await load();
    assert.equal(
      await hits(server.url),
      before + 1,
      "the same page at the same generation is a hit",
    );
    assert.ok(two.body.includes("before the cache"));
    const n1 = nonces(one.res, one.body);
    const n2 = nonces(two.res, two.body);
    assert.ok(n2.header && n2.header === n2.body, "the hit's script nonce is its own CSP's");
    assert.notEqual(n1.body, n2.body, "each response has a fresh nonce");

    // The writer's post is applied (its own read waited for it); the reader, who waited for
    // nothing, gets it on its next load: the generation moved, so the cached page is not reused.
    const second = await writer.json("POST", "/api/v1/posts", { message: "after the cache" });
    const seen = await writer.request("/", {
      headers: { "x-min-position": String(second.data.position) },
    });
    assert.ok((await seen.text()).includes("after the cache"));
    const three = await load();
    assert.ok(three.body.includes("after the cache"), "no stale copy after a projected change");

    // Many readers of a page not kept yet: one renders it, the others wait for that render.
    const third = await writer.json("POST", "/api/v1/posts", { message: "all at once" });
    await (await writer.request("/", {
      headers: { "x-min-position": String(third.data.position) },
    }))
      .body?.cancel();
    const missesBefore = await counter(server.url, "misses");
    const many = await Promise.all(Array.from({ length: 10 }, load));
    assert.ok(many.every((page) => page.body.includes("all at once")));
    assert.equal(await counter(server.url, "misses") - missesBefore, 1, "rendered once for ten");
  },
});
