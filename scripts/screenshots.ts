/**
 * Refreshes the README's screenshots (docs/*.png): the seeded app in
 * headless Chromium, light and dark, on a 1280×800 desktop and a 390×844
 * phone. Needs what the browser tests need (PostgreSQL, the Kafka broker,
 * Debian's chromium, `deno task build`).
 *
 * ```sh
 * deno run -A scripts/screenshots.ts
 * ```
 */
import { launchBrowser, open, signUp } from "../tests/browser_utils.ts";
import { seed } from "../tests/seed.ts";
import { testServer } from "../tests/test_server.ts";

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const docs = new URL("../docs/", import.meta.url);

await using server = await testServer();
await using browser = await launchBrowser();
const { postId } = await seed(server.url);

// Signed in as the administrator, so every page (admin included) can be shown.
const login = await browser.newContext({ baseURL: server.url, viewport: DESKTOP });
await signUp(await login.newPage(), "admin");
await server.grantAdmin("admin"); // as the operator would: deno task admin grant admin
const storageState = await login.storageState();
await login.close();

const pages: [string, string][] = [
  ["feed", "/"],
  ["post", `/posts/${postId}`],
  ["history", `/posts/${postId}/history`],
  ["admin", "/admin"],
];
const shots: {
  name: string;
  viewport: typeof DESKTOP;
  scheme: "light" | "dark";
  mobile: boolean;
}[] = [
  { name: "", viewport: DESKTOP, scheme: "light", mobile: false },
  { name: "-dark", viewport: DESKTOP, scheme: "dark", mobile: false },
  { name: "-phone", viewport: PHONE, scheme: "light", mobile: true },
  { name: "-phone-dark", viewport: PHONE, scheme: "dark", mobile: true },
];
for (const shot of shots) {
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: shot.viewport,
    colorScheme: shot.scheme,
    isMobile: shot.mobile,
    hasTouch: shot.mobile,
    deviceScaleFactor: 1,
    locale: "en-US",
    timezoneId: "UTC",
    storageState,
  });
  const page = await context.newPage();
  // Phones show the two pages people use most; desktops all four.
  for (const [name, path] of shot.mobile ? pages.slice(0, 2) : pages) {
    const response = await open(page, path);
    if (!response.ok()) throw new Error(`${path}: ${response.status()}`);
    const file = new URL(`${name}${shot.name}.png`, docs);
    await page.screenshot({ path: file.pathname });
    console.log(`wrote docs/${name}${shot.name}.png`);
  }
  await context.close();
}
