/**
 * Regenerates the fixture manifest after changing testdata/routes or
 * testdata/islands: `deno run -A infra/web/testdata/generate.ts`.
 */
import { writeManifest } from "../build/mod.ts";
import { fixtureSources } from "./sources.ts";

await writeManifest(fixtureSources);
