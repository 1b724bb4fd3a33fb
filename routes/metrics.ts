import type { Handlers } from "$fresh/server.ts";
import { mayReadDetails } from "../utils/probe_access.ts";
import { HttpError } from "../utils/http_error.ts";
import type { State } from "../utils/state.ts";

/**
 * Prometheus text format: commands, latency, events, relay and projection
 * lag, restores. Only from loopback or with `Authorization: Bearer <METRICS_TOKEN>`.
 */
export const handler: Handlers<unknown, State> = {
  async GET(req, ctx) {
    const { services } = ctx.state;
    const address = ctx.state.clientAddress;
    if (!mayReadDetails(req, { address, token: services.settings.metricsToken })) {
      throw new HttpError(403, "metrics are served to loopback or with METRICS_TOKEN", {
        code: "forbidden",
      });
    }
    return new Response(await services.metricsText(), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  },
};
