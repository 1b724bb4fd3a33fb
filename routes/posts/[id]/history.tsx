import type { Handlers, PageProps } from "$fresh/server.ts";
import { z } from "zod";
import { timeAgo } from "../../../components/time.ts";
import type { HistoryEntry, PostState } from "../../../domain/mod.ts";
import type { State } from "../../../utils/state.ts";

type Data = {
  title: string;
  postId: string;
  entries: HistoryEntry[];
  at: number;
  state: PostState;
};

const query = z.object({ v: z.coerce.number().int().min(1).optional().catch(undefined) });

export const handler: Handlers<Data, State> = {
  async GET(_req, ctx) {
    const postId = ctx.params.id;
    const { v } = query.parse(Object.fromEntries(ctx.url.searchParams));
    // Time travel: the post as it was at version `at` (the query folds, not the page).
    const { entries, version: at, state } = await ctx.state.mediator.query(
      { type: "GetPostAsOf", postId, version: v },
      ctx.state.ctx,
    );
    return ctx.render({ title: `History of a post (v${at})`, postId, entries, at, state });
  },
};

const labels: Record<string, string> = {
  PostCreated: "created the post",
  MessageUpdated: "edited the message",
  PostLiked: "liked it",
  PostUnliked: "took back a like",
  CommentAdded: "commented",
  CommentUpdated: "edited a comment",
  CommentRemoved: "removed a comment",
  PostRemoved: "deleted the post",
};

function describe(entry: HistoryEntry, names: Map<string, string>): string {
  const data = entry.data as Record<string, string>;
  const who = names.get(entry.userId ?? "") ??
    (entry.userId ? `user ${entry.userId.slice(0, 8)}` : "system");
  const what = labels[entry.type] ?? entry.type;
  const detail = data.message ?? data.comment ?? "";
  return `@${who} ${what}${
    detail ? `: “${detail.length > 80 ? detail.slice(0, 80) + "…" : detail}”` : ""
  }`;
}

export default function HistoryPage({ data }: PageProps<Data, State>) {
  const { entries, at, state, postId } = data;
  const names = new Map<string, string>();
  for (const e of entries) {
    const d = e.data as Record<string, string>;
    if (d.author && d.authorName) names.set(d.author, d.authorName);
  }
  return (
    <>
      <div class="mb-4 flex items-baseline gap-3">
        <h1 class="text-2xl font-bold">History</h1>
        <a
          href={`/posts/${postId}`}
          class="inline-flex min-h-11 items-center text-sm font-medium text-indigo-700 hover:underline"
        >
          back to the post
        </a>
      </div>

      <section
        class="mb-6 rounded-xl border border-indigo-200 bg-indigo-50/50 p-4"
        data-time-travel
      >
        <p class="mb-2 text-sm font-medium text-indigo-900">
          As it was at version {at} of {entries.at(-1)?.version ?? 0}
        </p>
        {state.status === "none"
          ? <p class="text-slate-700">Nothing yet.</p>
          : (
            <div class={state.status === "removed" ? "opacity-60" : ""}>
              {state.status === "removed" && (
                <p class="mb-1 text-sm font-semibold text-red-700">deleted</p>
              )}
              <p class="whitespace-pre-wrap text-lg" data-state-message>{state.message}</p>
              <p class="mt-2 text-sm text-slate-700">
                <span data-state-likes>{state.likers.size}</span> likes ·{" "}
                <span data-state-comments>{state.comments.size}</span> comments
              </p>
              {state.comments.size > 0 && (
                <ul class="mt-2 space-y-1 text-sm">
                  {[...state.comments.values()].map((c) => (
                    <li class="rounded bg-white px-2 py-1">@{c.authorName}: {c.comment}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
      </section>

      <ol class="relative space-y-3 border-l-2 border-slate-200 pl-5" data-timeline>
        {entries.map((e) => (
          <li key={e.eventId} class="relative" data-event-type={e.type}>
            <span
              class={`absolute -left-[27px] top-1.5 h-3 w-3 rounded-full border-2 border-white ${
                e.version <= at ? "bg-indigo-500" : "bg-slate-300"
              }`}
            />
            <div class="flex flex-wrap items-baseline gap-2 text-sm">
              <a
                href={`/posts/${postId}/history?v=${e.version}`}
                class="inline-flex min-h-11 min-w-11 items-center font-mono font-medium text-indigo-700 hover:underline"
              >
                v{e.version}
              </a>
              <span class="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
                {e.type}
              </span>
              <time datetime={e.occurredAt} class="text-slate-600" title={e.occurredAt}>
                {timeAgo(e.occurredAt)}
              </time>
            </div>
            <p class="mt-0.5 text-[15px]">{describe(e, names)}</p>
            <p class="mt-0.5 font-mono text-xs text-slate-600">
              position {e.position} · correlation {e.correlationId.slice(0, 8)}{" "}
              · schema v{e.schemaVersion}
            </p>
          </li>
        ))}
      </ol>
    </>
  );
}
