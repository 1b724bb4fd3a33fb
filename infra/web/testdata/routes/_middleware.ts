import type { FreshContext } from "$fresh/server.ts";
import type { State } from "../utils.ts";

export async function handler(req: Request, ctx: FreshContext<State>) {
  ctx.state.trail = ["root"];
  const user = req.headers.get("x-user");
  if (user) ctx.state.user = user;
  const res = await ctx.next();
  res.headers.set("x-trail", ctx.state.trail.join(">"));
  return res;
}
