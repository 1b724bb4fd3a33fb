import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { liveSignal } from "../client/live.ts";
import { PostList } from "../components/PostCard.tsx";
import type { PostSummary } from "../domain/mod.ts";
import type { LiveFeed as LiveFeedState } from "../routes/live.ts";

/**
 * The feed list. Like and comment counts follow the server live; posts that
 * arrive meanwhile are announced above the list rather than pushed in under
 * the reader's eyes.
 */
export default function LiveFeed(
  { posts, nextHref, empty, live }: {
    posts: PostSummary[];
    nextHref: string | null;
    empty: string;
    /** Only the unfiltered first page follows new posts. */
    live: boolean;
  },
) {
  const shown = useSignal(posts);
  const fresh = useSignal(0);

  useEffect(() => {
    const feed = liveSignal<LiveFeedState>("/live?feed=1", "feed");
    return feed.subscribe((state) => {
      if (!state) return;
      const counts = new Map(state.posts.map((p) => [p.id, p]));
      shown.value = shown.value.map((p) => {
        const c = counts.get(p.id);
        return c ? { ...p, likes: c.likes, comments: c.comments } : p;
      });
      if (live) {
        const newest = shown.value[0]?.id;
        const index = newest ? state.posts.findIndex((p) => p.id === newest) : state.posts.length;
        fresh.value = Math.max(0, index);
      }
    });
  }, []);

  return (
    <>
      {fresh.value > 0 && (
        <a
          href="/"
          data-new-posts={fresh.value}
          class="mb-3 block rounded-lg bg-indigo-50 py-2 text-center text-sm font-medium text-indigo-700 hover:bg-indigo-100"
        >
          {fresh.value} new {fresh.value === 1 ? "post" : "posts"} · show
        </a>
      )}
      <PostList posts={shown.value} nextHref={nextHref} empty={empty} />
    </>
  );
}
