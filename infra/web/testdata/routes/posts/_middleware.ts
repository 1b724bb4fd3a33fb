import { define } from "../../utils.ts";

export const handler = define.middleware((ctx) => {
  ctx.state.trail.push("posts");
  if (ctx.url.searchParams.has("deny")) {
    return new Response("denied by posts middleware", { status: 401 });
  }
  return ctx.next();
});
