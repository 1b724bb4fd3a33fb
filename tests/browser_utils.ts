/**
 * Helpers for the browser tests (tests/browser_test.ts): Debian's Chromium
 * driven by playwright-core, and the few steps every test repeats (sign up,
 * post, submit a form and get the page it lands on).
 *
 * Only loopback traffic: the browser is started with every background
 * network feature off, and the pages only ever talk to the test server.
 */
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Response,
} from "playwright-core";
import { POSITION_COOKIE, positionsInCookie } from "../utils/position_cookie.ts";

/** Debian's Chromium (the CI installs it with apt; never a downloaded browser). */
export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** How long any single wait in the browser tests may take. */
export const WAIT_MS = 10_000;

/** The viewport of every page, and so of the screenshots in docs/. */
export const VIEWPORT = { width: 1000, height: 800 };

/** A password every test user shares (8 characters or more). */
export const PASSWORD = "correct-horse-battery";

/**
 * Starts headless Chromium; dispose it to close the browser (and every
 * context still open).
 *
 * @example
 * ```ts
 * await using browser = await launchBrowser();
 * const context = await browser.newContext();
 * ```
 */
export async function launchBrowser(): Promise<Browser & AsyncDisposable> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

/**
 * A fresh browser context (own cookies) against `baseURL`, with the default
 * viewport and wait time; dispose it to close it.
 */
export async function newContext(
  browser: Browser,
  baseURL: string,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<BrowserContext & AsyncDisposable> {
  const context = await browser.newContext({
    baseURL,
    viewport: VIEWPORT,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    locale: "en-US",
    timezoneId: "UTC",
  });
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  // A page may ask "are you sure?" before deleting: the tests always are.
  context.on("page", (page) => page.on("dialog", (dialog) => dialog.accept()));
  return Object.assign(context, { [Symbol.asyncDispose]: () => context.close() });
}

/** A username no other test uses: `prefix_` and 8 hex digits (3..30 of [a-z0-9_]). */
export function uniqueName(prefix: string): string {
  return `${prefix.toLowerCase().slice(0, 20)}_${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Clicks `target` (a submit button or a link) and waits for the navigation
 * it starts to commit; returns the response of the page it lands on (after
 * any redirect), so a test can check its status and what the server sent.
 */
export async function navigateBy(page: Page, target: Locator): Promise<Response> {
  // waitForNavigation (unlike waitForURL) also sees a form that redirects back
  // to the URL it was posted from, e.g. every action of the post page.
  const [response] = await Promise.all([page.waitForNavigation(), target.click()]);
  if (!response) throw new Error("the click did not load a page");
  return response;
}

/** Goes to `path` and returns the response (never null for an http page). */
export async function open(page: Page, path: string): Promise<Response> {
  const response = await page.goto(path);
  if (!response) throw new Error(`no response for ${path}`);
  return response;
}

/** The button that submits the form carrying `<input name="intent" value=intent>`. */
export function intentButton(scope: Page | Locator, intent: string): Locator {
  return scope.locator(`form:has(input[name="intent"][value="${intent}"]) [type="submit"]`);
}

/** Signs up through the /signup form; the browser is then signed in on the feed. */
export async function signUp(page: Page, username: string, password = PASSWORD): Promise<void> {
  await open(page, "/signup");
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  const response = await navigateBy(page, page.getByRole("button", { name: "Sign up" }));
  assertStatus(response, 200, "the page after signing up");
  if (new URL(page.url()).pathname !== "/") {
    throw new Error(`signing up as ${username} landed on ${page.url()}`);
  }
  await page.locator(`header a[href="/u/${username}"]`).waitFor();
}

/**
 * Posts `message` with the /posts/new form; returns the new post's id and the
 * response of the post page the form redirected to.
 */
export async function createPost(
  page: Page,
  message: string,
): Promise<{ postId: string; response: Response }> {
  await open(page, "/posts/new");
  await page.locator('textarea[name="message"]').fill(message);
  const response = await navigateBy(page, page.getByRole("button", { name: "Post", exact: true }));
  assertStatus(response, 200, "the page after posting");
  return { postId: postIdOf(page.url()), response };
}

/** The post id in a /posts/:id URL. */
export function postIdOf(url: string): string {
  const match = new URL(url).pathname.match(/^\/posts\/([0-9a-f-]{36})$/);
  if (!match) throw new Error(`not a post page: ${url}`);
  return match[1];
}

/** Throws a readable error when `response` is not `status`. */
export function assertStatus(response: Response, status: number, what: string): void {
  if (response.status() !== status) {
    throw new Error(
      `${what}: expected status ${status}, got ${response.status()} (${response.url()})`,
    );
  }
}

/** The event types of the post's history page, oldest first. */
export async function historyTypes(page: Page, postId: string): Promise<string[]> {
  const response = await open(page, `/posts/${postId}/history`);
  assertStatus(response, 200, "the history page");
  return await page.locator("[data-timeline] [data-event-type]").evaluateAll((items) =>
    items.map((item) => item.getAttribute("data-event-type") ?? "")
  );
}

/**
 * Counts the main frame's committed navigations of `page` from now on (a
 * redirect chain is one), to prove a page needed no reload.
 */
export function countNavigations(page: Page): { readonly count: number } {
  const counter = { count: 0 };
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) counter.count++;
  });
  return counter;
}

/**
 * The read-your-writes position of the write whose 303 led to `landed` (the
 * newest in its `agora_pos` cookie, "38.41"); 0 when none.
 */
export async function positionOfRedirect(landed: Response): Promise<number> {
  const redirect = await landed.request().redirectedFrom()?.response();
  if (!redirect) return 0;
  const cookies = await redirect.headerValues("set-cookie");
  for (const line of cookies.flatMap((value) => value.split("\n"))) {
    const match = line.match(new RegExp(`^\\s*${POSITION_COOKIE}=([\\d.]+)`));
    if (match) return Math.max(...positionsInCookie(match[1]));
  }
  return 0;
}
