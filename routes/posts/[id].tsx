import { z } from "zod";
import { Field, FormAlert } from "../../components/Form.tsx";
import { toCommentItem } from "../../components/representations.ts";
import { timeAgo } from "../../components/time.ts";
import CommentList from "../../islands/CommentList.tsx";
import LikeButton from "../../islands/LikeButton.tsx";
import LiveLikes from "../../islands/LiveLikes.tsx";
import { COMMENT_MAX, type PostDetail, PostNotFound, Unauthenticated } from "../../domain/mod.ts";
import type { Context } from "../../infra/web/mod.ts";
import {
  define,
  formFields,
  type FormState,
  rejectForm,
  seeOther,
  type State,
} from "../../utils.ts";

type Data = { post: PostDetail; form?: FormState; intent?: string; commentId?: string };

/** Every action the post page's forms can post, each one command. */
const actions = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("like") }),
  z.object({ intent: z.literal("unlike") }),
  z.object({ intent: z.literal("comment"), comment: z.string().default("") }),
  z.object({
    intent: z.literal("edit-comment"),
    commentId: z.string().default(""),
    comment: z.string().default(""),
  }),
  z.object({ intent: z.literal("remove-comment"), commentId: z.string().default("") }),
  z.object({ intent: z.literal("delete") }),
], { error: "unknown action" });

async function load(ctx: Context<State, Data>): Promise<PostDetail> {
  const post = await ctx.state.system.mediator.query(
    { type: "FindPostById", postId: ctx.params.id },
    ctx.state.ctx,
  ).catch(() => null); // a malformed id is simply not found
  if (!post) throw new PostNotFound(ctx.params.id);
  return post;
}

export const handler = define.handlers<Data>({
  async GET(ctx) {
    return ctx.render({ post: await load(ctx) });
  },
  async POST(ctx) {
    const postId = ctx.params.id;
    const action = actions.safeParse(await formFields(ctx.req));
    if (!action.success) return ctx.render({ post: await load(ctx) }, { status: 400 });
    const a = action.data;
    const { mediator } = ctx.state.system;
    const send = ctx.state.ctx;
    try {
      if (!ctx.state.actor) throw new Unauthenticated("sign in first");
      switch (a.intent) {
        case "like":
        case "unlike": {
          const type = a.intent === "like" ? "LikePost" : "UnlikePost";
          const { position } = await mediator.send({ type, postId }, send);
          return seeOther(ctx, `/posts/${postId}`, position);
        }
        case "comment": {
          const { position } = await mediator.send({
            type: "AddComment",
            postId,
            comment: a.comment,
          }, send);
          return seeOther(ctx, `/posts/${postId}#comments`, position);
        }
        case "edit-comment": {
          const { position } = await mediator.send(
            { type: "EditComment", postId, commentId: a.commentId, comment: a.comment },
            send,
          );
          return seeOther(ctx, `/posts/${postId}#comment-${a.commentId}`, position);
        }
        case "remove-comment": {
          const { position } = await mediator.send(
            { type: "RemoveComment", postId, commentId: a.commentId },
            send,
          );
          return seeOther(ctx, `/posts/${postId}#comments`, position);
        }
        case "delete": {
          const { position } = await mediator.send({ type: "DeletePost", postId }, send);
          return seeOther(ctx, "/", position);
        }
      }
    } catch (error) {
      const values: Record<string, string> = "comment" in a ? { comment: a.comment } : {};
      const { state, status } = rejectForm(error, values);
      const post = await ctx.state.system.mediator.query({ type: "FindPostById", postId }, send)
        .catch(() => null);
      if (!post) throw error;
      return ctx.render({
        post,
        form: state,
        intent: a.intent,
        commentId: "commentId" in a ? a.commentId : undefined,
      }, { status });
    }
  },
});

export default define.page<typeof handler>(({ data, state }) => {
  const { post } = data;
  const me = state.actor;
  const isAuthor = me?.userId === post.author;
  const generalError = data.form?.error && data.intent !== "comment" &&
    data.intent !== "edit-comment";
  return (
    <>
      <article
        class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
        data-post-id={post.id}
      >
        {generalError && <FormAlert state={data.form} />}
        <header class="mb-3 flex items-baseline gap-2 text-sm">
          <a href={`/u/${post.authorName}`} class="font-semibold hover:underline">
            @{post.authorName}
          </a>
          <time datetime={post.createdAt} class="text-slate-500">{timeAgo(post.createdAt)}</time>
          {post.updatedAt && <span class="text-slate-400">· edited</span>}
          <a href={`/posts/${post.id}/history`} class="ml-auto text-indigo-600 hover:underline">
            History
          </a>
        </header>
        <p class="whitespace-pre-wrap break-words text-lg leading-relaxed" data-message>
          {post.message}
        </p>
        <footer class="mt-4 flex flex-wrap items-center gap-3 text-sm">
          {me
            ? <LikeButton postId={post.id} liked={post.likedByMe} likes={post.likes} />
            : <LiveLikes postId={post.id} likes={post.likes} />}
          {isAuthor && (
            <>
              <a href={`/posts/${post.id}/edit`} class="text-slate-600 hover:text-indigo-600">
                Edit
              </a>
              <form method="post" action={`/posts/${post.id}`}>
                <input type="hidden" name="intent" value="delete" />
                <button type="submit" class="text-red-600 hover:underline">Delete</button>
              </form>
            </>
          )}
        </footer>
      </article>

      <section id="comments" class="mt-6">
        <CommentList
          postId={post.id}
          comments={post.commentList.map(toCommentItem)}
          me={me?.userId ?? null}
          postAuthor={post.author}
          editError={data.intent === "edit-comment" && data.form?.error && data.commentId
            ? {
              commentId: data.commentId,
              message: data.form.error.message,
              value: data.form.values.comment ?? "",
            }
            : undefined}
        />
        {me
          ? (
            <form
              method="post"
              action={`/posts/${post.id}`}
              class="mt-4 rounded-xl border border-slate-200 bg-white p-4"
            >
              <input type="hidden" name="intent" value="comment" />
              {data.intent === "comment" && <FormAlert state={data.form} />}
              <Field
                name="comment"
                label="Add a comment"
                multiline
                maxLength={COMMENT_MAX}
                state={data.intent === "comment" ? data.form : undefined}
              />
              <button
                type="submit"
                class="rounded-md bg-indigo-600 px-4 py-1.5 text-sm font-semibold text-white hover:bg-indigo-700"
              >
                Comment
              </button>
            </form>
          )
          : (
            <p class="mt-4 text-sm text-slate-600">
              <a href={`/signin?next=/posts/${post.id}`} class="text-indigo-600 hover:underline">
                Sign in
              </a>{" "}
              to comment.
            </p>
          )}
      </section>
    </>
  );
});
