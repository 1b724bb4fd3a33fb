import type { Handlers, PageProps } from "$fresh/server.ts";
import { redirect } from "../../utils/redirect.ts";
import { z } from "zod";
import { Button, Card, Field, FormAlert } from "../../components/Form.tsx";
import { MESSAGE_MAX, Unauthenticated } from "../../domain/mod.ts";
import { type FormState, parseForm, rejectForm } from "../../utils/forms.ts";
import type { State } from "../../utils/state.ts";

const form = z.object({ message: z.string().default("") });

type Data = FormState & { title: string };

export const handler: Handlers<Data, State> = {
  GET(_req, ctx) {
    if (!ctx.state.actor) return redirect("/signin?next=/posts/new");
    return ctx.render({ title: "New post", values: { message: "" } });
  },
  async POST(req, ctx) {
    const values = await parseForm(req, form);
    try {
      if (!ctx.state.actor) throw new Unauthenticated("sign in to post");
      const { postId } = await ctx.state.mediator.send(
        { type: "CreatePost", message: values.message },
        ctx.state.ctx,
      );
      return redirect(`/posts/${postId}`);
    } catch (error) {
      const { state, status } = rejectForm(error, values);
      return ctx.render({ ...state, title: "New post" }, { status });
    }
  },
};

export default function NewPage({ data }: PageProps<Data, State>) {
  return (
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
  );
}
