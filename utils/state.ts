/**
 * What routes see of a request: the state the root middleware
 * (routes/_middleware.ts) fills in for every request.
 *
 * @module
 */
import type { RequestContext } from "../app/context.ts";
import type { Mediator } from "../app/mediator.ts";
import type { WebServices } from "../app/web_services.ts";
import type { Actor } from "../domain/mod.ts";
import type { PageCache } from "./page_cache.ts";

/** Set for every request (the mediator and services by the server, the rest by routes/_middleware.ts). */
export type State = {
  /** Every state change and every read: commands and queries. */
  mediator: Mediator;
  /** What is neither a command nor a query: sessions, read-model progress, probes, metrics. */
  services: WebServices;
  /** The connection Deno.serve reports (the peer's address). */
  info?: Deno.ServeHandlerInfo;
  /** This response's CSP nonce (on the islands script). */
  nonce?: string;
  /** This process's rendered pages (utils/page_cache.ts); none when PAGE_CACHE_ENTRIES=0. */
  pages?: PageCache;
  /** The signed-in user, or null. */
  actor: Actor | null;
  /** The session id from the cookie (to sign out). */
  sessionId: string | null;
  /** Actor + correlation id, handed to the mediator. */
  ctx: RequestContext;
  /** The read store position this response reflects (X-Projection-Position). */
  position: number;
  /** The positions this request wrote (one per command), for the read-your-writes cookie. */
  writtenPositions: number[];
  /** The client's address: the connection's, or a trusted proxy's X-Forwarded-For hop. */
  clientAddress: string;
  /** Served over HTTPS (PUBLIC_URL, or a trusted proxy says so): Secure, `__Host-` cookies. */
  https: boolean;
};
