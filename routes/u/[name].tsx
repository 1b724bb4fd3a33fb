import type { Handlers, PageProps } from "$fresh/server.ts";
import { z } from "zod";
import { Avatar } from "../../components/Avatar.tsx";
import { PostList } from "../../components/PostCard.tsx";
import type { PostPage } from "../../domain/mod.ts";
import type { State } from "../../utils/state.ts";
import { cachedPage } from "../../utils/page_cache.ts";

type Data = { title: string; name: string; page: PostPage; nextHref: string | null };

export const handler: Handlers<Data, State> = {
  GET: cachedPage(async (_req, ctx) => {
    const name = ctx.params.name.toLowerCase().replace(/^@/, "");
    const exists = await ctx.state.mediator.query(
      { type: "UserExists", username: name },
      ctx.state.ctx,
    );
    if (!exists) return ctx.renderNotFound();
    const cursor = z.string().max(200).optional().catch(undefined).parse(
      ctx.url.searchParams.get("cursor") ?? undefined,
    );
    const page = await ctx.state.mediator.query(
      { type: "FindPostsByAuthor", author: name, limit: 20, cursor },
      ctx.state.ctx,
    );
    const nextHref = page.nextCursor
      ? `/u/${name}?cursor=${encodeURIComponent(page.nextCursor)}`
      : null;
    return ctx.render({ title: `@${name}`, name, page, nextHref });
  }),
};

export default function NamePage({ data }: PageProps<Data, State>) {
  return (
    <>
      <div class="mb-6 flex items-center gap-3">
        <Avatar name={data.name} size="lg" />
        <h1 class="text-2xl font-bold">@{data.name}</h1>
      </div>
      <PostList
        posts={data.page.posts}
        nextHref={data.nextHref}
        empty={`@${data.name} has not posted yet.`}
      />
    </>
  );
}
