import { z } from "zod";
import { Button, Card, Field, FormAlert } from "../../components/Form.tsx";
import { MESSAGE_MAX, Unauthenticated } from "../../domain/mod.ts";
import { define, type FormState, parseForm, rejectForm, seeOther } from "../../utils.ts";

const form = z.object({ message: z.string().default("") });

type Data = FormState & { title: string };

export const handler = define.handlers<Data>({
  GET(ctx) {
    if (!ctx.state.actor) return ctx.redirect("/signin?next=/posts/new");
    return ctx.render({ title: "New post", values: { message: "" } });
  },
  async POST(ctx) {
    const values = await parseForm(ctx.req, form);
    try {
      if (!ctx.state.actor) throw new Unauthenticated("sign in to post");
      const { postId, position } = await ctx.state.system.mediator.send(
        { type: "CreatePost", message: values.message },
        ctx.state.ctx,
      );
      return seeOther(ctx, `/posts/${postId}`, position);
    } catch (error) {
      const { state, status } = rejectForm(error, values);
      return ctx.render({ ...state, title: "New post" }, { status });
    }
  },
});

export default define.page<typeof handler>(({ data }) => (
  <>
    <h1 class="mb-4 text-2xl font-bold">New post</h1>
    <Card>
      <form method="post" action="/posts/new">
        <FormAlert state={data} />
        <Field name="message" label="Message" multiline maxLength={MESSAGE_MAX} state={data} />
        <Button>Post</Button>
      </form>
    </Card>
  </>
));
