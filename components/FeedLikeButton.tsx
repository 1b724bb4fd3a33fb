import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { toggleLike } from "../client/like.ts";

/**
 * The like button of a feed card. Without JavaScript a plain form (it lands
 * on the post); with it, the like is optimistic and saved in place. The
 * count follows the feed's own live stream through `likes` (no stream per
 * card).
 */
export function FeedLikeButton(
  { postId, liked, likes }: { postId: string; liked: boolean; likes: number },
) {
  const isLiked = useSignal(liked);
  const count = useSignal(likes);
  const pending = useSignal(false);
  const error = useSignal("");
  useEffect(() => {
    if (!pending.value) count.value = likes;
  }, [likes]);

  async function toggle(event: Event) {
    event.preventDefault();
    if (pending.value) return;
    pending.value = true;
    try {
      await toggleLike(postId, { isLiked, count, error });
    } finally {
      pending.value = false;
    }
  }

  return (
    <form method="post" action={`/posts/${postId}`} onSubmit={toggle} class="inline-flex">
      <input type="hidden" name="intent" value={isLiked.value ? "unlike" : "like"} />
      <button
        type="submit"
        data-feed-like
        aria-pressed={isLiked.value}
        class={`inline-flex min-h-11 items-center gap-1 rounded-full px-3 font-medium ${
          isLiked.value ? "bg-pink-50 text-pink-800" : "text-slate-700 hover:bg-slate-100"
        }`}
      >
        <span aria-hidden="true">{isLiked.value ? "♥" : "♡"}</span>
        <span data-likes={count.value}>{count.value}</span>
        <span class="sr-only">{count.value === 1 ? "like" : "likes"}</span>
        <span class="sr-only">{isLiked.value ? ", liked by you" : ", like this post"}</span>
      </button>
      {error.value && (
        <span role="alert" class="self-center text-xs text-red-700">{error.value}</span>
      )}
    </form>
  );
}
