import assert from "node:assert/strict";
import type { Context } from "./context.ts";
import { redirect } from "./context.ts";
import { type Middleware, runChain } from "./handlers.ts";

function bareContext(): Context<{ seen: string[] }> {
  return {
    req: new Request("http://x/"),
    url: new URL("http://x/"),
    params: {},
    route: "/",
    state: { seen: [] },
    render: () => Promise.resolve(new Response("page")),
    redirect,
    next: () => Promise.reject(new Error("unset")),
  };
}

Deno.test("Middleware chain - outermost first in, last out", async () => {
  const log: string[] = [];
  const named = (name: string): Middleware<{ seen: string[] }> => async (ctx) => {
    log.push(`${name} in`);
    ctx.state.seen.push(name);
    const res = await ctx.next();
    log.push(`${name} out`);
    return res;
  };
  const ctx = bareContext();
  const res = await runChain(ctx, {
    chain: [named("a"), named("b")],
    last: () => {
      log.push(`route sees ${ctx.state.seen.join(",")}`);
      return Promise.resolve(new Response("route"));
    },
  });
  assert.equal(await res.text(), "route");
  assert.deepEqual(log, ["a in", "b in", "route sees a,b", "b out", "a out"]);
});

Deno.test("Middleware chain - calling next twice is a bug and says so", async () => {
  const twice: Middleware<{ seen: string[] }> = async (ctx) => {
    await ctx.next();
    return ctx.next();
  };
  await assert.rejects(
    () => runChain(bareContext(), { chain: [twice], last: () => Promise.resolve(new Response()) }),
    /ctx\.next\(\) called twice/,
  );
});

Deno.test("Redirect - 303 by default; a protocol-relative location stays on this host", () => {
  const res = redirect("/posts/1");
  assert.deepEqual([res.status, res.headers.get("location")], [303, "/posts/1"]);
  assert.equal(redirect("//evil.example/x").headers.get("location"), "/evil.example/x");
  assert.equal(redirect("/\\evil.example").headers.get("location"), "/evil.example");
  assert.equal(redirect("/", 307).status, 307);
});
