import { define, FixtureError } from "../../utils.ts";

type Data = { errors: Record<string, string>; title: string };

export const handler = define.handlers<Data>({
  GET(ctx) {
    return ctx.render({ errors: {}, title: "" });
  },
  async POST(ctx) {
    const form = await ctx.req.formData();
    const title = String(form.get("title") ?? "");
    if (title === "") {
      throw new FixtureError(400, "validation_failed", { fields: { title: "required" } });
    }
    return ctx.redirect(`/posts/${encodeURIComponent(title)}`);
  },
});

export default define.page<typeof handler>(({ data }) => (
  <form method="post" data-page="new-post">
    <input name="title" value={data?.title ?? ""} />
    {data?.errors?.title && <em data-error="title">{data.errors.title}</em>}
  </form>
));
