import type { Handlers } from "$fresh/server.ts";
import { FixtureError, type State } from "../../../utils.ts";

export const handler: Handlers<unknown, State> = {
  GET(_req, ctx) {
    return Response.json({ id: ctx.params.id, trail: ctx.state.trail });
  },
  DELETE(_req, ctx) {
    throw new FixtureError(403, "not_author", { message: `not your post ${ctx.params.id}` });
  },
  POST() {
    throw new FixtureError(400, "validation_failed", {
      message: "invalid post",
      fields: { body: "too long" },
    });
  },
};
