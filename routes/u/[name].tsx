import { z } from "zod";
import { Avatar } from "../../components/Avatar.tsx";
import { PostList } from "../../components/PostCard.tsx";
import type { PostPage } from "../../domain/mod.ts";
import { HttpError } from "../../infra/web/mod.ts";
import { define } from "../../utils.ts";

type Data = { title: string; name: string; page: PostPage; nextHref: string | null };

export const handler = define.handlers<Data>({
  async GET(ctx) {
    const name = ctx.params.name.toLowerCase().replace(/^@/, "");
    const exists = await ctx.state.system.mediator.query(
      { type: "UserExists", username: name },
      ctx.state.ctx,
    );
    if (!exists) throw new HttpError(404, `no user @${name}`, { code: "user_not_found" });
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
    return ctx.render({ title: `@${name}`, name, page, nextHref });
  },
});

export default define.page<typeof handler>(({ data }) => (
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
));
