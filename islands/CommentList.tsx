import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, liveSignal } from "../client/live.ts";
import { Avatar } from "../components/Avatar.tsx";
import { CountedTextarea } from "../components/CountedTextarea.tsx";
import { Field } from "../components/Form.tsx";
import type { CommentItem } from "../components/representations.ts";
import { RichText } from "../components/RichText.tsx";
import { timeAgo } from "../components/time.ts";
import type { LivePost } from "../routes/live.ts";

export type { CommentItem };

/** A rejected no-JS edit, shown again inside its comment. */
export type EditError = { commentId: string; message: string; value: string };

/** The new-comment form of a signed-in reader: the text kept and the error of a rejected try. */
export type Composer = { value: string; error?: string };

/** The domain's COMMENT_MAX (not imported from domain/: that would bundle zod into the page). */
const COMMENT_MAX = 1000;

/**
 * The comments of a post. Without JavaScript each edit and remove is a form
 * (the edit form folds out of a <details>); with it, edits are inline and
 * saved in place, removals happen without a page load, and comments from
 * other people appear live.
 */
export default function CommentList(
  { postId, comments, me, postAuthor, editError, composer }: {
    postId: string;
    comments: CommentItem[];
    me: string | null;
    postAuthor: string;
    editError?: EditError;
    /** null when the reader is signed out (no form). */
    composer?: Composer | null;
  },
) {
  const items = useSignal(comments);
  const removed = useSignal(false);
  const announcement = useSignal("");
  const editing = useSignal<string | null>(editError?.commentId ?? null);
  const draft = useSignal(editError?.value ?? "");
  const error = useSignal(editError?.message ?? "");
  const busy = useSignal(false);

  useEffect(() => {
    const live = liveSignal<LivePost>(`/live?post=${postId}`, "post");
    return live.subscribe((state) => {
      if (!state) return;
      if (state.removed) {
        removed.value = true;
        return;
      }
      if (busy.value) return;
      const before = items.value.length;
      items.value = state.comments;
      const added = state.comments.length - before;
      if (added > 0) announcement.value = added === 1 ? "1 new comment" : `${added} new comments`;
    });
  }, [postId]);

  function startEdit(event: Event, c: CommentItem) {
    event.preventDefault(); // the <details> stays closed: the inline editor takes over
    editing.value = c.id;
    draft.value = c.comment;
    error.value = "";
  }

  async function save(event: Event, c: CommentItem) {
    event.preventDefault();
    busy.value = true;
    error.value = "";
    const before = items.value;
    const text = draft.value.trim();
    items.value = items.value.map((x) => x.id === c.id ? { ...x, comment: text, edited: true } : x);
    try {
      await api("PATCH", `/api/v1/posts/${postId}/comments/${c.id}`, { comment: draft.value });
      editing.value = null;
    } catch (e) {
      items.value = before;
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      busy.value = false;
    }
  }

  async function remove(event: Event, c: CommentItem) {
    event.preventDefault();
    if (!globalThis.confirm("Remove this comment? This cannot be undone.")) return;
    busy.value = true;
    const before = items.value;
    items.value = items.value.filter((x) => x.id !== c.id);
    try {
      await api("DELETE", `/api/v1/posts/${postId}/comments/${c.id}`);
      announcement.value = "Comment removed.";
    } catch (e) {
      items.value = before;
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      busy.value = false;
    }
  }

  const list = items.value;
  return (
    <div>
      <h2 class="mb-3 text-lg font-semibold" data-comment-count={list.length}>
        {list.length} {list.length === 1 ? "comment" : "comments"}
      </h2>
      <p class="sr-only" aria-live="polite" data-announce>{announcement.value}</p>
      {announcement.value === "Comment removed." && (
        <p role="status" class="mb-3 text-sm text-emerald-800" data-notice>Comment removed.</p>
      )}
      <ul class="space-y-3">
        {list.map((c) => {
          const mine = me !== null && me === c.author && !removed.value;
          const canRemove = !removed.value && (mine || (me !== null && me === postAuthor));
          const inline = editing.value === c.id;
          return (
            <li
              id={`comment-${c.id}`}
              key={c.id}
              class="rounded-lg border border-slate-200 bg-white p-3"
              data-comment-id={c.id}
            >
              <div class="mb-1 flex items-center gap-2 text-sm">
                <Avatar name={c.authorName} size="sm" />
                <a href={`/u/${c.authorName}`} class="font-semibold hover:underline">
                  @{c.authorName}
                </a>
                <time datetime={c.createdAt} class="text-slate-600">{timeAgo(c.createdAt)}</time>
                {c.edited && <span class="text-slate-600">· edited</span>}
              </div>
              {inline
                ? (
                  <form
                    method="post"
                    action={`/posts/${postId}`}
                    onSubmit={(e) => save(e, c)}
                    data-inline-editor
                  >
                    <input type="hidden" name="intent" value="edit-comment" />
                    <input type="hidden" name="commentId" value={c.id} />
                    <CountedTextarea
                      id={`edit-${c.id}`}
                      name="comment"
                      rows={3}
                      maxLength={COMMENT_MAX}
                      value={draft.value}
                      ariaLabel="Edit your comment"
                      onInput={(value) => draft.value = value}
                      class="block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-base focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-100 sm:text-sm"
                    />
                    {error.value && (
                      <p class="mt-1 text-sm text-red-600" role="alert" data-field-error="comment">
                        {error.value}
                      </p>
                    )}
                    <div class="mt-2 flex gap-2 text-sm">
                      <button
                        type="submit"
                        disabled={busy.value}
                        class="min-h-11 rounded-md bg-indigo-600 px-4 text-white disabled:opacity-50"
                      >
                        Save
                      </button>
                      <button
                        type="button"
                        onClick={() => (editing.value = null)}
                        class="min-h-11 px-3 text-slate-700"
                      >
                        Cancel
                      </button>
                    </div>
                  </form>
                )
                : (
                  <p class="whitespace-pre-wrap break-words" data-comment-text>
                    <RichText text={c.comment} />
                  </p>
                )}
              {!inline && (mine || canRemove) && (
                <div class="mt-1 flex gap-1 text-sm">
                  {mine && (
                    <details>
                      <summary
                        class="inline-flex min-h-11 cursor-pointer items-center px-2 font-medium text-slate-700 hover:text-indigo-700"
                        onClick={(e) => startEdit(e, c)}
                      >
                        Edit
                      </summary>
                      <form method="post" action={`/posts/${postId}`} class="mt-2">
                        <input type="hidden" name="intent" value="edit-comment" />
                        <input type="hidden" name="commentId" value={c.id} />
                        <textarea
                          name="comment"
                          rows={3}
                          maxLength={COMMENT_MAX}
                          aria-label="Edit your comment"
                          class="block w-full rounded-md border border-slate-400 bg-white px-3 py-2 text-base sm:text-sm"
                        >
                          {c.comment}
                        </textarea>
                        <button
                          type="submit"
                          class="mt-2 min-h-11 rounded-md bg-indigo-600 px-4 text-white"
                        >
                          Save
                        </button>
                      </form>
                    </details>
                  )}
                  {canRemove && (
                    <form
                      method="post"
                      action={`/posts/${postId}`}
                      onSubmit={(e) => remove(e, c)}
                    >
                      <input type="hidden" name="intent" value="remove-comment" />
                      <input type="hidden" name="commentId" value={c.id} />
                      <button
                        type="submit"
                        class="min-h-11 px-2 font-medium text-red-700 hover:underline"
                      >
                        Remove
                      </button>
                    </form>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {composer && (
        <form
          method="post"
          action={`/posts/${postId}`}
          class="mt-4 rounded-xl border border-slate-200 bg-white p-4"
          data-comment-form
        >
          <input type="hidden" name="intent" value="comment" />
          {removed.value
            ? <p class="text-sm text-slate-700">This post was deleted: it takes no new comments.</p>
            : (
              <>
                <Field
                  name="comment"
                  label="Add a comment"
                  multiline
                  maxLength={COMMENT_MAX}
                  state={{
                    values: { comment: composer.value },
                    error: composer.error
                      ? { message: composer.error, fields: { comment: composer.error }, code: "" }
                      : undefined,
                  }}
                />
                <button
                  type="submit"
                  class="min-h-11 rounded-md bg-indigo-600 px-4 text-sm font-semibold text-white hover:bg-indigo-700"
                >
                  Comment
                </button>
              </>
            )}
        </form>
      )}
    </div>
  );
}
