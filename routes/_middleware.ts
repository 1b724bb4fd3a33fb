import type { FreshContext } from "$fresh/server.ts";
import { requestContext } from "../app/context.ts";
import type { WebServices } from "../app/web_services.ts";
import { clientAddress, isHttpsRequest } from "../utils/client_address.ts";
import { csrf } from "../utils/csrf.ts";
import { getCookies } from "../utils/cookies.ts";
import { HttpError } from "../utils/http_error.ts";
import { type TokenBuckets, tokenBuckets } from "../utils/rate_limit.ts";
import {
  clearPositionCookie,
  newest,
  positionCookie,
  positionsFromCookie,
  positionsFromHeader,
} from "../utils/position_cookie.ts";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "../utils/session.ts";
import type { State } from "../utils/state.ts";

/** Health, readiness and metrics: every role serves them, without a session. */
const PROBES = new Set(["/health", "/ready", "/metrics"]);

/** Read-your-writes waits at most this long before answering with what it has. */
const MAX_WAIT_MS = 5000;

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Who is asking: the client's address (from the connection, or a trusted
 * proxy) and whether the site is served over HTTPS. First, so every later
 * step (rate limit, sign-in throttle, cookies, live stream caps) uses them.
 */
function client(req: Request, ctx: FreshContext<State>) {
  const { settings } = ctx.state.services;
  ctx.state.clientAddress = clientAddress(req, ctx.state.info, settings.trustProxy);
  ctx.state.https = isHttpsRequest(req, {
    publicUrl: settings.publicUrl,
    trustedProxies: settings.trustProxy,
  });
  return ctx.next();
}

/** Who is signed in: from the session cookie, checked against the session store. */
async function session(req: Request, ctx: FreshContext<State>) {
  // Probes answer without the database's help (they report on it).
  if (PROBES.has(ctx.url.pathname)) {
    ctx.state.actor = null;
    ctx.state.sessionId = null;
    ctx.state.ctx = requestContext({ clientAddress: ctx.state.clientAddress });
    ctx.state.position = 0;
    ctx.state.writtenPositions = [];
    return await ctx.next();
  }
  const cookies = getCookies(req);
  // Over HTTPS only the __Host- cookie counts (a plain-HTTP one could have been planted).
  const sessionId = (ctx.state.https ? cookies[SECURE_SESSION_COOKIE] : cookies[SESSION_COOKIE]) ??
    null;
  // Roles come from the user's own stream; an administrator's are read on every request,
  // so a revoke takes effect at once (the session cache keeps only other users, briefly).
  const actor = sessionId ? await ctx.state.services.authenticate(sessionId) : null;
  ctx.state.sessionId = actor ? sessionId : null;
  ctx.state.actor = actor;
  ctx.state.writtenPositions = [];
  const correlationId = req.headers.get("x-correlation-id")?.slice(0, 100) ??
    crypto.randomUUID();
  ctx.state.ctx = requestContext({
    actor,
    correlationId,
    clientAddress: ctx.state.clientAddress,
    written(position) {
      if (position > 0) ctx.state.writtenPositions.push(position);
    },
  });
  return await ctx.next();
}

const writeLimits = new WeakMap<WebServices, TokenBuckets>();

/**
 * Every write (API and pages' POSTs) counts against its client: the session
 * when signed in, else the address (RATE_LIMIT_WRITES_PER_MIN, RATE_LIMIT_BURST).
 */
function rateLimit(req: Request, ctx: FreshContext<State>) {
  if (!WRITE_METHODS.has(req.method)) return ctx.next();
  const { services } = ctx.state;
  let buckets = writeLimits.get(services);
  if (!buckets) {
    buckets = tokenBuckets({
      perMinute: services.settings.rateLimitWritesPerMin,
      burst: services.settings.rateLimitBurst,
    });
    writeLimits.set(services, buckets);
  }
  const key = ctx.state.sessionId
    ? `session:${ctx.state.sessionId}`
    : `ip:${ctx.state.clientAddress}`;
  const wait = buckets.take(key);
  if (wait > 0) {
    throw new HttpError(429, `too many writes; try again in ${wait} s`, {
      code: "rate_limited",
      headers: { "retry-after": String(wait) },
    });
  }
  return ctx.next();
}

/**
 * Read-your-writes: a read waits (bounded) until the projector has applied
 * every write of the reader's not yet read back: the positions in the
 * cookie (set here after each write, page or API) and those in
 * `X-Min-Position` for API clients. Every response says which position it
 * reflects.
 */
async function readYourWrites(req: Request, ctx: FreshContext<State>) {
  const { positions } = ctx.state.services;
  if (PROBES.has(ctx.url.pathname)) return await ctx.next();
  const isRead = req.method === "GET" || req.method === "HEAD";
  const pending = positionsFromCookie(req);
  const wanted = isRead ? newest([...pending, ...positionsFromHeader(req)]) : [];
  const reached = wanted.length > 0 &&
    (await Promise.all(wanted.map((p) => positions.waitFor(p, MAX_WAIT_MS)))).every(Boolean);
  // The applied position is read at most every few ms (system.ts); the wanted ones are applied.
  ctx.state.position = Math.max(await positions.applied(), reached ? wanted.at(-1)! : 0);
  const response = mutable(await ctx.next());
  const { headers } = response;
  headers.set("x-projection-position", String(ctx.state.position));
  headers.set("x-correlation-id", ctx.state.ctx.correlationId);
  const written = ctx.state.writtenPositions;
  if (!isRead && written.length > 0 && response.status < 400) {
    // Kept with the writes still unread, so a page after a like (island) and a comment (form)
    // waits for both; an island's API write counts as a form's does.
    headers.append("set-cookie", positionCookie([...pending, ...written], ctx.state.https));
  } else if (isRead && pending.length > 0) {
    headers.append("set-cookie", clearPositionCookie(ctx.state.https));
  }
  // The other security headers (CSP, nosniff, frames, HSTS) are set for every response by the app.
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  return response;
}

/**
 * The response itself when its headers may be changed (most are); a copy
 * otherwise (`Response.redirect`, a fetched response).
 */
function mutable(response: Response): Response {
  try {
    response.headers.set("x-content-type-options", "nosniff");
    return response;
  } catch {
    return new Response(response.body, { status: response.status, headers: response.headers });
  }
}

/**
 * ROLE=command serves only writes, ROLE=query only reads and pages, so the
 * two sides scale apart behind a proxy that routes by method. The refusal
 * is a 421 through the one error path: JSON for the API, a page for browsers.
 */
function roleGate(req: Request, ctx: FreshContext<State>) {
  const { role } = ctx.state.services.settings;
  const isRead = req.method === "GET" || req.method === "HEAD";
  if (PROBES.has(ctx.url.pathname)) return ctx.next();
  if ((role === "command" && isRead) || (role === "query" && !isRead)) {
    throw new HttpError(
      421,
      `This server answers only ${role === "command" ? "writes" : "reads"} (ROLE=${role}).`,
      { code: "misdirected_request" },
    );
  }
  return ctx.next();
}

export const handler = [client, roleGate, csrf(), session, rateLimit, readYourWrites];
