/**
 * `deno task dev`: builds, serves `main.ts`, and rebuilds the manifest, the
 * islands bundle and the stylesheet on every change (server code changes
 * restart the server). `deno task build` runs it with `build`: one build.
 */
import dev from "$fresh/dev.ts";
import config from "./fresh.config.ts";

await dev(import.meta.url, "./main.ts", config);
