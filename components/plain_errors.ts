/**
 * The application's named errors in plain words for the pages: one sentence
 * per field, starting with a capital, and never an id, a field's code name
 * or a developer's wording. The JSON API keeps the precise messages.
 *
 * @module
 */
import type { AppError } from "../domain/mod.ts";

/** What a form shows: a message for the whole form, one per field. */
export type PlainError = { message: string; fields: Record<string, string> };

/** Ids that reach a form only through a stale page or a forged one. */
const IDS: Record<string, string> = {
  postId: "This post does not exist any more.",
  commentId: "This comment does not exist any more.",
};

/** Per error code, the sentence a person reads (when not a field's). */
const BY_CODE: Record<string, string> = {
  unauthenticated: "Please sign in first.",
  forbidden: "Only administrators can do this.",
  not_author: "Only the author can do this.",
  post_not_found: "This post does not exist.",
  post_removed: "This post was deleted.",
  comment_not_found: "This comment was removed.",
  invalid_credentials: "Unknown username or wrong password.",
  concurrency_conflict: "Someone changed this at the same moment. Please try again.",
  version_mismatch: "The post changed since you opened it.",
};

/**
 * `error` as a person should read it.
 *
 * @example
 * ```ts
 * plainError(new UsernameTaken("bob")).fields.username; // "“bob” is taken. Try another name."
 * ```
 */
export function plainError(error: AppError): PlainError {
  const raw = "fields" in error ? error.fields as Record<string, string> : {};
  const fields: Record<string, string> = {};
  let message = BY_CODE[error.code] ?? sentence(error.message);
  if (error.code === "username_taken" && "username" in error) {
    fields.username = `“${error.username}” is taken. Try another name.`;
  }
  for (const [field, text] of Object.entries(raw)) {
    if (field in IDS) {
      message = IDS[field];
    } else if (field === "(input)" || field === "type" || field === "intent") {
      message = "Something about this form was not right. Please reload the page and try again.";
    } else {
      fields[field] = sentence(
        text.toLowerCase().startsWith(field.toLowerCase()) ? text : `${field} ${text}`,
      );
    }
  }
  if (Object.keys(fields).length > 0 && !(Object.keys(raw).some((f) => f in IDS))) {
    message = "Please correct the field below.";
  }
  return { message, fields };
}

/**
 * The plain sentence for an API error answer (`{ error: { code, message } }`),
 * as islands show it.
 *
 * @example
 * ```ts
 * plainApiMessage("post_removed", "post 1f… was removed"); // "This post was deleted."
 * ```
 */
export function plainApiMessage(code: string | undefined, message: string): string {
  return (code && BY_CODE[code]) ?? sentence(message);
}

/** A sentence: a capital first, a full stop last. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
