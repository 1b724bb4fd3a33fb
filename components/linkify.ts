/**
 * Splits user text into plain text and links: web addresses, `@name`
 * mentions (to the user's page) and `#tag`s (to the feed filtered by the
 * tag). Pure; the caller renders each part as escaped text, so no markup in
 * the text is ever HTML, and only http(s) addresses ever become links.
 *
 * @module
 */

/** One piece of linkified text. */
export type TextPart =
  | { kind: "text"; text: string }
  | { kind: "url"; text: string; href: string }
  | { kind: "mention"; text: string; href: string }
  | { kind: "tag"; text: string; href: string };

// An http(s) address, a mention (usernames are 3..30 of [a-z0-9_]) or a tag.
// The character before a mention or tag must not be a word character, so
// "me@example.com" and "a#b" stay text.
const TOKEN =
  /(https?:\/\/[^\s<>"']+)|(?<![\w@#/])@([A-Za-z0-9_]{3,30})\b|(?<![\w&#/])#([\p{L}\p{N}_]{1,50})/gu;

// Punctuation that usually ends a sentence rather than an address.
const TRAILING = /[.,;:!?)\]}'"]+$/;

/**
 * The parts of `text`, in order; joined, their `text` is `text` again.
 *
 * @example
 * ```ts
 * linkify("see https://deno.land, @bob #deno");
 * // [{ kind: "text", text: "see " }, { kind: "url", text: "https://deno.land", href: "https://deno.land" }, ...]
 * ```
 */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plain = "";
  let last = 0;
  const flush = () => {
    if (plain) parts.push({ kind: "text", text: plain });
    plain = "";
  };
  for (const match of text.matchAll(TOKEN)) {
    const index = match.index ?? 0;
    plain += text.slice(last, index);
    let token = match[0];
    if (match[1]) {
      // "(see https://x.org/a)." links https://x.org/a, keeping ")." as text.
      const trail = token.match(TRAILING)?.[0] ?? "";
      token = token.slice(0, token.length - trail.length);
      const href = safeHttpUrl(token);
      if (href) {
        flush();
        parts.push({ kind: "url", text: token, href });
      } else {
        plain += token;
      }
      plain += trail;
    } else if (match[2]) {
      flush();
      parts.push({ kind: "mention", text: token, href: `/u/${match[2].toLowerCase()}` });
    } else {
      flush();
      parts.push({
        kind: "tag",
        text: token,
        href: `/?${new URLSearchParams({ tag: match[3] })}`,
      });
    }
    last = index + match[0].length;
  }
  plain += text.slice(last);
  flush();
  return parts;
}

/** `value` as an absolute http(s) URL, or null (never `javascript:` or any other scheme). */
export function safeHttpUrl(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
