import type { FreshContext, Handlers, PageProps } from "$fresh/server.ts";
import { z } from "zod";
import { Avatar } from "../../components/Avatar.tsx";
import { Card, FormAlert } from "../../components/Form.tsx";
import { toCommentItem } from "../../components/representations.ts";
import { timeAgo } from "../../components/time.ts";
import { excerpt } from "../../components/title.ts";
import CommentList from "../../islands/CommentList.tsx";
import ConfirmForm from "../../islands/ConfirmForm.tsx";
import LikeButton from "../../islands/LikeButton.tsx";
import LiveLikes from "../../islands/LiveLikes.tsx";
import PostBody from "../../islands/PostBody.tsx";
import { NotAuthor, type PostDetail, PostNotFound, Unauthenticated } from "../../domain/mod.ts";

import { formFields, type FormState, rejectForm } from "../../utils/forms.ts";
import { redirect } from "../../utils/redirect.ts";
import { findPost } from "../../utils/find_post.ts";
import type { State } from "../../utils/state.ts";
import { cachedPage } from "../../utils/page_cache.ts";

type Data = {
  title: string;
  post: PostDetail;
  form?: FormState;
  intent?: string;
  commentId?: string;
  /** Without JavaScript, a delete or a removal asks first on a page of its own. */
  confirm?: "delete" | "remove-comment";
};

/** The page's title: who wrote it and how it starts. */
function titleOf(post: PostDetail): string {
  return `@${post.authorName}: “${excerpt(post.message, 50)}”`;
}

/** "yes" only when the person confirmed (the dialog, or the confirmation page). */
const confirmed = z.string().optional().transform((v) => v === "yes");

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
  z.object({
    intent: z.literal("remove-comment"),
    commentId: z.string().default(""),
    confirmed,
  }),
  z.object({ intent: z.literal("delete"), confirmed }),
], { error: "unknown action" });

async function load(ctx: FreshContext<State, Data>): Promise<PostDetail> {
  const post = await findPost(ctx.state.mediator, ctx.params.id, ctx.state.ctx);
  if (!post) throw new PostNotFound(ctx.params.id);
  return post;
}

export const handler: Handlers<Data, State> = {
  GET: cachedPage(async (_req, ctx) => {
    const post = await load(ctx);
    return ctx.render({ title: titleOf(post), post });
  }),
  async POST(req, ctx) {
    const postId = ctx.params.id;
    const action = actions.safeParse(await formFields(req));
    if (!action.success) {
      const post = await load(ctx);
      return ctx.render({ title: titleOf(post), post }, { status: 400 });
    }
    const a = action.data;
    const { mediator } = ctx.state;
    const send = ctx.state.ctx;
    try {
      if (!ctx.state.actor) throw new Unauthenticated("sign in first");
      switch (a.intent) {
        case "like":
        case "unlike": {
          const type = a.intent === "like" ? "LikePost" : "UnlikePost";
          await mediator.send({ type, postId }, send);
          return redirect(`/posts/${postId}`);
        }
        case "comment": {
          await mediator.send({
            type: "AddComment",
            postId,
            comment: a.comment,
          }, send);
          return redirect(`/posts/${postId}#comments`);
        }
        case "edit-comment": {
          await mediator.send(
            { type: "EditComment", postId, commentId: a.commentId, comment: a.comment },
            send,
          );
          return redirect(`/posts/${postId}#comment-${a.commentId}`);
        }
        case "remove-comment": {
          if (!a.confirmed) {
            const post = await load(ctx);
            const comment = post.commentList.find((c) => c.id === a.commentId);
            const me = ctx.state.actor.userId;
            if (comment && comment.author !== me && post.author !== me) {
              throw new NotAuthor("only the comment's or the post's author can remove it");
            }
            if (comment) {
              return ctx.render({
                title: "Remove this comment?",
                post,
                confirm: "remove-comment",
                commentId: comment.id,
              });
            }
          }
          await mediator.send(
            { type: "RemoveComment", postId, commentId: a.commentId },
            send,
          );
          return redirect(`/posts/${postId}?notice=comment-removed#comments`);
        }
        case "delete": {
          if (!a.confirmed) {
            const post = await load(ctx);
            if (post.author !== ctx.state.actor.userId) {
              throw new NotAuthor("only the author can delete this post");
            }
            return ctx.render({ title: "Delete this post?", post, confirm: "delete" });
          }
          await mediator.send({ type: "DeletePost", postId }, send);
          return redirect("/?notice=post-deleted");
        }
      }
    } catch (error) {
      const values: Record<string, string> = "comment" in a ? { comment: a.comment } : {};
      const { state, status } = rejectForm(error, values);
      const post = await findPost(ctx.state.mediator, postId, send);
      if (!post) throw error;
      return ctx.render({
        title: titleOf(post),
        post,
        form: state,
        intent: a.intent,
        commentId: "commentId" in a ? a.commentId : undefined,
      }, { status });
    }
  },
};

/** The no-JavaScript confirmation of a delete or a removal. */
function Confirmation({ data }: { data: Data }) {
  const { post } = data;
  const deleting = data.confirm === "delete";
  const comment = post.commentList.find((c) => c.id === data.commentId);
  return (
    <div class="mx-auto max-w-md" data-confirm={data.confirm}>
      <h1 class="mb-4 text-2xl font-bold">
        {deleting ? "Delete this post?" : "Remove this comment?"}
      </h1>
      <Card>
        <blockquote class="mb-4 whitespace-pre-wrap break-words border-l-4 border-slate-300 pl-3 text-slate-700">
          {deleting ? post.message : comment?.comment}
        </blockquote>
        <p class="mb-4 text-sm text-slate-700">
          {deleting
            ? "Its likes and comments go with it. This cannot be undone."
            : "This cannot be undone."}
        </p>
        <form method="post" action={`/posts/${post.id}`} class="flex items-center gap-3">
          <input type="hidden" name="intent" value={data.confirm} />
          {!deleting && <input type="hidden" name="commentId" value={data.commentId} />}
          <input type="hidden" name="confirmed" value="yes" />
          <button
            type="submit"
            class="min-h-11 rounded-md bg-red-700 px-4 py-2 text-sm font-semibold text-white hover:bg-red-800"
          >
            {deleting ? "Delete post" : "Remove comment"}
          </button>
          <a
            href={`/posts/${post.id}`}
            class="inline-flex min-h-11 items-center px-3 text-sm font-medium text-slate-700 hover:underline"
          >
            Cancel
          </a>
        </form>
      </Card>
    </div>
  );
}

export default function IdPage({ data, state }: PageProps<Data, State>) {
  if (data.confirm) return <Confirmation data={data} />;
  const { post } = data;
  const me = state.actor;
  const isAuthor = me?.userId === post.author;
  const generalError = data.form?.error && data.intent !== "comment" &&
    data.intent !== "edit-comment";
  const commentError = data.intent === "comment" ? data.form : undefined;
  return (
    <>
      <article
        class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm"
        data-post-id={post.id}
        aria-labelledby="post-title"
      >
        <h1 id="post-title" class="sr-only">Post by @{post.authorName}</h1>
        {generalError && <FormAlert state={data.form} />}
        <header class="mb-3 flex items-center gap-3 text-sm">
          <Avatar name={post.authorName} />
          <div class="flex min-w-0 flex-wrap items-baseline gap-x-2">
            <a href={`/u/${post.authorName}`} class="font-semibold hover:underline">
              @{post.authorName}
            </a>
            <time datetime={post.createdAt} class="text-slate-600">
              {timeAgo(post.createdAt)}
            </time>
          </div>
          <a
            href={`/posts/${post.id}/history`}
            class="ml-auto inline-flex min-h-11 items-center px-2 font-medium text-indigo-700 hover:underline"
          >
            History
          </a>
        </header>
        <PostBody postId={post.id} message={post.message} updatedAt={post.updatedAt} />
        <footer class="mt-4 flex flex-wrap items-center gap-3 text-sm">
          {me
            ? <LikeButton postId={post.id} liked={post.likedByMe} likes={post.likes} />
            : <LiveLikes postId={post.id} likes={post.likes} />}
          {isAuthor && (
            <>
              <a
                href={`/posts/${post.id}/edit`}
                class="inline-flex min-h-11 items-center px-2 font-medium text-slate-700 hover:text-indigo-700"
              >
                Edit
              </a>
              <ConfirmForm
                action={`/posts/${post.id}`}
                fields={{ intent: "delete" }}
                question="Delete this post? Its likes and comments go with it. This cannot be undone."
                label="Delete"
                buttonClass="min-h-11 px-2 font-medium text-red-700 hover:underline"
              />
            </>
          )}
        </footer>
      </article>

      <section id="comments" class="mt-6" aria-label="Comments">
        <CommentList
          postId={post.id}
          comments={post.commentList.map(toCommentItem)}
          me={me?.userId ?? null}
          postAuthor={post.author}
          editError={data.intent === "edit-comment" && data.form?.error && data.commentId
            ? {
              commentId: data.commentId,
              message: data.form.error.fields.comment ?? data.form.error.message,
              value: data.form.values.comment ?? "",
            }
            : undefined}
          composer={me
            ? {
              value: commentError?.values.comment ?? "",
              error: commentError?.error
                ? commentError.error.fields.comment ?? commentError.error.message
                : undefined,
            }
            : null}
        />
        {!me && (
          <p class="mt-4 text-sm text-slate-700">
            <a
              href={`/signin?next=/posts/${post.id}`}
              class="font-medium text-indigo-700 hover:underline"
            >
              Sign in
            </a>{" "}
            to comment.
          </p>
        )}
      </section>
    </>
  );
}
