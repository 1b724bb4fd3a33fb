/**
 * Reading a JSON request body. Its size is bounded before any route runs
 * (the web layer's body limit, 64 KiB, chunked bodies included), so here it
 * is only decoded and checked.
 *
 * @module
 */
import type { ZodType } from "zod";
import { validate } from "../app/mediator.ts";
import { HttpError } from "./http_error.ts";

/**
 * Reads a JSON request body and checks it with its zod schema: 400 naming
 * the problem when it is not UTF-8 JSON, and ValidationFailed naming each
 * field when it does not match.
 *
 * @example
 * ```ts
 * const { message } = await parseJson(req, z.object({ message: z.string() }));
 * ```
 */
export async function parseJson<T>(req: Request, schema: ZodType<T>): Promise<T> {
  const bytes = new Uint8Array(await req.arrayBuffer());
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw invalid("the body is not valid UTF-8");
  }
  if (text.trim() === "") throw invalid("the body is empty; send a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalid(`the body is not valid JSON: ${reason}`);
  }
  return validate(schema, value);
}

function invalid(message: string): HttpError {
  return new HttpError(400, message, { code: "invalid_json" });
}
