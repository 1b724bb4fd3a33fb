/**
 * Redirects a route answers with. A location starting with several
 * slashes would be read by browsers as another host (`//evil.example`), so
 * it is cut to one.
 *
 * @module
 */

/** Redirect statuses; 303 ("see other") is the one to answer a form POST with. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/**
 * A redirect to a path on this site; 303 by default, so a POST is followed by a GET.
 *
 * @example
 * ```ts
 * return redirect(`/posts/${id}`);
 * ```
 */
export function redirect(location: string, status: RedirectStatus = 303): Response {
  const safe = location.replace(/^[/\\]{2,}/, "/");
  return new Response(null, { status, headers: { location: safe } });
}
