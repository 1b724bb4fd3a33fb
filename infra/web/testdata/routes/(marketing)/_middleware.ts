import type { FreshContext } from "$fresh/server.ts";
import type { State } from "../../utils.ts";

export function handler(_req: Request, ctx: FreshContext<State>) {
  ctx.state.trail.push("marketing");
  return ctx.next();
}
