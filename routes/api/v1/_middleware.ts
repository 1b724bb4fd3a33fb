/**
 * The gate of every JSON API v1 write (POST, PUT, PATCH, DELETE): a
 * per-client rate limit (429), then `Content-Type: application/json` (415)
 * and the announced body size (413). Reads pass straight through; the root
 * middleware already did CSRF, the session and read-your-writes.
 *
 * @module
 */
import { HttpError, serializeCookie } from "../../../infra/web/mod.ts";
import { define, isHttps, MAX_JSON_BYTES, POSITION_COOKIE } from "../../../utils.ts";

/** A token bucket's shape: `burst` writes at once, refilled at `perMinute`. */
export type RateLimit = { perMinute: number; burst: number };

/**
 * Writes each client may send to the API: 60 a minute, 20 in a burst. A
 * client is its session, or else its address. Read per request, so tests
 * may change it.
 *
 * @example
 * ```ts
 * API_WRITE_LIMIT.burst = 3; // in a test
 * ```
 */
export const API_WRITE_LIMIT: RateLimit = { perMinute: 60, burst: 20 };

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Past this many clients, buckets that refilled completely are forgotten. */
const MAX_TRACKED_CLIENTS = 10_000;

type Bucket = { tokens: number; at: number };

/** Token buckets by client key, in memory (one process; a restart forgets them). */
function tokenBuckets(limit: RateLimit) {
  const buckets = new Map<string, Bucket>();
  const refill = (bucket: Bucket, now: number) => {
    const perMs = limit.perMinute / 60_000;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) * perMs);
    bucket.at = now;
  };
  return {
    /** Takes one token; returns 0 when allowed, else the seconds until one is back. */
    take(key: string, now = Date.now()): number {
      if (buckets.size >= MAX_TRACKED_CLIENTS) {
        for (const [k, b] of buckets) {
          refill(b, now);
          if (b.tokens >= limit.burst) buckets.delete(k);
        }
      }
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at: now };
      buckets.set(key, bucket);
      refill(bucket, now);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / (limit.perMinute / 60)));
    },
  };
}

/** The client a write counts against: its session, else the first `X-Forwarded-For` hop. */
function clientKey(req: Request, sessionId: string | null): string {
  if (sessionId) return `session:${sessionId}`;
  const forwarded = req.headers.get("x-forwarded-for")?.split(",", 1)[0].trim();
  // The app only sees the Request, not the socket: without a proxy header all
  // anonymous clients share one bucket.
  return `ip:${forwarded || "unknown"}`;
}

function isJson(contentType: string | null): boolean {
  return contentType?.split(";", 1)[0].trim().toLowerCase() === "application/json";
}

const buckets = tokenBuckets(API_WRITE_LIMIT);

const apiWrites = define.middleware(async function apiWrites(ctx) {
  if (!WRITE_METHODS.has(ctx.req.method)) return await ctx.next();
  const wait = buckets.take(clientKey(ctx.req, ctx.state.sessionId));
  if (wait > 0) {
    throw new HttpError(429, `too many writes; try again in ${wait} s`, {
      code: "rate_limited",
      headers: { "retry-after": String(wait) },
    });
  }
  if (!isJson(ctx.req.headers.get("content-type"))) {
    throw new HttpError(415, "send the request with Content-Type: application/json", {
      code: "unsupported_media_type",
    });
  }
  if (Number(ctx.req.headers.get("content-length") ?? 0) > MAX_JSON_BYTES) {
    throw new HttpError(413, `the body is larger than ${MAX_JSON_BYTES} bytes`, {
      code: "payload_too_large",
    });
  }
  return rememberPosition(ctx.req, await ctx.next());
});

/**
 * A successful write's position also goes into the read-your-writes cookie,
 * so a browser whose island wrote through the API sees its change on the
 * next page load too (as after a form's redirect).
 */
async function rememberPosition(req: Request, response: Response): Promise<Response> {
  if (!response.ok || !isJson(response.headers.get("content-type"))) return response;
  const body = await response.clone().json().catch(() => null);
  const position = Number(body?.position);
  if (!Number.isSafeInteger(position) || position <= 0) return response;
  const headers = new Headers(response.headers);
  headers.append(
    "set-cookie",
    serializeCookie(POSITION_COOKIE, String(position), { maxAge: 30, secure: isHttps(req) }),
  );
  return new Response(response.body, { status: response.status, headers });
}

/** Runs before every v1 route: the write gate. */
export const handler = [apiWrites];
