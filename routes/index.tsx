import { z } from "zod";
import LiveFeed from "../islands/LiveFeed.tsx";
import type { PostPage } from "../domain/mod.ts";
import { define } from "../utils.ts";

/** The feed's filters, from the query string. */
const filters = z.object({
  author: z.string().trim().toLowerCase().max(30).optional().catch(undefined),
  comments: z.enum(["1"]).optional().catch(undefined),
  minLikes: z.coerce.number().int().min(0).max(1_000_000).optional().catch(undefined),
  cursor: z.string().max(200).optional(),
});

type Data = {
  page: PostPage;
  filters: z.infer<typeof filters>;
  nextHref: string | null;
  nextApi: string | null;
};

export const handler = define.handlers<Data>({
  async GET(ctx) {
    const f = filters.parse(Object.fromEntries(ctx.url.searchParams));
    const page = await ctx.state.system.mediator.query({
      type: "FindAllPosts",
      author: f.author || undefined,
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
      if (f.comments === "1") apiQuery.set("withComments", "true");
      if (f.minLikes) apiQuery.set("minLikes", String(f.minLikes));
      nextApi = `/api/v1/posts?${apiQuery}`;
    }
    return ctx.render({ page, filters: f, nextHref, nextApi });
  },
});

export default define.page<typeof handler>(({ data, state }) => (
  <>
    {state.actor
      ? (
        <form
          method="post"
          action="/posts/new"
          class="mb-6 rounded-xl border border-slate-200 bg-white p-4 shadow-sm"
        >
          <label class="sr-only" for="compose">What's happening?</label>
          <textarea
            id="compose"
            name="message"
            rows={3}
            maxLength={2000}
            placeholder={`What's on your mind, @${state.actor.username}?`}
            class="block w-full resize-y rounded-md border border-slate-200 px-3 py-2 text-[15px] focus:border-indigo-400 focus:outline-none focus:ring-2 focus:ring-indigo-100"
          />
          <div class="mt-2 flex justify-end">
            <button
              type="submit"
              class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
            >
              Post
            </button>
          </div>
        </form>
      )
      : (
        <div class="mb-6 rounded-xl bg-indigo-600 p-5 text-white">
          <p class="text-lg font-semibold">Say something to the world.</p>
          <p class="mt-1 text-indigo-100">
            <a href="/signup" class="underline">Sign up</a> or{" "}
            <a href="/signin" class="underline">sign in</a> to post, like and comment.
          </p>
        </div>
      )}
    <form
      method="get"
      action="/"
      class="mb-4 flex flex-wrap items-end gap-3 text-sm"
      aria-label="Filters"
    >
      <label class="flex flex-col">
        <span class="text-slate-500">Author</span>
        <input
          name="author"
          value={data.filters.author ?? ""}
          placeholder="anyone"
          class="w-32 rounded-md border border-slate-300 px-2 py-1"
        />
      </label>
      <label class="flex flex-col">
        <span class="text-slate-500">Min. likes</span>
        <input
          name="minLikes"
          type="number"
          min={0}
          value={data.filters.minLikes ?? ""}
          class="w-24 rounded-md border border-slate-300 px-2 py-1"
        />
      </label>
      <label class="flex items-center gap-1 pb-1">
        <input type="checkbox" name="comments" value="1" checked={data.filters.comments === "1"} />
        <span>with comments</span>
      </label>
      <button
        type="submit"
        class="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-50"
      >
        Filter
      </button>
      {(data.filters.author || data.filters.comments || data.filters.minLikes) && (
        <a href="/" class="pb-1 text-indigo-600 hover:underline">clear</a>
      )}
    </form>
    <LiveFeed
      posts={data.page.posts}
      nextHref={data.nextHref}
      nextApi={data.nextApi}
      empty="No posts yet. Be the first!"
      live={!data.filters.author && !data.filters.comments && !data.filters.minLikes &&
        !data.filters.cursor}
    />
  </>
));
