import type { Handlers, PageProps } from "$fresh/server.ts";
import { redirect } from "../utils/redirect.ts";
import { z } from "zod";
import { FormAlert } from "../components/Form.tsx";
import { timeAgo } from "../components/time.ts";
import type { ProjectionStatus, RestoreJob } from "../app/ports.ts";
import RestoreProgress from "../islands/RestoreProgress.tsx";
import { validate } from "../app/mediator.ts";
import { formFields, type FormState, rejectForm } from "../utils/forms.ts";
import type { State } from "../utils/state.ts";

type Data = {
  title: string;
  status: ProjectionStatus;
  job: RestoreJob | null;
  form?: FormState;
  notice?: string;
};

const actions = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("restore") }),
  z.object({ intent: z.literal("retry"), id: z.string().default("") }),
]);

export const handler: Handlers<Data, State> = {
  async GET(_req, ctx) {
    if (!ctx.state.actor) return redirect("/signin?next=/admin");
    const { mediator } = ctx.state;
    const status = await mediator.query({ type: "GetProjectionStatus" }, ctx.state.ctx);
    const jobId = ctx.url.searchParams.get("job");
    const job = jobId && z.uuid().safeParse(jobId).success
      ? await mediator.query({ type: "GetRestoreJob", jobId }, ctx.state.ctx)
      : null;
    return ctx.render({ title: "Admin", status, job });
  },
  async POST(req, ctx) {
    const { mediator } = ctx.state;
    const fields = await formFields(req);
    try {
      // An unknown intent is a 400 naming the field, like any bad input.
      const action = validate(actions, fields);
      if (action.intent === "restore") {
        const { jobId } = await mediator.send({ type: "RestoreReadDb" }, ctx.state.ctx);
        return redirect(`/admin?job=${jobId}`, 303);
      }
      const { applied } = await mediator.send(
        { type: "RetryDeadLetter", id: Number(action.id) },
        ctx.state.ctx,
      );
      const status = await mediator.query({ type: "GetProjectionStatus" }, ctx.state.ctx);
      return ctx.render({
        title: "Admin",
        status,
        job: null,
        notice: applied ? "The event's stream was projected again." : "The retry did not succeed.",
      });
    } catch (error) {
      const { state, status: code } = rejectForm(error, {});
      const status = await mediator.query({ type: "GetProjectionStatus" }, ctx.state.ctx);
      return ctx.render({ title: "Admin", status, job: null, form: state }, { status: code });
    }
  },
};

function Stat({ label, value, hint }: { label: string; value: string | number; hint?: string }) {
  return (
    <div class="rounded-lg border border-slate-200 bg-white p-4">
      <p class="text-xs uppercase tracking-wide text-slate-600">{label}</p>
      <p class="mt-1 text-2xl font-semibold tabular-nums" data-stat={label}>{value}</p>
      {hint && <p class="text-xs text-slate-600">{hint}</p>}
    </div>
  );
}

export default function AdminPage({ data }: PageProps<Data, State>) {
  const { status, job } = data;
  return (
    <>
      <h1 class="mb-4 text-2xl font-bold">Admin</h1>
      <FormAlert state={data.form} />
      {data.notice && (
        <p class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {data.notice}
        </p>
      )}

      <div class="mb-6 grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Stat label="Event store" value={status.storePosition} hint="last position" />
        <Stat label="Projected" value={status.appliedPosition} hint="last applied position" />
        <Stat
          label="Lag"
          value={status.lagEvents}
          hint={`${(status.lagMs / 1000).toFixed(1)} s behind`}
        />
        <Stat label="Dead letters" value={status.deadLetters.length} />
      </div>

      <section class="mb-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 class="mb-2 text-lg font-semibold">Restore read DB</h2>
        <p class="mb-3 text-sm text-slate-600">
          Rebuilds every projection table from the event store into new tables and swaps them in.
          The site keeps serving the current tables meanwhile.
        </p>
        {job
          ? (
            <RestoreProgress
              job={{
                id: job.id,
                status: job.status,
                total: job.total,
                done: job.done,
                percent: job.percent,
                error: job.error,
              }}
            />
          )
          : (
            <form method="post" action="/admin">
              <input type="hidden" name="intent" value="restore" />
              <button
                type="submit"
                class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-700"
              >
                Restore read DB
              </button>
            </form>
          )}
      </section>

      <section class="mb-6 rounded-xl border border-slate-200 bg-white p-5">
        <h2 class="mb-2 text-lg font-semibold">Projector checkpoints</h2>
        {status.checkpoints.length === 0
          ? <p class="text-sm text-slate-600">No batch applied yet.</p>
          : (
            <table class="w-full text-left text-sm" data-checkpoints>
              <thead class="text-slate-600">
                <tr>
                  <th class="py-1">group</th>
                  <th>topic</th>
                  <th>partition</th>
                  <th>next offset</th>
                  <th>updated</th>
                </tr>
              </thead>
              <tbody>
                {status.checkpoints.map((c) => (
                  <tr class="border-t border-slate-100">
                    <td class="py-1 font-mono text-xs">{c.consumerGroup}</td>
                    <td class="font-mono text-xs">{c.topic}</td>
                    <td class="tabular-nums">{c.partition}</td>
                    <td class="tabular-nums">{c.nextOffset}</td>
                    <td class="text-slate-600">{timeAgo(c.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>

      <section class="rounded-xl border border-slate-200 bg-white p-5">
        <h2 class="mb-2 text-lg font-semibold">Dead letters</h2>
        {status.deadLetters.length === 0
          ? <p class="text-sm text-slate-600">None. Every event was applied.</p>
          : (
            <ul class="space-y-2" data-dead-letters>
              {status.deadLetters.map((d) => (
                <li class="rounded-md border border-red-100 bg-red-50/50 p-3 text-sm">
                  <p class="font-mono text-xs">
                    {d.streamId} v{d.streamVersion ?? "?"} · {d.eventType}
                  </p>
                  <p class="mt-1 text-red-700">{d.error}</p>
                  <form method="post" action="/admin" class="mt-2">
                    <input type="hidden" name="intent" value="retry" />
                    <input type="hidden" name="id" value={String(d.id)} />
                    <button
                      type="submit"
                      class="rounded border border-slate-300 bg-white px-2 py-0.5 hover:bg-slate-50"
                    >
                      Retry
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          )}
      </section>
    </>
  );
}
