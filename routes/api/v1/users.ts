/**
 * `POST /api/v1/users` {username, password} -> 201 {id}; 409 when the
 * username is taken. Registering does not sign in (see `session.ts`).
 *
 * @module
 */
import { z } from "zod";
import { requestContext } from "../../../app/context.ts";
import { define, parseJson } from "../../../utils.ts";

const body = z.object({
  username: z.string({ error: "username is required" }),
  password: z.string({ error: "password is required" }),
});

/** POST: registers a user (201 {id}). */
export const handler = define.handlers({
  async POST(ctx) {
    const { username, password } = await parseJson(ctx.req, body);
    // A registration belongs to nobody yet, as on the sign-up page.
    const { userId } = await ctx.state.system.mediator.send(
      { type: "RegisterUser", username, password },
      requestContext({ correlationId: ctx.state.ctx.correlationId }),
    );
    return Response.json({ id: userId }, { status: 201 });
  },
});
