import type { Handlers, PageProps } from "$fresh/server.ts";
import { FixtureError, seeOther, type State } from "../../utils.ts";

type Data = { id: string };

export const handler: Handlers<Data, State> = {
  GET(_req, ctx) {
    if (ctx.params.id === "missing") throw new FixtureError(404, "post_not_found");
    if (ctx.params.id === "gone") return ctx.renderNotFound();
    if (ctx.params.id === "secret") {
      throw new FixtureError(403, "not_author", { message: "only the author" });
    }
    const status = ctx.params.id === "draft" ? 202 : 200;
    return ctx.render({ id: ctx.params.id }, { status, headers: { "x-post": ctx.params.id } });
  },
  DELETE() {
    return seeOther("/posts");
  },
};

export default function Post({ data, route }: PageProps<Data, State>) {
  return <article data-page="post" data-route={route}>post {data.id}</article>;
}
