import { define, FixtureError } from "../../utils.ts";

export const handler = define.handlers<{ id: string }>({
  GET(ctx) {
    if (ctx.params.id === "missing") throw new FixtureError(404, "post_not_found");
    if (ctx.params.id === "secret") {
      throw new FixtureError(403, "not_author", { message: "only the author" });
    }
    const status = ctx.params.id === "draft" ? 202 : 200;
    return ctx.render({ id: ctx.params.id }, { status, headers: { "x-post": ctx.params.id } });
  },
  DELETE(ctx) {
    return ctx.redirect("/posts");
  },
});

export default define.page<typeof handler>(({ data, route }) => (
  <article data-page="post" data-route={route ?? ""}>post {data.id}</article>
));
