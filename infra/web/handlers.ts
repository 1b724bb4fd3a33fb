/**
 * Route handlers and middlewares: their types, and how one request runs
 * through a middleware chain into a route's handler.
 *
 * @module
 */
import type { Context, DefaultState } from "./context.ts";
import { HttpError } from "./http_error.ts";

/** The methods a route's handler object may answer. */
export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** One of {@link METHODS}. */
export type Method = typeof METHODS[number];

/**
 * A function answering a request: returns a Response, usually
 * `ctx.render(data)` or `ctx.redirect(location)`.
 *
 * @example
 * ```ts
 * const health: HandlerFn = () => Response.json({ ok: true });
 * ```
 */
export type HandlerFn<Data = unknown, State = DefaultState> = (
  ctx: Context<State, Data>,
) => Response | Promise<Response>;

/**
 * A route's handler object, one function per method.
 *
 * @example
 * ```ts
 * const handler: Handlers<{ posts: Post[] }> = {
 *   async GET(ctx) {
 *     return ctx.render({ posts: await listPosts() });
 *   },
 * };
 * ```
 */
export type Handlers<Data = unknown, State = DefaultState> = {
  [M in Method]?: HandlerFn<Data, State>;
};

/** What a route module's `handler` export may be: one function, or one per method. */
export type Handler<Data = unknown, State = DefaultState> =
  | HandlerFn<Data, State>
  | Handlers<Data, State>;

/**
 * A middleware: does its part, then `return ctx.next()` (or answers itself).
 *
 * @example
 * ```ts
 * const timing: Middleware = async (ctx) => {
 *   const started = performance.now();
 *   const res = await ctx.next();
 *   res.headers.set("server-timing", `app;dur=${performance.now() - started}`);
 *   return res;
 * };
 * ```
 */
export type Middleware<State = DefaultState> = (
  ctx: Context<State>,
) => Response | Promise<Response>;

/**
 * Runs `chain` outermost first, then `last`. The one context travels the
 * whole chain, so `state` written by one middleware is seen by the next.
 */
export function runChain<State>(
  ctx: Context<State>,
  options: { chain: readonly Middleware<State>[]; last: () => Promise<Response> },
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
    return await chain[i](ctx);
  };
  return step(0);
}

/**
 * Answers a request with a route's handler. Without a handler for the
 * method, a page answers GET (and HEAD); anything else is 405 with `Allow`.
 */
export async function runHandler<State>(
  route: { handler?: Handler<unknown, State>; hasPage: boolean },
  ctx: Context<State>,
): Promise<Response> {
  const { handler, hasPage } = route;
  if (typeof handler === "function") return await handler(ctx);
  const method = ctx.req.method === "HEAD" ? "GET" : ctx.req.method;
  const fn = handler?.[method as Method];
  if (fn) return await fn(ctx);
  if (method === "GET" && hasPage) return await ctx.render();
  const allowed: string[] = METHODS.filter((m) => handler?.[m] || (m === "GET" && hasPage));
  if (allowed.includes("GET")) allowed.splice(1, 0, "HEAD");
  throw new HttpError(405, `${ctx.req.method} is not allowed here`, {
    headers: { allow: allowed.join(", ") },
  });
}
