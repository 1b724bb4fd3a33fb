/**
 * The per-request context handlers, middlewares and async route components
 * receive, shaped as Fresh 1.7's `FreshContext`: the URL and parameters,
 * the state middlewares fill in, and `render`, `renderNotFound`, `next`.
 * The request itself is the handler's first argument.
 *
 * @module
 */
import type { ComponentType } from "preact";
import type { ResolvedFreshConfig } from "./config.ts";

/** State middlewares fill in when the app declares none. */
export type DefaultState = Record<string, unknown>;

/** Status and headers of a rendered page (Fresh's `RenderOptions`). */
export interface RenderOptions extends ResponseInit {}

/**
 * What a handler or middleware gets for one request, besides the request.
 *
 * @example
 * ```ts
 * export const handler: Handlers<Post, State> = {
 *   async GET(_req, ctx) {
 *     const post = await loadPost(ctx.params.id);
 *     if (!post) return ctx.renderNotFound();
 *     return ctx.render(post, { headers: { "cache-control": "no-store" } });
 *   },
 * };
 * ```
 */
export interface FreshContext<State = DefaultState, Data = unknown, NotFoundData = Data> {
  readonly url: URL;
  /** Always `""`: the app is served from the root. */
  readonly basePath: string;
  /** The matched pattern, e.g. `"/posts/:id"`; `""` when nothing matched (404). */
  readonly route: string;
  /** Decoded path parameters, e.g. `{ id: "42" }` for `/posts/:id`. */
  readonly params: Record<string, string>;
  /** The peer of the connection (`0.0.0.0:0` when the server gave none, e.g. in tests). */
  readonly remoteAddr: Deno.NetAddr;
  /** Whether the browser asked for partials only (`f-client-nav`); never, here. */
  readonly isPartial: boolean;
  readonly config: ResolvedFreshConfig;
  /** Filled in by middlewares (e.g. the signed-in user); one object per request. */
  state: State;
  /** The data of the page being rendered (set for pages, layouts and `_app`). */
  data: Data;
  /** On `_500`: the error that was thrown. */
  error?: unknown;
  /** In a layout or `_app`: the content it wraps. */
  Component: ComponentType;
  /** Renders the route's page with `data`, inside its layouts and `_app`. */
  render(data?: Data, options?: RenderOptions): Response | Promise<Response>;
  /** Renders `_404` (status 404) inside the root layouts and `_app`. */
  renderNotFound(data?: NotFoundData): Response | Promise<Response>;
  /** In a middleware: runs the next middleware, or the route itself. */
  next(): Promise<Response>;
}
