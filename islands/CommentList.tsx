import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, liveSignal } from "../client/live.ts";
import type { CommentItem } from "../components/representations.ts";
import { timeAgo } from "../components/time.ts";
import type { LivePost } from "../routes/live.ts";

export type { CommentItem };

/** A rejected no-JS edit, shown again inside its comment. */
export type EditError = { commentId: string; message: string; value: string };

/**
 * The comments of a post. Without JavaScript each edit and remove is a form
 * (the edit form folds out of a <details>); with it, edits are inline and
 * saved in place, removals happen without a page load, and comments from
 * other people appear live.
 */
export default function CommentList(
  { postId, comments, me, postAuthor, editError }: {
    postId: string;
    comments: CommentItem[];
    me: string | null;
    postAuthor: string;
    editError?: EditError;
  },
) {
  const items = useSignal(comments);
  const editing = useSignal<string | null>(editError?.commentId ?? null);
  const draft = useSignal(editError?.value ?? "");
  const error = useSignal(editError?.message ?? "");
  const busy = useSignal(false);

  useEffect(() => {
    const live = liveSignal<LivePost>(`/live?post=${postId}`, "post");
    return live.subscribe((state) => {
      if (state && !state.removed && !busy.value) items.value = state.comments;
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
    busy.value = true;
    const before = items.value;
    items.value = items.value.filter((x) => x.id !== c.id);
    try {
      await api("DELETE", `/api/v1/posts/${postId}/comments/${c.id}`);
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
      <ul class="space-y-3">
        {list.map((c) => {
          const mine = me !== null && me === c.author;
          const canRemove = mine || (me !== null && me === postAuthor);
          const inline = editing.value === c.id;
          return (
            <li
              id={`comment-${c.id}`}
              key={c.id}
              class="rounded-lg border border-slate-200 bg-white p-3"
              data-comment-id={c.id}
            >
              <div class="mb-1 flex items-baseline gap-2 text-sm">
                <a href={`/u/${c.authorName}`} class="font-semibold hover:underline">
                  @{c.authorName}
                </a>
                <time datetime={c.createdAt} class="text-slate-500">{timeAgo(c.createdAt)}</time>
                {c.edited && <span class="text-slate-400">· edited</span>}
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
                    <textarea
                      name="comment"
                      rows={3}
                      maxLength={1000}
                      value={draft.value}
                      onInput={(e) => draft.value = (e.target as HTMLTextAreaElement).value}
                      class="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-indigo-400 focus:outline-none focus:ring-2 focus:ring-indigo-100"
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
                        class="rounded-md bg-indigo-600 px-3 py-1 text-white disabled:opacity-50"
                      >
                        Save
                      </button>
                      <button
                        type="button"
                        onClick={() => (editing.value = null)}
                        class="px-2 text-slate-600"
                      >
                        Cancel
                      </button>
                    </div>
                  </form>
                )
                : <p class="whitespace-pre-wrap break-words" data-comment-text>{c.comment}</p>}
              {!inline && (mine || canRemove) && (
                <div class="mt-2 flex gap-3 text-sm">
                  {mine && (
                    <details>
                      <summary
                        class="cursor-pointer text-slate-600 hover:text-indigo-600"
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
                          maxLength={1000}
                          class="block w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
                        >
                          {c.comment}
                        </textarea>
                        <button
                          type="submit"
                          class="mt-2 rounded-md bg-indigo-600 px-3 py-1 text-white"
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
                      <button type="submit" class="text-red-600 hover:underline">Remove</button>
                    </form>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
