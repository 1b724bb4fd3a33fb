/**
 * Reading a submitted form, and the one mapping from a rejected command to
 * the form page shown again.
 *
 * @module
 */
import type { ZodType } from "zod";
import { validate } from "../app/mediator.ts";
import { plainError } from "../components/plain_errors.ts";
import { AppError } from "../domain/mod.ts";

/** What a rejected form shows: the message, per-field messages, the user's input. */
export type FormState<V extends Record<string, string> = Record<string, string>> = {
  values: V;
  error?: { message: string; fields: Record<string, string>; code: string };
};

/**
 * The most of one field a rejected form shows again: twice the longest
 * field's limit (a post message, 2,000), so a slightly too long text is kept
 * for editing while a huge submission is never echoed back.
 */
export const MAX_ECHO_CHARS = 4000;

/**
 * The one mapping from a rejected command to a form page: a 4xx AppError
 * re-renders the page with the message next to the field (in plain words,
 * see components/plain_errors.ts) and the input kept (each value cut to
 * {@link MAX_ECHO_CHARS}, so a huge submission is never echoed back);
 * anything else goes on to the error handler (500 page).
 */
export function rejectForm<V extends Record<string, string>>(
  error: unknown,
  values: V,
): { state: FormState<V>; status: number; headers: Record<string, string> } {
  if (!(error instanceof AppError) || error.status >= 500) throw error;
  // e.g. Retry-After of a throttled sign-in
  const headers = "headers" in error ? error.headers as Record<string, string> : {};
  const { message, fields } = plainError(error);
  const kept = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, v.slice(0, MAX_ECHO_CHARS)]),
  ) as V;
  return {
    state: { values: kept, error: { message, fields, code: error.code } },
    status: error.status,
    headers,
  };
}

/**
 * Parses a submitted form with its zod schema. Every field arrives as a
 * string; a missing one as "".
 *
 * @example
 * ```ts
 * const values = await parseForm(req, z.object({ message: z.string() }));
 * ```
 */
export async function parseForm<T extends Record<string, string>>(
  req: Request,
  schema: ZodType<T>,
): Promise<T> {
  return validate(schema, await formFields(req));
}

/** A submitted form's text fields (files and an unreadable body give nothing). */
export async function formFields(req: Request): Promise<Record<string, string>> {
  const form = await req.formData().catch(() => new FormData());
  const fields: Record<string, string> = {};
  for (const [key, value] of form) if (typeof value === "string") fields[key] = value;
  return fields;
}
