/**
 * Cross-site request forgery protection from the headers browsers set
 * themselves (`Sec-Fetch-Site`, `Origin`); no tokens to thread through forms.
 *
 * @module
 */
import type { MiddlewareHandler } from "$fresh/server.ts";
import { HttpError } from "./http_error.ts";

/** Options of {@link csrf}. */
export type CsrfOptions = {
  /**
   * Other origins allowed to send state-changing requests, e.g. the public
   * origin when a proxy hands the app another URL than the browser used.
   */
  origins?: readonly string[];
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

// The content types a cross-site page can send without a CORS preflight.
const FORM_TYPES = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);

/**
 * Refuses state-changing requests (anything but GET, HEAD, OPTIONS) with 403
 * unless they come from the app's own pages:
 *
 * 1. `Sec-Fetch-Site: cross-site` or `same-site` is refused, unless `Origin`
 *    is one of `options.origins`; `same-origin` and `none` (typed by the
 *    user) pass this check.
 * 2. An `Origin` must be the request's own origin or one of `options.origins`
 *    (`Origin: null`, from sandboxed frames and some redirects, never is).
 * 3. With neither header (no current browser sends such a POST, so it is a
 *    script, curl, an old browser or a stripping proxy), a POST passes only
 *    with a non-form content type: a cross-site page cannot send
 *    `application/json` without a CORS preflight, which this app never
 *    grants; a form body, or no content type at all, is refused. PUT, PATCH
 *    and DELETE pass: no browser sends them cross-site without a preflight.
 *
 * The refusal is an {@link HttpError} (code `cross_site_request`), so `api/`
 * paths answer JSON and pages the error page.
 *
 * @example
 * ```ts
 * // routes/_middleware.ts
 * export const handler = [csrf(), session()];
 * ```
 */
export function csrf<State = Record<string, unknown>>(
  options: CsrfOptions = {},
): MiddlewareHandler<State> {
  const trusted = new Set((options.origins ?? []).map((o) => new URL(o).origin));
  return function csrfMiddleware(req, ctx) {
    if (SAFE_METHODS.has(req.method)) return ctx.next();
    const site = req.headers.get("sec-fetch-site");
    const origin = req.headers.get("origin");
    const trustedOrigin = origin !== null && trusted.has(origin);
    if ((site === "cross-site" || site === "same-site") && !trustedOrigin) {
      throw refused(`Sec-Fetch-Site: ${site}`);
    }
    if (origin !== null && origin !== ctx.url.origin && !trustedOrigin) {
      throw refused(`Origin ${origin}`);
    }
    if (
      site === null && origin === null && req.method === "POST" &&
      isFormType(req.headers.get("content-type"))
    ) {
      throw refused("no Origin or Sec-Fetch-Site on a form request");
    }
    return ctx.next();
  };
}

function isFormType(contentType: string | null): boolean {
  if (contentType === null) return true;
  return FORM_TYPES.has(contentType.split(";", 1)[0].trim().toLowerCase());
}

function refused(reason: string): HttpError {
  const error = new HttpError(403, "This request came from another site and was refused.", {
    code: "cross_site_request",
  });
  error.cause = reason;
  return error;
}
