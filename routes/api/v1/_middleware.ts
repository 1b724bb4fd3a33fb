/**
 * The gate of every JSON API v1 write (POST, PUT, PATCH, DELETE):
 * `Content-Type: application/json` when there is a body (415). Reads pass
 * straight through; the web layer already bounded the body (413), and the
 * root middleware did CSRF, the rate limit, the session and read-your-writes
 * (including the cookie that makes an island's write visible on the next page).
 *
 * @module
 */
import type { FreshContext } from "$fresh/server.ts";
import { HttpError } from "../../../utils/http_error.ts";
import type { State } from "../../../utils/state.ts";

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function isJson(contentType: string | null): boolean {
  return contentType?.split(";", 1)[0].trim().toLowerCase() === "application/json";
}

/** A body is announced by a non-zero Content-Length or by chunked transfer. */
function hasBody(req: Request): boolean {
  const length = req.headers.get("content-length");
  return length !== null ? Number(length) !== 0 : req.headers.has("transfer-encoding");
}

async function apiWrites(req: Request, ctx: FreshContext<State>) {
  if (!WRITE_METHODS.has(req.method)) return await ctx.next();
  // A write without a body (DELETE, PUT .../like) needs no Content-Type.
  if (hasBody(req) && !isJson(req.headers.get("content-type"))) {
    throw new HttpError(415, "send the request with Content-Type: application/json", {
      code: "unsupported_media_type",
    });
  }
  return await ctx.next();
}

/** Runs before every v1 route: the write gate. */
export const handler = [apiWrites];
