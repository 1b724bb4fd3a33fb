/**
 * Who may read operational details (`/metrics`, `/ready`'s checks): a client
 * on loopback, or one presenting `Authorization: Bearer <METRICS_TOKEN>`.
 *
 * @module
 */
import { timingSafeEqual } from "node:crypto";
import { isLoopback } from "./client_address.ts";

/**
 * True when the request may see operational details.
 *
 * @example
 * ```ts
 * if (!mayReadDetails(req, { address: "127.0.0.1", token })) return forbidden();
 * ```
 */
export function mayReadDetails(
  req: Request,
  options: { address: string; token?: string },
): boolean {
  if (isLoopback(options.address)) return true;
  if (!options.token) return false;
  const given = new TextEncoder().encode(
    req.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "",
  );
  const wanted = new TextEncoder().encode(options.token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
