import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { liveSignal } from "../client/live.ts";
import { RichText } from "../components/RichText.tsx";
import type { LivePost } from "../routes/live.ts";

/**
 * A post's message on its own page, kept live: when the author edits it the
 * new text replaces the old in place, marked "edited"; when the author
 * deletes it the page says so (the like button and comment form, listening
 * to the same stream, turn themselves off).
 */
export default function PostBody(
  { postId, message, updatedAt }: { postId: string; message: string; updatedAt: string | null },
) {
  const text = useSignal(message);
  const edited = useSignal(updatedAt !== null);
  const removed = useSignal(false);
  const announcement = useSignal("");

  useEffect(() => {
    const live = liveSignal<LivePost>(`/live?post=${postId}`, "post");
    return live.subscribe((state) => {
      if (!state) return;
      if (state.removed) {
        if (!removed.value) announcement.value = "This post was deleted.";
        removed.value = true;
        return;
      }
      if (state.message !== text.value) {
        text.value = state.message;
        announcement.value = "The author edited this post.";
      }
      edited.value = state.updatedAt !== null;
    });
  }, [postId]);

  return (
    <>
      {removed.value && (
        <p
          data-post-removed
          class="mb-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm font-medium text-red-800"
        >
          This post was deleted.
        </p>
      )}
      <p
        class={`whitespace-pre-wrap break-words text-lg leading-relaxed ${
          removed.value ? "text-slate-600 line-through" : ""
        }`}
        data-message
      >
        <RichText text={text.value} />
      </p>
      {edited.value && <p class="mt-1 text-sm text-slate-600" data-edited>Edited</p>}
      <p class="sr-only" aria-live="polite" data-announce>{announcement.value}</p>
    </>
  );
}
