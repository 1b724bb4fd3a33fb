/**
 * Read-your-writes in the browser: after a write, the position of its last
 * event travels in a short-lived cookie, and the next page waits (bounded)
 * until the projector has applied it. This file is the one place that
 * cookie is read and written.
 *
 * @module
 */
import { getCookies, serializeCookie } from "./cookies.ts";
import { redirect } from "./redirect.ts";

/** Cookie holding the position a redirect target must wait for. */
export const POSITION_COOKIE = "agora_pos";
/** Long enough to follow a redirect or a reload, short enough never to linger. */
const MAX_AGE_S = 30;

/** The Set-Cookie value carrying `position` (HttpOnly, SameSite=Lax, Secure over HTTPS). */
export function positionCookie(position: number, https: boolean): string {
  return serializeCookie(POSITION_COOKIE, String(position), { maxAge: MAX_AGE_S, secure: https });
}

/** The Set-Cookie value that clears the cookie once a read has waited for it. */
export function clearPositionCookie(https: boolean): string {
  return serializeCookie(POSITION_COOKIE, "", { maxAge: 0, secure: https });
}

/** The position the request's cookie asks a read to wait for; 0 when none or unreadable. */
export function positionFromCookie(req: Request): number {
  const value = Number(getCookies(req)[POSITION_COOKIE] ?? 0);
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}

/**
 * A 303 to `location` after a successful write, carrying the write's position
 * so the next page waits until it is projected.
 *
 * @example
 * ```ts
 * return seeOther(`/posts/${postId}`, { position, https: ctx.state.https });
 * ```
 */
export function seeOther(location: string, write: { position: number; https: boolean }): Response {
  const response = redirect(location, 303);
  if (write.position > 0) {
    response.headers.append("set-cookie", positionCookie(write.position, write.https));
  }
  return response;
}
