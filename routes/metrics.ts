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
    const { system } = ctx.state;
    const address = ctx.state.clientAddress;
    if (!mayReadDetails(req, { address, token: system.config.METRICS_TOKEN })) {
      throw new HttpError(403, "metrics are served to loopback or with METRICS_TOKEN", {
        code: "forbidden",
      });
    }
    const { metrics } = system;
    const status = await system.projections.status().catch(() => null);
    if (status) {
      metrics.describe("events_store_position", "Highest global position in the event store");
      metrics.set("events_store_position", {}, status.storePosition);
      metrics.describe("projection_applied_position", "Highest position the projector applied");
      metrics.set("projection_applied_position", {}, status.appliedPosition);
      metrics.describe("projection_lag_events", "Events not yet applied to the read store");
      metrics.set("projection_lag_events", {}, status.lagEvents);
      metrics.describe("projection_lag_seconds", "Age of the oldest event not yet applied");
      metrics.set("projection_lag_seconds", {}, status.lagMs / 1000);
      metrics.describe("dead_letters", "Open dead letters");
      metrics.set("dead_letters", {}, status.deadLetters.length);
      if (status.lastRestore) {
        metrics.describe("restore_progress_percent", "Progress of the latest Restore read DB job");
        metrics.set("restore_progress_percent", {}, status.lastRestore.percent);
      }
    }
    return new Response(metrics.render(), {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
    });
  },
};
