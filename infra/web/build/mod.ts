/**
 * The build side of the web layer, used by `dev.ts` (`$fresh/dev.ts`) and by tests:
 * the manifest writer, the islands bundle, the stylesheet, and `build`,
 * which runs them all. Nothing here is imported at run time.
 *
 * @module
 */
export { build } from "./build.ts";
export type { BuildAssets, BuildResult, BuildSteps } from "./build.ts";
export { generateManifest, islandName, writeManifest } from "./manifest_writer.ts";
export type { ManifestSources } from "./manifest_writer.ts";
export { bundleIslands } from "./bundle_islands.ts";
export type { Bundle, BundleOptions } from "./bundle_islands.ts";
export { buildStyles } from "./build_styles.ts";
export type { Stylesheet, StylesOptions } from "./build_styles.ts";
