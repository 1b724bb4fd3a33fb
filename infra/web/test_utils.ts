/**
 * Shared helpers of the web tests: the fixture app (testdata/), requests
 * against it, and a logger that records instead of printing.
 *
 * @module
 */
import { type AppOptions, createApp, type ErrorLogger, type WebApp } from "./mod.ts";
import manifest from "./testdata/fresh.gen.ts";
import { FixtureError, type State } from "./testdata/utils.ts";

/** The origin fixture requests are sent to. */
export const ORIGIN = "http://agora.test";

/** Assets the fixture app links (no build needed). */
export const FIXTURE_ASSETS = {
  files: { "/styles.css": "/_build/static/styles-test.css" },
  islands: "/_build/static/islands-test.js",
};

/** A logger keeping what it was asked to log. */
export function recordingLogger(): ErrorLogger & { entries: { message: string; text: string }[] } {
  const entries: { message: string; text: string }[] = [];
  return {
    entries,
    error(message, fields) {
      entries.push({ message, text: JSON.stringify(fields ?? {}) });
    },
  };
}

/**
 * The app of testdata/routes and testdata/islands. Its `onError` renders
 * the new-post form again on a validation error, as an app's would.
 */
export function fixtureApp(
  options: Partial<AppOptions<State>> = {},
): WebApp & { logged: ReturnType<typeof recordingLogger>["entries"] } {
  const logger = recordingLogger();
  const app = createApp<State>({
    manifest,
    logger,
    assets: FIXTURE_ASSETS,
    onError(error, _req, ctx) {
      if (error instanceof FixtureError && error.status === 400 && ctx.route === "/posts/new") {
        return ctx.render({ errors: error.fields, title: "" }, { status: 400 });
      }
    },
    ...options,
  });
  return { fetch: app.fetch, logged: logger.entries };
}

/** A request to the fixture origin. */
export function request(path: string, init?: RequestInit): Request {
  return new Request(ORIGIN + path, init);
}

/** A same-origin form POST, as a browser sends it. */
export function formPost(path: string, fields: Record<string, string>): Request {
  return request(path, {
    method: "POST",
    body: new URLSearchParams(fields),
    headers: { origin: ORIGIN, "sec-fetch-site": "same-origin" },
  });
}

/** The response's body, and the response. */
export async function fetchText(
  app: WebApp,
  req: Request,
): Promise<{ res: Response; body: string }> {
  const res = await app.fetch(req);
  return { res, body: await res.text() };
}

/** Fails, showing the text, unless `text` contains `part`. */
export function assertIncludes(text: string, part: string): void {
  if (!text.includes(part)) {
    throw new Error(`expected to find ${JSON.stringify(part)} in:\n${text}`);
  }
}
