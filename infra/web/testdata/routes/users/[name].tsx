import { defineRoute } from "$fresh/server.ts";
import type { State } from "../../utils.ts";

/** An async route component: loads its own data, answers 404 itself. */
export default defineRoute<State>(async (req, ctx) => {
  const known = await Promise.resolve(["ada", "grace"].includes(ctx.params.name));
  if (!known) return ctx.renderNotFound();
  return (
    <p data-page="user" data-method={req.method}>
      user {ctx.params.name}, trail={ctx.state.trail.join(">")}
    </p>
  );
});
