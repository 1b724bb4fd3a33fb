/**
 * The API session: `POST /api/v1/session` {username, password} -> 200
 * {username} with the session cookie (401 on bad credentials);
 * `DELETE /api/v1/session` -> 204, clearing it.
 *
 * @module
 */
import { z } from "zod";
import { authenticate } from "../../../app/user_handlers.ts";
import { define, endSession, parseJson, startSession } from "../../../utils.ts";

const body = z.object({
  username: z.string({ error: "username is required" }).max(100, {
    error: "username is too long",
  }),
  password: z.string({ error: "password is required" }).max(200, {
    error: "password is too long",
  }),
});

/** POST: signs in (200 {username} + cookie); DELETE: signs out (204). */
export const handler = define.handlers({
  async POST(ctx) {
    const credentials = await parseJson(ctx.req, body);
    const actor = await authenticate(ctx.state.system, credentials);
    const response = Response.json({ username: actor.username });
    response.headers.append("set-cookie", await startSession(ctx, actor));
    return response;
  },
  async DELETE(ctx) {
    return new Response(null, { status: 204, headers: { "set-cookie": await endSession(ctx) } });
  },
});
