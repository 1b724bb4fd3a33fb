import { csrf } from "../../mod.ts";
import { define } from "../utils.ts";

export const handler = [
  csrf(),
  define.middleware(async (ctx) => {
    ctx.state.trail = ["root"];
    const user = ctx.req.headers.get("x-user");
    if (user) ctx.state.user = user;
    const res = await ctx.next();
    res.headers.set("x-trail", ctx.state.trail.join(">"));
    return res;
  }),
];
