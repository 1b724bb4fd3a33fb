/**
 * The notices a redirect can ask the next page to show (`?notice=<key>`):
 * a fixed set, so a link can never make the site say something else.
 */
export const NOTICES = {
  "post-deleted": "Post deleted.",
  "comment-removed": "Comment removed.",
} as const;

/** The notice a URL asks for, or null. */
export function noticeOf(url: URL): string | null {
  const key = url.searchParams.get("notice");
  return key && Object.hasOwn(NOTICES, key) ? NOTICES[key as keyof typeof NOTICES] : null;
}
