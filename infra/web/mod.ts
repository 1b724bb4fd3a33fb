/**
 * The project's small Fresh-like web layer on Hono and Preact: file routes
 * from a generated manifest, layouts and middlewares by folder, server
 * rendering with islands hydrated in the browser, CSRF protection and one
 * error handler. The build side (manifest, bundle, CSS) is `./build/mod.ts`.
 *
 * @example
 * ```ts
 * import manifest from "../../manifest.gen.ts";
 * import { createApp } from "./mod.ts";
 *
 * Deno.serve(createApp({ manifest }).fetch);
 * ```
 *
 * @module
 */
export { BUILD_CACHE, createApp, STATIC_CACHE } from "./app.ts";
export type { AppOptions, WebApp } from "./app.ts";
export { Assets } from "./Assets.tsx";
export type { AssetUrls } from "./Assets.tsx";
export type { Context, DefaultState, RedirectStatus, RenderInit } from "./context.ts";
export { getCookies, serializeCookie } from "./cookies.ts";
export type { CookieOptions } from "./cookies.ts";
export { csrf } from "./csrf.ts";
export type { CsrfOptions } from "./csrf.ts";
export { createDefine } from "./define.ts";
export type { Define, HandlerData } from "./define.ts";
export type { ErrorLogger, OnError } from "./error_handler.ts";
export { METHODS } from "./handlers.ts";
export type { Handler, HandlerFn, Handlers, Method, Middleware } from "./handlers.ts";
export { HttpError } from "./http_error.ts";
export type { ErrorBody } from "./http_error.ts";
export type { Manifest, ManifestIsland, ManifestRoute, ModuleExports } from "./manifest.ts";
export type { AppProps, ErrorPageData, ErrorPageProps, LayoutProps, PageProps } from "./render.tsx";
export type { RouteKind } from "./route_pattern.ts";
