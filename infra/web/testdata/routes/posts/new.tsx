import type { Handlers, PageProps } from "$fresh/server.ts";
import { FixtureError, seeOther, type State } from "../../utils.ts";

type Data = { errors: Record<string, string>; title: string };

export const handler: Handlers<Data, State> = {
  GET(_req, ctx) {
    return ctx.render({ errors: {}, title: "" });
  },
  async POST(req) {
    const form = await req.formData();
    const title = String(form.get("title") ?? "");
    if (title === "") {
      throw new FixtureError(400, "validation_failed", { fields: { title: "required" } });
    }
    return seeOther(`/posts/${encodeURIComponent(title)}`);
  },
};

export default function NewPost({ data }: PageProps<Data, State>) {
  return (
    <form method="post" data-page="new-post">
      <input name="title" value={data?.title ?? ""} />
      {data?.errors?.title && <em data-error="title">{data.errors.title}</em>}
    </form>
  );
}
