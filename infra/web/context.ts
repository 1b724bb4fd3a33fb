/**
 * The per-request context that handlers and middlewares receive, as in
 * Fresh: the request, its URL and parameters, the state middlewares fill in,
 * and `render`, `redirect`, `next`.
 *
 * @module
 */

/** State middlewares fill in when the app declares none. */
export type DefaultState = Record<string, unknown>;

/** Status and extra headers for a rendered page. */
export type RenderInit = {
  /** Defaults to 200. */
  status?: number;
  headers?: HeadersInit;
};

/** Redirect statuses; 303 ("see other") is the one to answer a form POST with. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/**
 * What a handler or middleware gets for one request.
 *
 * @example
 * ```ts
 * const handler = {
 *   async GET(ctx: Context<{ user: User | null }, Post>) {
 *     const post = await loadPost(ctx.params.id);
 *     return ctx.render(post, { headers: { "cache-control": "no-store" } });
 *   },
 * };
 * ```
 */
export interface Context<State = DefaultState, Data = unknown> {
  readonly req: Request;
  readonly url: URL;
  /** This response's CSP nonce: every `<script>` the page renders carries it. */
  readonly nonce?: string;
  /** Decoded path parameters, e.g. `{ id: "42" }` for `/posts/:id`. */
  readonly params: Readonly<Record<string, string>>;
  /** The matched pattern, e.g. `"/posts/:id"`; `null` when nothing matched (404). */
  readonly route: string | null;
  /** Filled in by middlewares (e.g. the signed-in user); one object per request. */
  state: State;
  /** Renders the route's page with `data`, wrapped by its layouts and `_app`. */
  render(data?: Data, init?: RenderInit): Promise<Response>;
  /** A redirect; 303 by default so a POST is followed by a GET. */
  redirect(location: string, status?: RedirectStatus): Response;
  /** In a middleware: runs the next middleware, or the route itself. */
  next(): Promise<Response>;
}

/**
 * A redirect response. A location starting with several slashes would be
 * read by browsers as another host (`//evil.example`), so it is cut to one.
 */
export function redirect(location: string, status: RedirectStatus = 303): Response {
  const safe = location.replace(/^[/\\]{2,}/, "/");
  return new Response(null, { status, headers: { location: safe } });
}
