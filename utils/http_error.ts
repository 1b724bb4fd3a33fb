/**
 * Refusals that belong to HTTP rather than to the domain (a wrong content
 * type, a body that is not JSON, too many requests). They join the app's
 * one error tree, so the web layer answers them like every AppError: JSON
 * for `api/`, the error page for browsers.
 *
 * @module
 */
import { AppError } from "../domain/mod.ts";

/**
 * An HTTP refusal with its status, code and the headers its answer carries.
 *
 * @example
 * ```ts
 * throw new HttpError(415, "send JSON", { code: "unsupported_media_type" });
 * ```
 */
export class HttpError extends AppError {
  readonly code: string;
  /** Headers the answer carries, e.g. `Retry-After` on a 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    message: string,
    options: { code: string; headers?: Record<string, string> },
  ) {
    super(message);
    this.code = options.code;
    this.headers = options.headers ?? {};
  }
}
