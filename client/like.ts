import type { Signal } from "@preact/signals";
import { api } from "./live.ts";

/**
 * Likes or unlikes a post optimistically: the button and the count change at
 * once, the server's answer sets the count, and a failure puts both back and
 * says why. Shared by the post page's and the feed cards' like buttons.
 *
 * @example
 * ```ts
 * await toggleLike(postId, { isLiked, count, error });
 * ```
 */
export async function toggleLike(
  postId: string,
  view: { isLiked: Signal<boolean>; count: Signal<number>; error: Signal<string> },
): Promise<void> {
  const { isLiked, count, error } = view;
  const like = !isLiked.value;
  isLiked.value = like;
  count.value += like ? 1 : -1;
  error.value = "";
  try {
    const result = await api<{ likes: number }>(
      like ? "PUT" : "DELETE",
      `/api/v1/posts/${postId}/like`,
    );
    count.value = result.likes;
  } catch (e) {
    isLiked.value = !like;
    count.value += like ? -1 : 1;
    error.value = e instanceof Error ? e.message : String(e);
  }
}
