import type { PostSummary } from "../domain/mod.ts";
import { timeAgo } from "./time.ts";

/** One post in a list: author, time, message, counts; links to the post. */
export function PostCard({ post }: { post: PostSummary }) {
  return (
    <article
      class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm transition hover:border-indigo-200"
      data-post-id={post.id}
    >
      <header class="mb-2 flex items-baseline gap-2 text-sm">
        <a href={`/u/${post.authorName}`} class="font-semibold text-slate-900 hover:underline">
          @{post.authorName}
        </a>
        <time datetime={post.createdAt} class="text-slate-500">{timeAgo(post.createdAt)}</time>
        {post.updatedAt && <span class="text-slate-400">· edited</span>}
      </header>
      <a
        href={`/posts/${post.id}`}
        class="block whitespace-pre-wrap break-words text-[15px] leading-relaxed"
      >
        {post.message}
      </a>
      <footer class="mt-3 flex gap-4 text-sm text-slate-500">
        <span data-likes={post.likes}>♥ {post.likes} {post.likes === 1 ? "like" : "likes"}</span>
        <a href={`/posts/${post.id}#comments`} class="hover:text-indigo-600">
          <CommentIcon /> {post.comments} {post.comments === 1 ? "comment" : "comments"}
        </a>
      </footer>
    </article>
  );
}

/** A list of posts with a "more" link for keyset pagination. */
export function PostList(
  { posts, nextHref, empty }: { posts: PostSummary[]; nextHref: string | null; empty: string },
) {
  if (posts.length === 0) {
    return (
      <p class="rounded-xl border border-dashed border-slate-300 p-8 text-center text-slate-500">
        {empty}
      </p>
    );
  }
  return (
    <div class="space-y-3" id="posts">
      {posts.map((post) => <PostCard key={post.id} post={post} />)}
      {nextHref && (
        <a
          href={nextHref}
          rel="next"
          class="block rounded-lg border border-slate-200 bg-white py-2 text-center text-sm font-medium text-indigo-600 hover:bg-indigo-50"
        >
          Older posts
        </a>
      )}
    </div>
  );
}

/** A speech bubble (inline SVG: no emoji font needed). */
function CommentIcon() {
  return (
    <svg
      viewBox="0 0 20 20"
      aria-hidden="true"
      class="mr-0.5 inline h-4 w-4 fill-current align-[-2px]"
    >
      <path d="M3 4.5A2.5 2.5 0 0 1 5.5 2h9A2.5 2.5 0 0 1 17 4.5v7a2.5 2.5 0 0 1-2.5 2.5H9l-4 4v-4h0.5A2.5 2.5 0 0 1 3 11.5z" />
    </svg>
  );
}
