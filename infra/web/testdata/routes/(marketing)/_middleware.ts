import { define } from "../../utils.ts";

export const handler = define.middleware((ctx) => {
  ctx.state.trail.push("marketing");
  return ctx.next();
});
