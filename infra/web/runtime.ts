/**
 * `$fresh/runtime.ts`: what routes, components and islands import at run
 * time, server and browser alike: `<Head>`, `asset()` and `IS_BROWSER`.
 *
 * @module
 */
export { Head } from "./head.ts";
export type { HeadProps } from "./head.ts";
export { asset, IS_BROWSER } from "./asset.ts";
