import { requestContext } from "../app/context.ts";
import { csrf, getCookies } from "../infra/web/mod.ts";
import { define, POSITION_COOKIE, SESSION_COOKIE } from "../utils.ts";

/** Health, readiness and metrics: every role serves them, without a session. */
const PROBES = new Set(["/health", "/ready", "/metrics"]);

/** Read-your-writes waits at most this long before answering with what it has. */
const MAX_WAIT_MS = 5000;

/** Who is signed in: from the session cookie, checked against the session store. */
const session = define.middleware(async function session(ctx) {
  const { system } = ctx.state;
  // Probes answer without the database's help (they report on it).
  if (PROBES.has(ctx.url.pathname)) {
    ctx.state.actor = null;
    ctx.state.sessionId = null;
    ctx.state.ctx = requestContext();
    ctx.state.position = 0;
    return await ctx.next();
  }
  const sessionId = getCookies(ctx.req)[SESSION_COOKIE] ?? null;
  const found = sessionId ? await system.sessions.find(sessionId) : null;
  ctx.state.sessionId = found ? sessionId : null;
  ctx.state.actor = found
    ? { userId: found.userId, username: found.username, isAdmin: system.admins.has(found.username) }
    : null;
  const correlationId = ctx.req.headers.get("x-correlation-id")?.slice(0, 100) ??
    crypto.randomUUID();
  ctx.state.ctx = requestContext({ actor: ctx.state.actor, correlationId });
  return await ctx.next();
});

/**
 * Read-your-writes: a read waits (bounded) until the projector has applied
 * the position of the reader's last write: from the redirect's cookie, or
 * from `X-Min-Position` for API clients. Every response says which position
 * it reflects.
 */
const readYourWrites = define.middleware(async function readYourWrites(ctx) {
  const { readStore } = ctx.state.system;
  if (PROBES.has(ctx.url.pathname)) return await ctx.next();
  const isRead = ctx.req.method === "GET" || ctx.req.method === "HEAD";
  const fromCookie = Number(getCookies(ctx.req)[POSITION_COOKIE] ?? 0);
  const fromHeader = Number(ctx.req.headers.get("x-min-position") ?? 0);
  const wanted = Math.max(
    Number.isSafeInteger(fromCookie) ? fromCookie : 0,
    Number.isSafeInteger(fromHeader) ? fromHeader : 0,
  );
  if (isRead && wanted > 0) await readStore.waitForPosition(wanted, MAX_WAIT_MS);
  ctx.state.position = await readStore.appliedPosition();
  const response = await ctx.next();
  const headers = new Headers(response.headers);
  headers.set("x-projection-position", String(ctx.state.position));
  headers.set("x-correlation-id", ctx.state.ctx.correlationId);
  if (isRead && fromCookie > 0) {
    headers.append("set-cookie", `${POSITION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
  }
  securityHeaders(headers);
  return new Response(response.body, { status: response.status, headers });
});

/**
 * ROLE=command serves only writes, ROLE=query only reads and pages, so the
 * two sides scale apart behind a proxy that routes by method.
 */
const roleGate = define.middleware(function roleGate(ctx) {
  const role = ctx.state.system.config.ROLE;
  const isRead = ctx.req.method === "GET" || ctx.req.method === "HEAD";
  if (PROBES.has(ctx.url.pathname)) return ctx.next();
  if ((role === "command" && isRead) || (role === "query" && !isRead)) {
    return Promise.resolve(
      new Response(
        `this process serves ${role === "command" ? "writes" : "reads"} only (ROLE=${role})`,
        {
          status: 421,
        },
      ),
    );
  }
  return ctx.next();
});

function securityHeaders(headers: Headers): void {
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "same-origin");
  headers.set("x-frame-options", "DENY");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
}

export const handler = [roleGate, csrf(), session, readYourWrites];
