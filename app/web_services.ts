/**
 * What the web edge needs besides the mediator: the few things that are
 * neither a command nor a query (who a session cookie signs in, the read
 * model's progress for read-your-writes, readiness, metrics, change
 * notifications for live streams). Routes see the mediator and this, never
 * the stores, the pools or the composition root. Infra implements it
 * (infra/web_services.ts).
 *
 * @module
 */
import type { Actor } from "../domain/mod.ts";
import type { Metrics } from "./metrics.ts";

/** The settings the web edge reads. */
export type WebSettings = {
  /** `command` serves only writes, `query` only reads and pages; the others both. */
  role: "all" | "web" | "command" | "query" | "worker";
  /** How many proxy hops' X-Forwarded-For / X-Forwarded-Proto are believed (0: none). */
  trustProxy: number;
  /** The site's public URL, when set (its scheme says HTTPS). */
  publicUrl?: string;
  rateLimitWritesPerMin: number;
  rateLimitBurst: number;
  /** Live streams open at once per client address, and in this process. */
  liveStreamsPerClient: number;
  liveStreamsMax: number;
  /** Lets `/metrics` and `/ready`'s details be read from elsewhere than loopback. */
  metricsToken?: string;
};

/** The web edge's ports. */
export interface WebServices {
  readonly settings: WebSettings;
  /** The actor a session signs in (roles from the user's own stream), or null when none is live. */
  authenticate(sessionId: string): Promise<Actor | null>;
  /** Read-your-writes: the read model's progress. */
  readonly positions: {
    /** Resolves true once `position` is applied, false after `timeoutMs`. */
    waitFor(position: number, timeoutMs: number): Promise<boolean>;
    /** The highest position applied. */
    applied(): Promise<number>;
    /** The read model's generation, read after this call (see ReadStore.generation). */
    generation(): Promise<number>;
  };
  /** Readiness: each dependency's state ("ok" or why not), each bounded in time. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** The process's counters (live streams count their reads and refusals here). */
  readonly metrics: Metrics;
  /** Prometheus text: the counters plus projection lag, dead letters and restore progress. */
  metricsText(): Promise<string>;
  /** Projection change notifications; returns the unsubscribe function. */
  onProjectionChange(listener: () => void): () => void;
  /** Aborted when the process starts shutting down: long-lived responses end. */
  readonly closing: AbortSignal;
}
