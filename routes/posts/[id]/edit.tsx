import type { Handlers, PageProps } from "$fresh/server.ts";
import { redirect } from "../../../utils/redirect.ts";
import { z } from "zod";
import { Button, Card, Field, FormAlert } from "../../../components/Form.tsx";
import { MESSAGE_MAX, NotAuthor, PostNotFound, Unauthenticated } from "../../../domain/mod.ts";
import { type FormState, parseForm, rejectForm } from "../../../utils/forms.ts";
import { findPost } from "../../../utils/find_post.ts";
import type { State } from "../../../utils/state.ts";

const form = z.object({ message: z.string().default(""), version: z.string().default("") });

type Data = FormState<{ message: string; version: string }> & {
  title: string;
  postId: string;
  current?: string;
};

export const handler: Handlers<Data, State> = {
  async GET(_req, ctx) {
    const { actor, mediator } = ctx.state;
    if (!actor) return redirect(`/signin?next=/posts/${ctx.params.id}/edit`);
    const post = await findPost(mediator, ctx.params.id, ctx.state.ctx);
    if (!post) throw new PostNotFound(ctx.params.id);
    if (post.author !== actor.userId) throw new NotAuthor("only the author can edit this post");
    // The form carries the version it was opened at: a later edit by someone
    // else (another tab) makes the save fail instead of silently overwriting.
    return ctx.render({
      title: "Edit post",
      postId: post.id,
      values: { message: post.message, version: String(post.version) },
    });
  },
  async POST(req, ctx) {
    const postId = ctx.params.id;
    const values = await parseForm(req, form);
    try {
      if (!ctx.state.actor) throw new Unauthenticated("sign in first");
      const expectedVersion = Number(values.version) || undefined;
      await ctx.state.mediator.send(
        { type: "EditMessage", postId, message: values.message, expectedVersion },
        ctx.state.ctx,
      );
      return redirect(`/posts/${postId}`);
    } catch (error) {
      const { state, status } = rejectForm(error, values);
      let current: string | undefined;
      if (status === 412) {
        const post = await findPost(ctx.state.mediator, postId, ctx.state.ctx);
        current = post?.message;
        // Offer to save again on top of the current version, keeping the user's text.
        if (post) state.values.version = String(post.version);
      }
      return ctx.render({ ...state, title: "Edit post", postId, current }, { status });
    }
  },
};

export default function EditPage({ data }: PageProps<Data, State>) {
  return (
    <>
      <h1 class="mb-4 text-2xl font-bold">Edit post</h1>
      <Card>
        <form method="post" action={`/posts/${data.postId}/edit`}>
          <FormAlert state={data} />
          {data.current !== undefined && (
            <div
              class="mb-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm"
              data-conflict
            >
              <p class="font-medium text-amber-800">The post now reads:</p>
              <p class="mt-1 whitespace-pre-wrap text-amber-900">{data.current}</p>
              <p class="mt-2 text-amber-800">Saving again replaces it with your text below.</p>
            </div>
          )}
          <input type="hidden" name="version" value={data.values.version} />
          <Field name="message" label="Message" multiline maxLength={MESSAGE_MAX} state={data} />
          <div class="flex items-center gap-3">
            <Button>Save</Button>
            <a
              href={`/posts/${data.postId}`}
              class="inline-flex min-h-11 items-center px-2 text-sm font-medium text-slate-700 hover:underline"
            >
              Cancel
            </a>
          </div>
        </form>
      </Card>
    </>
  );
}
