/**
 * The web edge's ports (app/web_services.ts) over the running system: the
 * session store and the user's stream for authentication, the read store's
 * progress, readiness probes with a time bound, and the metrics text with
 * the projection status.
 *
 * @module
 */
import type { WebServices } from "../app/web_services.ts";
import { probe } from "./probe.ts";
import { freshValue } from "./recent_value.ts";
import type { System } from "./system.ts";
import { messageOf } from "../app/log.ts";

/** How long one dependency may take to answer before it counts as down. */
const PROBE_TIMEOUT_MS = 2000;

/**
 * The web edge's services of `system`.
 *
 * @example
 * ```ts
 * const services = webServices(system);
 * const { ready, checks } = await services.readiness();
 * ```
 */
export function webServices(system: System): WebServices {
  const { config, metrics } = system;
  // One query per round trip however many pages ask at once, each answer newer than its ask.
  const generation = freshValue(() => system.readStore.generation());
  return {
    settings: {
      role: config.ROLE,
      trustProxy: config.TRUST_PROXY,
      publicUrl: config.PUBLIC_URL,
      rateLimitWritesPerMin: config.RATE_LIMIT_WRITES_PER_MIN,
      rateLimitBurst: config.RATE_LIMIT_BURST,
      liveStreamsPerClient: config.LIVE_STREAMS_PER_CLIENT,
      liveStreamsMax: config.LIVE_STREAMS_MAX,
      metricsToken: config.METRICS_TOKEN,
    },
    // Cached briefly for other users; an administrator's roles are read every time.
    authenticate: (sessionId) => system.signedIn(sessionId),
    positions: {
      waitFor: (position, timeoutMs) => system.readStore.waitForPosition(position, timeoutMs),
      applied: () => system.readStore.appliedPosition(),
      generation,
    },
    async readiness() {
      const checks = Object.fromEntries(
        await Promise.all([
          probe("eventStore", () => system.eventSql`select 1`, PROBE_TIMEOUT_MS),
          probe("readStore", () => system.readSql`select 1`, PROBE_TIMEOUT_MS),
          ...(system.worker ? [probe("bus", () => system.worker!.ping(), PROBE_TIMEOUT_MS)] : []),
        ]),
      );
      return { ready: Object.values(checks).every((v) => v === "ok"), checks };
    },
    metrics,
    async metricsText() {
      // The counters are served even when the stores are down: that is when they matter.
      const status = await system.projections.status().catch((error) => {
        system.logger.warn("metrics: projection status unavailable", {
          error: messageOf(error),
        });
        return null;
      });
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
          metrics.describe(
            "restore_progress_percent",
            "Progress of the latest Restore read DB job",
          );
          metrics.set("restore_progress_percent", {}, status.lastRestore.percent);
        }
      }
      return metrics.render();
    },
    onProjectionChange: (listener) => system.changes.subscribe(listener),
    closing: system.closing,
  };
}
