import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { api, liveSignal } from "../client/live.ts";
import { FeedLikeButton } from "../components/FeedLikeButton.tsx";
import { PostList } from "../components/PostCard.tsx";
import type { PostSummary } from "../domain/mod.ts";
import type { LiveFeed as LiveFeedState } from "../routes/live.ts";

/** A post as the JSON API lists it. */
type ApiListItem = {
  id: string;
  author: string;
  message: string;
  createdAt: string;
  updatedAt: string | null;
  likes: number;
  commentCount: number;
  version: number;
};

/**
 * The feed list. Like and comment counts follow the server live; posts that
 * arrive meanwhile are announced above the list rather than pushed in under
 * the reader's eyes. Older posts load as the reader scrolls (keyset pages of
 * the JSON API); without JavaScript the "Older posts" link does the same.
 */
export default function LiveFeed(
  { posts, nextHref, nextApi, empty, clearHref, live, liked, signedIn }: {
    posts: PostSummary[];
    nextHref: string | null;
    /** The API URL of the next page (same filters, next cursor). */
    nextApi: string | null;
    empty: string;
    /** Where "Clear filters" leads when the list is filtered, else null. */
    clearHref: string | null;
    /** Only the unfiltered first page follows new posts. */
    live: boolean;
    /** The shown posts the reader likes. */
    liked: string[];
    /** Whether the reader may like (else counts are plain text). */
    signedIn: boolean;
  },
) {
  const likedIds = new Set(liked);
  const shown = useSignal(posts);
  const fresh = useSignal(0);
  const more = useSignal(nextApi);
  const pageLink = useSignal(nextHref);
  const loading = useSignal(false);
  const sentinel = useRef<HTMLDivElement>(null);
  // Set once the island runs in the browser: scrolling loads more from then on.
  const hydrated = useSignal(false);

  useEffect(() => {
    hydrated.value = true;
    if (!sentinel.current || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver(async (entries) => {
      if (!entries.some((e) => e.isIntersecting) || loading.value || !more.value) return;
      loading.value = true;
      try {
        const page = await api<{ posts: ApiListItem[]; nextCursor: string | null }>(
          "GET",
          more.value,
        );
        const known = new Set(shown.value.map((p) => p.id));
        shown.value = [
          ...shown.value,
          ...page.posts.filter((p) => !known.has(p.id)).map((p) => ({
            id: p.id,
            author: "",
            authorName: p.author,
            message: p.message,
            createdAt: p.createdAt,
            updatedAt: p.updatedAt,
            likes: p.likes,
            comments: p.commentCount,
            version: p.version,
          })),
        ];
        const url = new URL(more.value, location.href);
        const link = new URL(pageLink.value ?? "/", location.href);
        if (page.nextCursor) {
          url.searchParams.set("cursor", page.nextCursor);
          link.searchParams.set("cursor", page.nextCursor);
        }
        more.value = page.nextCursor ? `${url.pathname}${url.search}` : null;
        pageLink.value = page.nextCursor ? `${link.pathname}${link.search}` : null;
      } catch {
        more.value = null; // the "Older posts" link still works
      } finally {
        loading.value = false;
      }
    }, { rootMargin: "400px" });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, []);

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
      <div aria-live="polite">
        {fresh.value > 0 && (
          <a
            href="/"
            data-new-posts={fresh.value}
            class="mb-3 flex min-h-11 items-center justify-center rounded-lg bg-indigo-50 text-sm font-medium text-indigo-800 hover:bg-indigo-100"
          >
            {fresh.value} new {fresh.value === 1 ? "post" : "posts"} · show
          </a>
        )}
      </div>
      <PostList
        posts={shown.value}
        nextHref={pageLink.value}
        empty={
          <>
            <p>{empty}</p>
            {clearHref && (
              <a
                href={clearHref}
                class="mt-2 inline-flex min-h-11 items-center font-medium text-indigo-700 underline"
              >
                Clear filters
              </a>
            )}
          </>
        }
        likeButton={signedIn
          ? (post) => (
            <FeedLikeButton postId={post.id} liked={likedIds.has(post.id)} likes={post.likes} />
          )
          : undefined}
      />
      <div ref={sentinel} data-feed-end={hydrated.value ? "live" : ""} aria-hidden="true" />
      {loading.value && <p class="py-3 text-center text-sm text-slate-600">Loading older posts…</p>}
    </>
  );
}
