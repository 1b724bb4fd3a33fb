/**
 * Errors as HTTP answers. Any thrown value with a numeric `status` (the
 * app's AppError tree, {@link HttpError}, Hono's HTTPException) is read the
 * same way; anything else is a 500.
 *
 * @module
 */

/**
 * An error the framework itself raises (404, 405, a refused cross-site
 * request), shaped like the app's AppError: `code`, `status`, `message`.
 *
 * @example
 * ```ts
 * throw new HttpError(404, "no such page");
 * ```
 */
export class HttpError extends Error {
  /** Stable machine-readable code, e.g. `"not_found"`. */
  readonly code: string;
  /** Headers the answer carries, e.g. `Allow` on a 405. */
  readonly headers: Readonly<Record<string, string>>;
  /** A 5xx whose message was written for the user (e.g. "try again shortly") and is shown. */
  readonly expose: boolean;

  constructor(
    readonly status: number,
    message?: string,
    options: {
      code?: string;
      headers?: Record<string, string>;
      cause?: unknown;
      expose?: boolean;
    } = {},
  ) {
    super(message ?? defaultMessage(status), { cause: options.cause });
    this.name = "HttpError";
    this.code = options.code ?? defaultCode(status);
    this.headers = options.headers ?? {};
    this.expose = options.expose ?? status < 500;
  }
}

/** What an error answer says, in JSON for `api/` and as the error page's `data`. */
export type ErrorBody = {
  code: string;
  message: string;
  /** Per-field messages of a validation error, when there are any. */
  fields?: Record<string, string>;
};

/** The HTTP status of a thrown value: its `status` when that is 400–599, else 500. */
export function errorStatus(error: unknown): number {
  const status = field(error, "status");
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : 500;
}

/**
 * The public face of an error. A 5xx shows its message only when it says
 * `expose: true` (others may hold SQL, paths or secrets); a 4xx is written
 * for the user and is shown.
 */
export function errorBody(error: unknown, status: number = errorStatus(error)): ErrorBody {
  if (status >= 500 && field(error, "expose") !== true) {
    return { code: "internal_error", message: defaultMessage(status) };
  }
  const code = field(error, "code");
  const message = field(error, "message");
  const fields = field(error, "fields");
  const body: ErrorBody = {
    code: typeof code === "string" ? code : defaultCode(status),
    message: typeof message === "string" && message !== "" ? message : defaultMessage(status),
  };
  if (isStringRecord(fields) && Object.keys(fields).length > 0) body.fields = fields;
  return body;
}

/** Headers an error asks its answer to carry (see {@link HttpError}). */
export function errorHeaders(error: unknown): Record<string, string> {
  const headers = field(error, "headers");
  return isStringRecord(headers) ? headers : {};
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string");
}

const CODES: Readonly<Record<number, string>> = {
  400: "bad_request",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  429: "too_many_requests",
};

function defaultCode(status: number): string {
  return CODES[status] ?? (status >= 500 ? "internal_error" : "error");
}

const MESSAGES: Readonly<Record<number, string>> = {
  400: "The request is not valid.",
  401: "Please sign in first.",
  403: "You may not do this.",
  404: "This page does not exist.",
  405: "This method is not allowed here.",
  429: "Too many requests; please wait a moment.",
};

function defaultMessage(status: number): string {
  return MESSAGES[status] ?? (status >= 500 ? "Something went wrong on our side." : "Error.");
}
