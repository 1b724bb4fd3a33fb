import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { liveSignal } from "../client/live.ts";
import type { LivePost } from "../routes/live.ts";

/** The like count for signed-out visitors, kept live. */
export default function LiveLikes({ postId, likes }: { postId: string; likes: number }) {
  const count = useSignal(likes);
  useEffect(() => {
    const live = liveSignal<LivePost>(`/live?post=${postId}`, "post");
    return live.subscribe((state) => {
      if (state && !state.removed) count.value = state.likes;
    });
  }, [postId]);
  return (
    <span class="text-slate-700">
      <span aria-hidden="true">♥</span> <span data-likes aria-live="polite">{count.value}</span>
      {" "}
      {count.value === 1 ? "like" : "likes"}
    </span>
  );
}
