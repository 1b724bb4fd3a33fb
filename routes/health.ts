import { define } from "../utils.ts";

/** Liveness: the process answers. Nothing else is checked. */
export const handler = define.handlers({
  GET: () => Response.json({ status: "ok" }),
});
