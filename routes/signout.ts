import type { Handlers } from "$fresh/server.ts";
import { redirect } from "../utils/redirect.ts";
import { signOut } from "../utils/session.ts";
import type { State } from "../utils/state.ts";

/** POST /signout: the session is deleted server-side (SignOut), then the cookie cleared. */
export const handler: Handlers<unknown, State> = {
  async POST(_req, ctx) {
    const response = redirect("/", 303);
    response.headers.append("set-cookie", await signOut(ctx));
    return response;
  },
};
