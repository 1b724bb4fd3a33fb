import { linkify } from "./linkify.ts";

/**
 * User text with its addresses, `@mentions` and `#tags` as links. Every part
 * is rendered as escaped text; outside links open in a new tab and pass on
 * neither the page nor the referrer, and are marked as user content.
 */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part) =>
        part.kind === "text" ? part.text : (
          <a
            href={part.href}
            class="font-medium text-indigo-700 underline-offset-2 hover:underline"
            {...(part.kind === "url"
              ? { rel: "nofollow ugc noopener noreferrer", target: "_blank" }
              : {})}
          >
            {part.text}
          </a>
        )
      )}
    </>
  );
}
