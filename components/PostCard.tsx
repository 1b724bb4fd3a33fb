import type { ComponentChildren } from "preact";
import type { PostSummary } from "../domain/mod.ts";
import { Avatar } from "./Avatar.tsx";
import { RichText } from "./RichText.tsx";
import { timeAgo } from "./time.ts";

/**
 * One post in a list: avatar, author, time (the link to the post), message
 * with its links, counts. `likeButton` is the feed's like control for a
 * signed-in reader; without it the like count is plain text.
 */
export function PostCard(
  { post, likeButton }: { post: PostSummary; likeButton?: ComponentChildren },
) {
  return (
    <article
      class="flex gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm transition hover:border-indigo-200"
      data-post-id={post.id}
    >
      <Avatar name={post.authorName} />
      <div class="min-w-0 flex-1">
        <header class="flex flex-wrap items-baseline gap-x-2 text-sm">
          <a href={`/u/${post.authorName}`} class="font-semibold text-slate-900 hover:underline">
            @{post.authorName}
          </a>
          <a href={`/posts/${post.id}`} class="text-slate-600 hover:underline" data-post-link>
            <time datetime={post.createdAt}>{timeAgo(post.createdAt)}</time>
            <span class="sr-only">, open the post</span>
          </a>
          {post.updatedAt && <span class="text-slate-600">· edited</span>}
        </header>
        <p
          class="mt-1 whitespace-pre-wrap break-words text-[15px] leading-relaxed"
          data-card-message
        >
          <RichText text={post.message} />
        </p>
        <footer class="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-700">
          {likeButton ?? (
            <span data-likes={post.likes} class="inline-flex min-h-11 items-center">
              <span aria-hidden="true">♥&nbsp;</span>
              {post.likes} {post.likes === 1 ? "like" : "likes"}
            </span>
          )}
          <a
            href={`/posts/${post.id}#comments`}
            class="inline-flex min-h-11 items-center gap-1 rounded-full px-3 hover:bg-slate-100 hover:text-indigo-700"
          >
            <CommentIcon /> {post.comments} {post.comments === 1 ? "comment" : "comments"}
          </a>
        </footer>
      </div>
    </article>
  );
}

/**
 * A list of posts with a "more" link for keyset pagination, and a marker
 * once the last page is shown. `empty` is what an empty list says (it may
 * carry a link, e.g. to clear the filters); `likeButton` renders a post's
 * like control.
 */
export function PostList(
  { posts, nextHref, empty, likeButton }: {
    posts: PostSummary[];
    nextHref: string | null;
    empty: ComponentChildren;
    likeButton?: (post: PostSummary) => ComponentChildren;
  },
) {
  if (posts.length === 0) {
    return (
      <div
        class="rounded-xl border border-dashed border-slate-400 p-8 text-center text-slate-700"
        data-empty
      >
        {empty}
      </div>
    );
  }
  return (
    <div class="space-y-3" id="posts">
      {posts.map((post) => <PostCard key={post.id} post={post} likeButton={likeButton?.(post)} />)}
      {nextHref
        ? (
          <a
            href={nextHref}
            rel="next"
            class="flex min-h-11 items-center justify-center rounded-lg border border-slate-200 bg-white text-sm font-medium text-indigo-700 hover:bg-indigo-50"
          >
            Older posts
          </a>
        )
        : (
          <p class="py-4 text-center text-sm text-slate-600" data-end-of-feed>
            <span aria-hidden="true">—</span>You have reached the end.<span aria-hidden="true">
              {" "}—
            </span>
          </p>
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
