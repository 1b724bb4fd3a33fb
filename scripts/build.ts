/**
 * `deno task build`: writes manifest.gen.ts (commit it) and the browser
 * assets in _build/ (generated, ignored by git): the islands bundle and the
 * Tailwind stylesheet, content-hashed, named in _build/assets.json.
 */
import { build } from "../infra/web/build/mod.ts";

const result = await build({ root: new URL("../", import.meta.url) });
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`manifest.gen.ts: ${result.manifestChanged ? "written" : "unchanged"}`);
console.log(
  result.islands
    ? `islands: _build/static/${result.islands.file} (${kb(result.islands.bytes)}; ${
      result.islands.names.join(", ")
    })`
    : "islands: none",
);
console.log(
  result.styles
    ? `styles: _build/static/${result.styles.file} (${kb(result.styles.bytes)})`
    : "styles: none",
);
console.log(`build: ${result.ms} ms`);
