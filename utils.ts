/**
 * What every route shares: the request state the root middleware fills in,
 * the typed `define` helpers, and the few steps every server action repeats.
 */
import type { RequestContext } from "./app/context.ts";
import type { Actor } from "./domain/mod.ts";
import { validate } from "./app/mediator.ts";
import { AppError } from "./domain/mod.ts";
import { plainError } from "./components/plain_errors.ts";
import type { System } from "./infra/system.ts";
import { type Context, createDefine, HttpError, serializeCookie } from "./infra/web/mod.ts";

/** Filled in by routes/_middleware.ts for every request. */
export type State = {
  system: System;
  /** The connection Deno.serve reports (the peer's address). */
  info?: Deno.ServeHandlerInfo;
  /** The signed-in user, or null. */
  actor: Actor | null;
  /** The session id from the cookie (to sign out). */
  sessionId: string | null;
  /** Actor + correlation id, handed to the mediator. */
  ctx: RequestContext;
  /** The read store position this response reflects (X-Projection-Position). */
  position: number;
  /** The client's address: the connection's, or a trusted proxy's X-Forwarded-For hop. */
  clientAddress: string;
  /** Served over HTTPS (PUBLIC_URL, or a trusted proxy says so): Secure, `__Host-` cookies. */
  https: boolean;
};

/** Typed route helpers, as in Fresh's `utils.ts`. */
export const define = createDefine<State>();

/** Cookie holding the position a redirect target must wait for (read-your-writes). */
export const POSITION_COOKIE = "agora_pos";
/** Session cookie name over plain HTTP (development). */
export const SESSION_COOKIE = "agora_session";
/** Session cookie name over HTTPS: `__Host-` binds it to this host, path `/`, Secure. */
export const SECURE_SESSION_COOKIE = "__Host-agora_session";

/** The session cookie's name for this request's scheme. */
export function sessionCookieName(https: boolean): string {
  return https ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/**
 * A 303 to `location` after a successful write, carrying the write's position
 * in a short-lived cookie so the next page waits until it is projected.
 *
 * @example
 * ```ts
 * return seeOther(ctx, `/posts/${postId}`, position);
 * ```
 */
export function seeOther(ctx: Context<State>, location: string, position: number): Response {
  const response = ctx.redirect(location, 303);
  if (position > 0) {
    response.headers.append(
      "set-cookie",
      `${POSITION_COOKIE}=${position}; Path=/; Max-Age=30; HttpOnly; SameSite=Lax${
        ctx.state.https ? "; Secure" : ""
      }`,
    );
  }
  return response;
}

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
 * const values = await parseForm(ctx.req, z.object({ message: z.string() }));
 * ```
 */
export async function parseForm<T extends Record<string, string>>(
  req: Request,
  schema: import("zod").ZodType<T>,
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

/**
 * Signs in through the mediator (SignIn: throttled, a new session id every
 * time), ends the session the request came with, and returns the signed-in
 * user and the Set-Cookie header value.
 *
 * @example
 * ```ts
 * const { cookie } = await signIn(ctx, { username, password });
 * ```
 */
export async function signIn(
  ctx: Context<State>,
  credentials: { username: string; password: string },
): Promise<{ username: string; cookie: string }> {
  const { mediator } = ctx.state.system;
  const started = await mediator.send({ type: "SignIn", ...credentials }, ctx.state.ctx);
  if (ctx.state.sessionId) {
    await mediator.send({ type: "SignOut", sessionId: ctx.state.sessionId }, ctx.state.ctx);
  }
  const cookie = serializeCookie(sessionCookieName(ctx.state.https), started.sessionId, {
    maxAge: Math.floor((started.expiresAt.getTime() - Date.now()) / 1000),
    secure: ctx.state.https,
  });
  return { username: started.username, cookie };
}

/** Signs out through the mediator (the session is deleted server-side); returns the clearing Set-Cookie. */
export async function signOut(ctx: Context<State>): Promise<string> {
  if (ctx.state.sessionId) {
    await ctx.state.system.mediator.send(
      { type: "SignOut", sessionId: ctx.state.sessionId },
      ctx.state.ctx,
    );
  }
  return serializeCookie(sessionCookieName(ctx.state.https), "", {
    maxAge: 0,
    secure: ctx.state.https,
  });
}

/** The largest JSON body the API reads (64 KiB); a larger one is answered 413. */
export const MAX_JSON_BYTES = 64 * 1024;

/**
 * Reads a JSON request body and checks it with its zod schema: 413 when it
 * is over {@link MAX_JSON_BYTES} (by `Content-Length` and by what actually
 * arrives), 400 naming the problem when it is not JSON, and ValidationFailed
 * naming each field when it does not match.
 *
 * @example
 * ```ts
 * const { message } = await parseJson(ctx.req, z.object({ message: z.string() }));
 * ```
 */
export async function parseJson<T>(req: Request, schema: import("zod").ZodType<T>): Promise<T> {
  const bytes = await readBody(req, MAX_JSON_BYTES);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, "the body is not valid UTF-8", { code: "invalid_json" });
  }
  if (text.trim() === "") {
    throw new HttpError(400, "the body is empty; send a JSON object", { code: "invalid_json" });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(400, `the body is not valid JSON: ${reason}`, { code: "invalid_json" });
  }
  return validate(schema, value);
}

/** The body's bytes, refusing (413) as soon as more than `maxBytes` are announced or arrive. */
async function readBody(req: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new HttpError(413, `the body is larger than ${maxBytes} bytes`, { code: "payload_too_large" });
  if (Number(req.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
