import type { Handlers } from "$fresh/server.ts";
import { mayReadDetails } from "../utils/probe_access.ts";
import type { State } from "../utils/state.ts";

/**
 * Readiness: the event store, the read store and (with a worker) the bus
 * answer. Which check failed, and why, only for loopback or METRICS_TOKEN:
 * others get the status alone.
 */
export const handler: Handlers<unknown, State> = {
  async GET(req, ctx) {
    const { services } = ctx.state;
    const { ready, checks } = await services.readiness();
    const details = mayReadDetails(req, {
      address: ctx.state.clientAddress,
      token: services.settings.metricsToken,
    });
    const status = ready ? "ready" : "unready";
    return Response.json(details ? { status, checks } : { status }, {
      status: ready ? 200 : 503,
    });
  },
};
