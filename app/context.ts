import type { Actor } from "../domain/mod.ts";

/**
 * Who sends a message and under which correlation. Built by the web edge from
 * the session; never from the message body.
 *
 * @example
 * ```ts
 * const ctx = requestContext({ actor: alice });
 * await mediator.send({ type: "LikePost", postId }, ctx);
 * ```
 */
export type RequestContext = {
  readonly actor: Actor | null;
  /** Ties every event of one request together; from `X-Correlation-Id` or new. */
  readonly correlationId: string;
  /** The client's address (from the connection, or a trusted proxy); keys the sign-in throttle. */
  readonly clientAddress?: string | null;
  /**
   * Told the position of each command this request wrote, so the web edge can
   * hand it to the client (read-your-writes) without reading the response back.
   */
  readonly written?: (position: number) => void;
};

/** A context with a fresh correlation id. */
export function requestContext(
  options: {
    actor?: Actor | null;
    correlationId?: string;
    clientAddress?: string | null;
    written?: (position: number) => void;
  } = {},
): RequestContext {
  return {
    actor: options.actor ?? null,
    correlationId: options.correlationId ?? crypto.randomUUID(),
    clientAddress: options.clientAddress ?? null,
    written: options.written,
  };
}
