/**
 * Route handlers and middlewares, typed as in Fresh 1.7 (`(req, ctx)`),
 * and how one request runs through a middleware chain into a route.
 *
 * @module
 */
import type { DefaultState, FreshContext } from "./context.ts";
import { HttpError } from "./http_error.ts";

/** The methods a route's handler object may answer. */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** One of {@link METHODS}. */
export type KnownMethod = typeof METHODS[number];

/**
 * A function answering a request: returns a Response, usually
 * `ctx.render(data)` or a redirect.
 *
 * @example
 * ```ts
 * const health: Handler = () => Response.json({ ok: true });
 * ```
 */
export type Handler<Data = unknown, State = DefaultState> = (
  req: Request,
  ctx: FreshContext<State, Data>,
) => Response | Promise<Response>;

/**
 * A route's handler object, one function per method.
 *
 * @example
 * ```ts
 * export const handler: Handlers<{ posts: Post[] }, State> = {
 *   async GET(_req, ctx) {
 *     return ctx.render({ posts: await listPosts() });
 *   },
 * };
 * ```
 */
export type Handlers<Data = unknown, State = DefaultState> = {
  [M in KnownMethod]?: Handler<Data, State>;
};

/**
 * A middleware: does its part, then `return ctx.next()` (or answers itself).
 *
 * @example
 * ```ts
 * export async function handler(_req: Request, ctx: FreshContext) {
 *   const started = performance.now();
 *   const res = await ctx.next();
 *   res.headers.set("server-timing", `app;dur=${performance.now() - started}`);
 *   return res;
 * }
 * ```
 */
export type MiddlewareHandler<State = DefaultState> = (
  req: Request,
  ctx: FreshContext<State>,
) => Response | Promise<Response>;

/**
 * Runs `chain` outermost first, then `last`. The one context travels the
 * whole chain, so `state` written by one middleware is seen by the next.
 */
export function runChain<State>(
  req: Request,
  ctx: FreshContext<State>,
  options: { chain: readonly MiddlewareHandler<State>[]; last: () => Promise<Response> },
): Promise<Response> {
  const { chain, last } = options;
  const step = async (i: number): Promise<Response> => {
    if (i === chain.length) return await last();
    let called = false;
    ctx.next = () => {
      if (called) throw new Error("ctx.next() called twice in one middleware");
      called = true;
      return step(i + 1);
    };
    return await chain[i](req, ctx);
  };
  return step(0);
}

/**
 * Answers a request with a route's handler. Without a handler for the
 * method, a page answers GET (and HEAD); anything else is 405 with `Allow`.
 */
export async function runHandler<State>(
  route: { handler?: Handler<unknown, State> | Handlers<unknown, State>; hasPage: boolean },
  req: Request,
  ctx: FreshContext<State>,
): Promise<Response> {
  const { handler, hasPage } = route;
  if (typeof handler === "function") return await handler(req, ctx);
  const fn = handler?.[req.method as KnownMethod] ??
    (req.method === "HEAD" ? handler?.GET : undefined);
  if (fn) return await fn(req, ctx);
  if ((req.method === "GET" || req.method === "HEAD") && hasPage) return await ctx.render();
  const allowed: string[] = METHODS.filter((m) => handler?.[m] || (m === "GET" && hasPage));
  if (allowed.includes("GET") && !allowed.includes("HEAD")) allowed.splice(1, 0, "HEAD");
  throw new HttpError(405, `${req.method} is not allowed here`, {
    headers: { allow: allowed.join(", ") },
  });
}
