/**
 * `$fresh/server.ts`: the project's web layer on Hono and Preact, with
 * Fresh 1.7's API: file routes from the generated `fresh.gen.ts`, handlers
 * `(req, ctx)`, `ctx.render` / `ctx.renderNotFound`, async route
 * components, layouts and middlewares by folder, islands hydrated in the
 * browser, `fresh.config.ts` with plugins, and one error handler. The build
 * and watch side is `$fresh/dev.ts`; `<Head>` and `asset()` are in
 * `$fresh/runtime.ts`.
 *
 * @example
 * ```ts
 * import manifest from "./fresh.gen.ts";
 * import config from "./fresh.config.ts";
 * import { start } from "$fresh/server.ts";
 *
 * await start(manifest, config);
 * ```
 *
 * @module
 */
export { BUILD_CACHE, createApp, createHandler, start, STATIC_CACHE } from "./app.ts";
export type { AppOptions, WebApp } from "./app.ts";
export { defineConfig } from "./config.ts";
export type { FreshConfig, Plugin, ResolvedFreshConfig } from "./config.ts";
export type { DefaultState, FreshContext, RenderOptions } from "./context.ts";
export { defineApp, defineLayout, defineRoute } from "./defines.ts";
export type { AsyncRoute, RouteContext } from "./defines.ts";
export type { ErrorLogger, OnError } from "./error_handler.ts";
export { METHODS } from "./handlers.ts";
export type { Handler, Handlers, KnownMethod, MiddlewareHandler } from "./handlers.ts";
export { HttpError } from "./http_error.ts";
export type { ErrorBody } from "./http_error.ts";
export type { Manifest, ModuleExports } from "./manifest.ts";
export type {
  AppProps,
  ErrorPageData,
  ErrorPageProps,
  LayoutProps,
  PageProps,
  RenderAssets,
} from "./render.tsx";
export type { RouteKind } from "./route_pattern.ts";
