import { z } from "zod";
import { PostList } from "../../components/PostCard.tsx";
import type { PostPage } from "../../domain/mod.ts";
import { define } from "../../utils.ts";

type Data = { name: string; page: PostPage; nextHref: string | null };

export const handler = define.handlers<Data>({
  async GET(ctx) {
    const name = ctx.params.name.toLowerCase();
    const cursor = z.string().max(200).optional().catch(undefined).parse(
      ctx.url.searchParams.get("cursor") ?? undefined,
    );
    const page = await ctx.state.system.mediator.query(
      { type: "FindPostsByAuthor", author: name, limit: 20, cursor },
      ctx.state.ctx,
    );
    const nextHref = page.nextCursor
      ? `/u/${name}?cursor=${encodeURIComponent(page.nextCursor)}`
      : null;
    return ctx.render({ name, page, nextHref });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <div class="mb-6 flex items-center gap-3">
      <div class="flex h-12 w-12 items-center justify-center rounded-full bg-indigo-100 text-xl font-bold text-indigo-700">
        {data.name.slice(0, 1).toUpperCase()}
      </div>
      <h1 class="text-2xl font-bold">@{data.name}</h1>
    </div>
    <PostList
      posts={data.page.posts}
      nextHref={data.nextHref}
      empty={`@${data.name} has not posted yet.`}
    />
  </>
));
