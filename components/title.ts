/** The site's name, last in every page title. */
export const SITE = "Agora";

/**
 * A page's `<title>`: the page's own `title` (from its data), then the site.
 *
 * @example
 * ```ts
 * pageTitle({ title: "@bob" }); // "@bob · Agora"
 * ```
 */
export function pageTitle(data: unknown): string {
  // Error pages carry their status, not a title.
  if (typeof data === "object" && data !== null && "status" in data && !("title" in data)) {
    return `${data.status === 404 ? "Not found" : "Something went wrong"} · ${SITE}`;
  }
  const own = typeof data === "object" && data !== null && "title" in data &&
      typeof data.title === "string"
    ? data.title.trim()
    : "";
  return own ? `${own} · ${SITE}` : SITE;
}

/** A post's title: the start of its message on one line, at most `max` characters. */
export function excerpt(text: string, max = 60): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}
