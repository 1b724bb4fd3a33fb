import type { FreshContext } from "$fresh/server.ts";
import type { State } from "../../utils.ts";

export function handler(_req: Request, ctx: FreshContext<State>) {
  ctx.state.trail.push("posts");
  if (ctx.url.searchParams.has("deny")) {
    return new Response("denied by posts middleware", { status: 401 });
  }
  return ctx.next();
}
