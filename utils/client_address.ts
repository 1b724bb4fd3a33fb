/**
 * The client's address and scheme, from the connection Deno.serve reports,
 * and from `X-Forwarded-For` / `X-Forwarded-Proto` only as far as trusted
 * proxies vouch for them. Any client can send those headers; only the hops
 * appended by our own proxies are believed.
 *
 * @module
 */

/**
 * The client's address. With `trustedProxies = n`, the connection comes from
 * the nearest proxy, and the address is the n-th entry from the right of
 * `[...X-Forwarded-For, connection]` (entries further left were written by
 * the client and are ignored).
 *
 * @example
 * ```ts
 * clientAddress(req, info, 1); // behind one proxy: its X-Forwarded-For's last hop
 * ```
 */
export function clientAddress(
  req: Request,
  info: Deno.ServeHandlerInfo | undefined,
  trustedProxies: number,
): string {
  const peer = info && "hostname" in info.remoteAddr ? info.remoteAddr.hostname : "unknown";
  if (trustedProxies <= 0) return peer;
  const hops = (req.headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim())
    .filter(Boolean);
  const chain = [...hops, peer];
  return chain[Math.max(0, chain.length - 1 - trustedProxies)].slice(0, 100);
}

/**
 * Whether the browser reached the site over HTTPS: the public URL says so,
 * or the request itself is, or a trusted proxy says so in `X-Forwarded-Proto`.
 */
export function isHttpsRequest(
  req: Request,
  options: { publicUrl?: string; trustedProxies: number },
): boolean {
  if (options.publicUrl?.startsWith("https:")) return true;
  if (new URL(req.url).protocol === "https:") return true;
  if (options.trustedProxies <= 0) return false;
  const proto = req.headers.get("x-forwarded-proto")?.split(",").at(-1)?.trim().toLowerCase();
  return proto === "https";
}

/** True for a loopback address (127.0.0.0/8, ::1, IPv4-mapped loopback). */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);
}

/**
 * A same-origin path to redirect to, or `fallback`. Parsed with `URL` against
 * the site's origin, as a browser would (tabs, CR/LF, backslashes, encoded
 * characters), so nothing that resolves to another host gets through.
 *
 * @example
 * ```ts
 * safeRedirectPath("/\t/evil.example", "http://localhost:8000"); // "/"
 * ```
 */
export function safeRedirectPath(value: string | null, origin: string, fallback = "/"): string {
  if (!value || value.length > 2000 || !value.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return fallback;
  }
  if (url.origin !== origin) return fallback;
  const path = url.pathname + url.search + url.hash;
  // "//x" or "/\x" would be read as another host when used as a Location.
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return fallback;
  return path;
}
