import type { Handlers } from "$fresh/server.ts";
import type { State } from "../utils/state.ts";

/** Liveness: the process answers. Nothing else is checked. */
export const handler: Handlers<unknown, State> = {
  GET: () => Response.json({ status: "ok" }),
};
