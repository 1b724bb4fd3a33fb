/**
 * Fresh's configuration: read by `dev.ts` (build, and rebuild on change)
 * and by `main.ts` (serve). Tailwind CSS compiles `static/styles.css`; the
 * build goes to `_build/`.
 */
import { defineConfig } from "$fresh/server.ts";
import tailwind from "$fresh/plugins/tailwind.ts";

export default defineConfig({
  plugins: [tailwind()],
  build: { outDir: "_build" },
  staticDir: "static",
});
