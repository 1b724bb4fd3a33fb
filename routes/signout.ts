import { define, endSession } from "../utils.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const response = ctx.redirect("/", 303);
    response.headers.append("set-cookie", await endSession(ctx));
    return response;
  },
});
