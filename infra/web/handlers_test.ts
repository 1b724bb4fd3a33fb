import assert from "node:assert/strict";
import type { ResolvedFreshConfig } from "./config.ts";
import type { FreshContext } from "./context.ts";
import { type MiddlewareHandler, runChain } from "./handlers.ts";

const req = new Request("http://x/");

function bareContext(): FreshContext<{ seen: string[] }> {
  return {
    url: new URL(req.url),
    basePath: "",
    route: "/",
    params: {},
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    isPartial: false,
    config: {} as ResolvedFreshConfig,
    state: { seen: [] },
    data: undefined,
    Component: () => null,
    render: () => Promise.resolve(new Response("page")),
    renderNotFound: () => Promise.resolve(new Response("", { status: 404 })),
    next: () => Promise.reject(new Error("unset")),
  };
}

Deno.test("Middleware chain - outermost first in, last out", async () => {
  const log: string[] = [];
  const named = (name: string): MiddlewareHandler<{ seen: string[] }> => async (_req, ctx) => {
    log.push(`${name} in`);
    ctx.state.seen.push(name);
    const res = await ctx.next();
    log.push(`${name} out`);
    return res;
  };
  const ctx = bareContext();
  const res = await runChain(req, ctx, {
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
  const twice: MiddlewareHandler<{ seen: string[] }> = async (_req, ctx) => {
    await ctx.next();
    return ctx.next();
  };
  await assert.rejects(
    () =>
      runChain(req, bareContext(), { chain: [twice], last: () => Promise.resolve(new Response()) }),
    /ctx\.next\(\) called twice/,
  );
});
