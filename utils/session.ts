/**
 * The session cookie and signing in and out through the mediator (SignIn
 * is throttled and gives a new session id every time; SignOut deletes the
 * session server-side).
 *
 * @module
 */
import { z } from "zod";
import type { FreshContext } from "$fresh/server.ts";
import { serializeCookie } from "./cookies.ts";
import type { State } from "./state.ts";

/** Session cookie name over plain HTTP (development). */
export const SESSION_COOKIE = "agora_session";
/** Session cookie name over HTTPS: `__Host-` binds it to this host, path `/`, Secure. */
export const SECURE_SESSION_COOKIE = "__Host-agora_session";

/** The session cookie's name for this request's scheme. */
export function sessionCookieName(https: boolean): string {
  return https ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** The sign-in and sign-up forms' fields, as posted (the mediator validates them). */
export const credentialsForm = z.object({
  username: z.string().default(""),
  password: z.string().default(""),
});

/**
 * Signs in through the mediator, ends the session the request came with,
 * and returns the signed-in user and the Set-Cookie header value.
 *
 * @example
 * ```ts
 * const { cookie } = await signIn(ctx, { username, password });
 * ```
 */
export async function signIn(
  ctx: FreshContext<State>,
  credentials: { username: string; password: string },
): Promise<{ username: string; cookie: string }> {
  const { mediator } = ctx.state;
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

/** Signs out through the mediator; returns the clearing Set-Cookie. */
export async function signOut(ctx: FreshContext<State>): Promise<string> {
  if (ctx.state.sessionId) {
    await ctx.state.mediator.send(
      { type: "SignOut", sessionId: ctx.state.sessionId },
      ctx.state.ctx,
    );
  }
  return serializeCookie(sessionCookieName(ctx.state.https), "", {
    maxAge: 0,
    secure: ctx.state.https,
  });
}
