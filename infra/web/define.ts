/**
 * Fresh-style `define` helpers. They return what they are given; they exist
 * so that handlers, pages, layouts and middlewares are typed from one
 * declaration of the app's `State`, and a page from its handler's data.
 *
 * @module
 */
import type { ComponentType } from "preact";
import type { DefaultState } from "./context.ts";
import type { Handler, Middleware } from "./handlers.ts";
import type { LayoutProps, PageProps } from "./render.tsx";

/** The `Data` a handler renders its page with. */
export type HandlerData<H> = [H] extends [Handler<infer Data, infer _State>] ? Data : unknown;

/** The typing helpers {@link createDefine} returns for one `State`. */
export type Define<State> = {
  /** A route's handler (one function, or one per method) rendering `Data`. */
  handlers<Data = unknown>(handlers: Handler<Data, State>): Handler<Data, State>;
  /** A page; `define.page<typeof handler>` types `data` from the handler. */
  page<H = unknown>(
    page: ComponentType<PageProps<HandlerData<H>, State>>,
  ): ComponentType<PageProps<HandlerData<H>, State>>;
  /** A `_layout` or `_app`. */
  layout(layout: ComponentType<LayoutProps<State>>): ComponentType<LayoutProps<State>>;
  /** A `_middleware`'s handler, or one of its array. */
  middleware(middleware: Middleware<State>): Middleware<State>;
};

/**
 * The `define` helpers for the app's state, made once in the app:
 *
 * @example
 * ```tsx
 * // utils.ts
 * export type State = { user: User | null };
 * export const define = createDefine<State>();
 *
 * // routes/posts/[id].tsx
 * export const handler = define.handlers<Post>({
 *   async GET(ctx) {
 *     return ctx.render(await loadPost(ctx.params.id));
 *   },
 * });
 * export default define.page<typeof handler>(({ data, state }) => (
 *   <h1>{data.title}{state.user ? "" : " (sign in to like)"}</h1>
 * ));
 * ```
 */
export function createDefine<State = DefaultState>(): Define<State> {
  return {
    handlers: (handlers) => handlers,
    page: (page) => page,
    layout: (layout) => layout,
    middleware: (middleware) => middleware,
  };
}
