/**
 * Read-your-writes in the browser: after a write, the positions of the
 * client's writes not yet read back travel in a short-lived cookie, and the
 * next read waits (bounded) until the projector has applied every one of
 * them. A single position would not do: the projector applies partitions
 * independently, so a later write on one post can be applied before an
 * earlier one on another. This file is the one place that cookie is read and
 * written; the root middleware sets and clears it.
 *
 * @module
 */
import { getCookies, serializeCookie } from "./cookies.ts";

/** Cookie holding the positions the next read must wait for. */
export const POSITION_COOKIE = "agora_pos";
/** Long enough to follow a redirect or a reload, short enough never to linger. */
const MAX_AGE_S = 30;
/** A read waits for at most this many positions (the newest), from the cookie or the header. */
export const MAX_PENDING_POSITIONS = 16;

/** The Set-Cookie value carrying `positions` (HttpOnly, SameSite=Lax, Secure over HTTPS). */
export function positionCookie(positions: readonly number[], https: boolean): string {
  return serializeCookie(POSITION_COOKIE, newest(positions).join("."), {
    maxAge: MAX_AGE_S,
    secure: https,
  });
}

/** The Set-Cookie value that clears the cookie once a read has waited for it. */
export function clearPositionCookie(https: boolean): string {
  return serializeCookie(POSITION_COOKIE, "", { maxAge: 0, secure: https });
}

/** The positions the request's cookie asks a read to wait for; none when absent or unreadable. */
export function positionsFromCookie(req: Request): number[] {
  return positionsInCookie(getCookies(req)[POSITION_COOKIE] ?? "");
}

/** The positions a cookie value lists ("38.41"), e.g. one a test client holds. */
export function positionsInCookie(value: string): number[] {
  return parsePositions(value, ".");
}

/**
 * The positions an API client asks a read to wait for: `X-Min-Position: 41`
 * or, after several writes, `X-Min-Position: 38, 41`. Unreadable entries are
 * ignored (the read then answers without waiting for them).
 */
export function positionsFromHeader(req: Request): number[] {
  return parsePositions(req.headers.get("x-min-position") ?? "", ",");
}

function parsePositions(text: string, separator: string): number[] {
  const positions: number[] = [];
  for (const part of text.split(separator, MAX_PENDING_POSITIONS * 4)) {
    const value = Number(part.trim());
    if (part.trim() !== "" && Number.isSafeInteger(value) && value > 0) positions.push(value);
  }
  return newest(positions);
}

/** Distinct, ascending, the newest MAX_PENDING_POSITIONS. */
export function newest(positions: readonly number[]): number[] {
  return [...new Set(positions)].sort((a, b) => a - b).slice(-MAX_PENDING_POSITIONS);
}
