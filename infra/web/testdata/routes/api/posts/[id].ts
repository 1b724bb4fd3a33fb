import { define, FixtureError } from "../../../utils.ts";

export const handler = define.handlers({
  GET(ctx) {
    return Response.json({ id: ctx.params.id, trail: ctx.state.trail });
  },
  DELETE(ctx) {
    throw new FixtureError(403, "not_author", { message: `not your post ${ctx.params.id}` });
  },
  POST() {
    throw new FixtureError(400, "validation_failed", {
      message: "invalid post",
      fields: { body: "too long" },
    });
  },
});
