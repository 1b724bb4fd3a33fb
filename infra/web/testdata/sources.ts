import type { ManifestSources } from "../build/mod.ts";

/** The fixture folders, fed to the same generator as the app's. */
export const fixtureSources: ManifestSources = {
  routesDir: new URL("./routes/", import.meta.url),
  islandsDir: new URL("./islands/", import.meta.url),
  outFile: new URL("./fresh.gen.ts", import.meta.url),
};
