/**
 * The API session: `POST /api/v1/session` {username, password} -> 200
 * {username} with the session cookie (401 on bad credentials, 429 with
 * Retry-After once throttled);
 * `DELETE /api/v1/session` -> 204, clearing it.
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import { z } from "zod";
import { parseJson } from "../../../utils/json_body.ts";
import { signIn, signOut } from "../../../utils/session.ts";
import type { State } from "../../../utils/state.ts";

const body = z.object({
  username: z.string({ error: "username is required" }).max(100, {
    error: "username is too long",
  }),
  password: z.string({ error: "password is required" }).max(200, {
    error: "password is too long",
  }),
});

/** POST: signs in (200 {username} + cookie); DELETE: signs out (204). */
export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const credentials = await parseJson(req, body);
    const { username, cookie } = await signIn(ctx, credentials);
    const response = Response.json({ username });
    response.headers.append("set-cookie", cookie);
    return response;
  },
  async DELETE(_req, ctx) {
    return new Response(null, { status: 204, headers: { "set-cookie": await signOut(ctx) } });
  },
};
