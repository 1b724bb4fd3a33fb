import type { Handlers, PageProps } from "$fresh/server.ts";
import { z } from "zod";
import CountedTextarea from "../islands/CountedTextarea.tsx";
import LiveFeed from "../islands/LiveFeed.tsx";
import type { PostPage } from "../domain/mod.ts";
import type { State } from "../utils/state.ts";
import { cachedPage } from "../utils/page_cache.ts";

/** The feed's filters, from the query string. */
const filters = z.object({
  // "@bob" finds bob's posts: names are shown with their "@".
  author: z.string().trim().toLowerCase().max(31).transform((v) => v.replace(/^@/, "")).optional()
    .catch(undefined),
  tag: z.string().trim().transform((v) => v.replace(/^#/, "")).pipe(
    z.string().regex(/^[\p{L}\p{N}_]{1,50}$/u),
  ).optional().catch(undefined),
  comments: z.enum(["1"]).optional().catch(undefined),
  minLikes: z.coerce.number().int().min(0).max(1_000_000).optional().catch(undefined),
  cursor: z.string().max(200).optional(),
});

type Data = {
  title: string;
  heading: string;
  liked: string[];
  page: PostPage;
  filters: z.infer<typeof filters>;
  nextHref: string | null;
  nextApi: string | null;
};

export const handler: Handlers<Data, State> = {
  GET: cachedPage(async (_req, ctx) => {
    const f = filters.parse(Object.fromEntries(ctx.url.searchParams));
    const page = await ctx.state.mediator.query({
      type: "FindAllPosts",
      author: f.author || undefined,
      tag: f.tag,
      withComments: f.comments === "1" || undefined,
      minLikes: f.minLikes || undefined,
      limit: 20,
      cursor: f.cursor,
    }, ctx.state.ctx);
    let nextHref: string | null = null;
    let nextApi: string | null = null;
    if (page.nextCursor) {
      const next = new URLSearchParams(ctx.url.searchParams);
      next.set("cursor", page.nextCursor);
      nextHref = `/?${next}`;
      const apiQuery = new URLSearchParams({ limit: "20", cursor: page.nextCursor });
      if (f.author) apiQuery.set("author", f.author);
      if (f.tag) apiQuery.set("tag", f.tag);
      if (f.comments === "1") apiQuery.set("withComments", "true");
      if (f.minLikes) apiQuery.set("minLikes", String(f.minLikes));
      nextApi = `/api/v1/posts?${apiQuery}`;
    }
    const liked = ctx.state.actor && page.posts.length > 0
      ? await ctx.state.mediator.query(
        { type: "FindLikedPostIds", postIds: page.posts.map((p) => p.id) },
        ctx.state.ctx,
      )
      : [];
    const parts = [
      f.tag && `#${f.tag}`,
      f.author && `by @${f.author}`,
      f.comments === "1" && "with comments",
      f.minLikes && `with ${f.minLikes}+ likes`,
    ].filter(Boolean);
    const heading = parts.length > 0 ? `Posts ${parts.join(", ")}` : "Latest posts";
    return ctx.render({
      title: parts.length > 0 ? heading : "Home",
      heading,
      liked,
      page,
      filters: f,
      nextHref,
      nextApi,
    });
  }),
};

export default function IndexPage({ data, state }: PageProps<Data, State>) {
  const f = data.filters;
  const filtered = Boolean(f.author || f.tag || f.comments || f.minLikes);
  return (
    <>
      {state.actor
        ? (
          <form
            method="post"
            action="/posts/new"
            class="mb-6 rounded-xl border border-slate-200 bg-white p-4 shadow-sm"
            aria-label="New post"
          >
            <label class="sr-only" for="compose">What's on your mind?</label>
            <CountedTextarea
              id="compose"
              name="message"
              rows={3}
              maxLength={2000}
              placeholder={`What's on your mind, @${state.actor.username}?`}
              class="block w-full resize-y rounded-md border border-slate-300 bg-white px-3 py-2 text-base placeholder:text-slate-500 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-100"
            />
            <div class="mt-2 flex justify-end">
              <button
                type="submit"
                class="min-h-11 rounded-md bg-indigo-600 px-5 text-sm font-semibold text-white hover:bg-indigo-700"
              >
                Post
              </button>
            </div>
          </form>
        )
        : (
          <div class="mb-6 rounded-xl bg-indigo-700 p-5 text-white">
            <p class="text-lg font-semibold">Say something to the world.</p>
            <p class="mt-1 text-indigo-50">
              <a href="/signup" class="font-semibold underline">Sign up</a> or{" "}
              <a href="/signin" class="font-semibold underline">sign in</a>{" "}
              to post, like and comment.
            </p>
          </div>
        )}
      <h1 class="mb-3 text-xl font-bold">{data.heading}</h1>
      <form
        method="get"
        action="/"
        class="mb-4 flex flex-wrap items-end gap-3 text-sm"
        aria-label="Filters"
      >
        {f.tag && <input type="hidden" name="tag" value={f.tag} />}
        <label class="flex flex-col">
          <span class="text-slate-700">Author</span>
          <input
            name="author"
            value={f.author ? `@${f.author}` : ""}
            placeholder="@anyone"
            class="min-h-11 w-32 rounded-md border border-slate-400 bg-white px-2 placeholder:text-slate-500"
          />
        </label>
        <label class="flex flex-col">
          <span class="text-slate-700">Min. likes</span>
          <input
            name="minLikes"
            type="number"
            min={0}
            value={f.minLikes ?? ""}
            class="min-h-11 w-24 rounded-md border border-slate-400 bg-white px-2"
          />
        </label>
        <label class="flex min-h-11 items-center gap-2">
          <input
            type="checkbox"
            name="comments"
            value="1"
            checked={f.comments === "1"}
            class="h-5 w-5"
          />
          <span>with comments</span>
        </label>
        <button
          type="submit"
          class="min-h-11 rounded-md border border-slate-400 bg-white px-4 font-medium hover:bg-slate-50"
        >
          Filter
        </button>
        {filtered && (
          <a
            href="/"
            class="inline-flex min-h-11 items-center font-medium text-indigo-700 underline"
          >
            Clear filters
          </a>
        )}
      </form>
      <LiveFeed
        posts={data.page.posts}
        nextHref={data.nextHref}
        nextApi={data.nextApi}
        empty={filtered ? "No posts match these filters." : "No posts yet. Be the first!"}
        clearHref={filtered ? "/" : null}
        live={!filtered && !f.cursor}
        liked={data.liked}
        signedIn={state.actor !== null}
      />
    </>
  );
}
