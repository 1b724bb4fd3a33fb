import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { liveSignal } from "../client/live.ts";
import { toggleLike } from "../client/like.ts";
import type { LivePost } from "../routes/live.ts";

/**
 * The like button. Without JavaScript it is a plain form (like/unlike); with
 * it, the count changes at once (optimistic), is reconciled with the server's
 * answer, and follows other people's likes live.
 */
export default function LikeButton(
  { postId, liked, likes }: { postId: string; liked: boolean; likes: number },
) {
  const isLiked = useSignal(liked);
  const count = useSignal(likes);
  const pending = useSignal(0);
  const error = useSignal("");
  const removed = useSignal(false);

  useEffect(() => {
    const live = liveSignal<LivePost>(`/live?post=${postId}`, "post");
    return live.subscribe((state) => {
      // While our own request is in flight its answer is the truth, not the stream.
      if (!state) return;
      if (state.removed) {
        removed.value = true;
        return;
      }
      if (pending.value > 0) return;
      // The stream is the same for everyone: our own like is known from our own requests.
      count.value = state.likes;
    });
  }, [postId]);

  async function toggle(event: Event) {
    event.preventDefault();
    if (removed.value) return;
    pending.value++;
    try {
      await toggleLike(postId, { isLiked, count, error });
    } finally {
      pending.value--;
    }
  }

  return (
    <form
      method="post"
      action={`/posts/${postId}`}
      onSubmit={toggle}
      class="inline-flex items-center gap-2"
    >
      <input type="hidden" name="intent" value={isLiked.value ? "unlike" : "like"} />
      <button
        type="submit"
        data-like-button
        aria-pressed={isLiked.value}
        disabled={removed.value}
        class={`inline-flex min-h-11 items-center gap-1 rounded-full border px-4 font-medium transition disabled:cursor-not-allowed disabled:opacity-60 ${
          isLiked.value
            ? "border-pink-300 bg-pink-50 text-pink-800"
            : "border-slate-300 text-slate-700 hover:bg-slate-50"
        }`}
      >
        <span aria-hidden="true">{isLiked.value ? "♥" : "♡"}</span>
        {isLiked.value ? "Liked" : "Like"} ·{" "}
        <span data-likes aria-live="polite">{count.value}</span>
        <span class="sr-only">{count.value === 1 ? "like" : "likes"}</span>
      </button>
      {error.value && (
        <span class="text-sm text-red-700" role="alert">
          {error.value}{" "}
          <button type="submit" class="min-h-11 px-1 font-medium underline">Try again</button>
        </span>
      )}
    </form>
  );
}
