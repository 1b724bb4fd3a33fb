import { define, signOut } from "../utils.ts";

/** POST /signout: the session is deleted server-side (SignOut), then the cookie cleared. */
export const handler = define.handlers({
  async POST(ctx) {
    const response = ctx.redirect("/", 303);
    response.headers.append("set-cookie", await signOut(ctx));
    return response;
  },
});
