/**
 * Fresh 1.7's `defineRoute`, `defineLayout` and `defineApp`: an async
 * component that receives the request and a {@link RouteContext} and returns
 * markup (or a Response), so a page can load its own data without a handler.
 *
 * @module
 */
import type { ComponentChildren } from "preact";
import type { DefaultState, FreshContext } from "./context.ts";

/** What an async route, layout or `_app` receives besides the request. */
export type RouteContext<Data = unknown, State = DefaultState> = Omit<
  FreshContext<State, Data>,
  "next" | "render"
>;

/** An async route component (also an async layout or `_app`). */
export type AsyncRoute<Data = unknown, State = DefaultState> = (
  req: Request,
  ctx: RouteContext<Data, State>,
) => Promise<ComponentChildren | Response>;

/** Whether `fn` is an `async function` (Fresh tells async route components apart this way). */
export function isAsyncComponent(fn: unknown): fn is AsyncRoute<unknown, unknown> {
  return typeof fn === "function" && fn.constructor.name === "AsyncFunction";
}

/**
 * An async route component; a synchronous function is made async.
 *
 * @example
 * ```tsx
 * export default defineRoute<State>(async (_req, ctx) => {
 *   const user = await findUser(ctx.params.name);
 *   if (!user) return ctx.renderNotFound();
 *   return <h1>{user.name}</h1>;
 * });
 * ```
 */
export function defineRoute<State = DefaultState>(
  fn: (
    req: Request,
    ctx: RouteContext<void, State>,
  ) => ComponentChildren | Response | Promise<ComponentChildren | Response>,
): AsyncRoute<void, State> {
  return async (req, ctx) => await fn(req, ctx);
}

/** An async `_layout`; see {@link defineRoute}. */
export const defineLayout: typeof defineRoute = defineRoute;

/** An async `_app`; see {@link defineRoute}. */
export const defineApp: typeof defineRoute = defineRoute;
