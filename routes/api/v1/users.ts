/**
 * `POST /api/v1/users` {username, password} -> 201 {id}; 409 when the
 * username is taken. Registering does not sign in (see `session.ts`).
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import { z } from "zod";
import { requestContext } from "../../../app/context.ts";
import { parseJson } from "../../../utils/json_body.ts";
import type { State } from "../../../utils/state.ts";

const body = z.object({
  username: z.string({ error: "username is required" }),
  password: z.string({ error: "password is required" }),
});

/** POST: registers a user (201 {id}). */
export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const { username, password } = await parseJson(req, body);
    // A registration belongs to nobody yet, as on the sign-up page.
    const { userId } = await ctx.state.mediator.send(
      { type: "RegisterUser", username, password },
      requestContext({ correlationId: ctx.state.ctx.correlationId }),
    );
    return Response.json({ id: userId }, { status: 201 });
  },
};
