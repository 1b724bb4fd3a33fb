/**
 * The one place errors become responses: `api/` paths answer JSON, pages
 * go to the app's `onError` hook and then to `_404`/`_500`; only 5xx are
 * logged, and a 5xx never shows its message.
 *
 * @module
 */
import type { FreshContext } from "./context.ts";
import { errorBody, errorHeaders, errorStatus } from "./http_error.ts";
import type { ErrorPageData } from "./render.tsx";

/** Where 5xx errors are logged; the app's `Logger` (app/log.ts) fits. */
export type ErrorLogger = {
  error(message: string, fields?: Record<string, unknown>): void;
};

/**
 * Turns an error on a page into a response, e.g. a form page rendering
 * itself again with the messages of a validation error. Return `undefined`
 * to let the framework answer with the 404 or 500 page.
 *
 * @example
 * ```ts
 * const onError: OnError<State> = (error, req, ctx) => {
 *   if (error instanceof ValidationFailed && req.method === "POST") {
 *     return ctx.render({ errors: error.fields }, { status: 400 });
 *   }
 * };
 * ```
 */
export type OnError<State> = (
  error: unknown,
  req: Request,
  ctx: FreshContext<State>,
) => Response | undefined | Promise<Response | undefined>;

/** Answers any thrown value for the request of `ctx`. */
export type ErrorHandler<State> = (
  error: unknown,
  req: Request,
  ctx: FreshContext<State>,
) => Promise<Response>;

/** Builds the app's error handler; `errorPage` renders `_404`/`_500` (`undefined` when absent). */
export function errorHandler<State>(options: {
  logger: ErrorLogger;
  onError?: OnError<State>;
  mapError?: (error: unknown) => unknown;
  isApi: (url: URL) => boolean;
  errorPage: (
    ctx: FreshContext<State>,
    page: { data: ErrorPageData; headers: Record<string, string>; error: unknown },
  ) => Promise<Response> | undefined;
}): ErrorHandler<State> {
  const { logger, onError, isApi, errorPage } = options;
  const mapError = options.mapError ?? ((error: unknown) => error);
  return async function answerError(raw, req, ctx) {
    const error = mapError(raw);
    const status = errorStatus(error);
    if (status >= 500) {
      logger.error("web: request failed", { ...where(req), status, error: describe(error) });
    }
    const headers = errorHeaders(error);
    const body = errorBody(error, status);
    if (isApi(ctx.url)) return Response.json({ error: body }, { status, headers });
    try {
      const answered = (await onError?.(error, req, ctx)) ??
        await errorPage(ctx, { data: { status, ...body }, headers, error });
      if (answered) return answered;
    } catch (failure) {
      logger.error("web: the error page failed", { ...where(req), error: describe(failure) });
    }
    return new Response(`${status} ${body.message}`, {
      status,
      headers: { ...headers, "content-type": "text/plain; charset=utf-8" },
    });
  };
}

function where(req: Request) {
  return { method: req.method, path: new URL(req.url).pathname };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.stack ?? error.message : String(error);
}
