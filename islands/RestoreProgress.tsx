import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/** A restore job as the admin page passes it (dates as strings). */
export type RestoreJobProps = {
  id: string;
  status: string;
  total: number;
  done: number;
  percent: number;
  error: string | null;
};

/**
 * The Restore read DB progress bar. Server-rendered with the job's state;
 * in the browser it follows the job live through the progress API.
 */
export default function RestoreProgress({ job }: { job: RestoreJobProps }) {
  const current = useSignal(job);
  useEffect(() => {
    let stopped = false;
    async function poll() {
      while (
        !stopped && (current.value.status === "running" || current.value.status === "swapping")
      ) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const res = await fetch(`/api/v1/admin/restore-read-db/${job.id}`, {
          headers: { accept: "application/json" },
        }).catch(() => null);
        if (res?.ok) current.value = await res.json();
      }
    }
    poll();
    return () => {
      stopped = true;
    };
  }, []);
  const j = current.value;
  const finished = j.status === "done" || j.status === "failed";
  return (
    <div data-restore-job={j.id} data-status={j.status}>
      <div class="mb-1 flex justify-between text-sm">
        <span class="font-medium">
          {j.status === "done"
            ? "Done"
            : j.status === "failed"
            ? "Failed"
            : j.status === "swapping"
            ? "Swapping in…"
            : "Rebuilding…"}
        </span>
        <span class="tabular-nums text-slate-600">{j.done} / {j.total} events · {j.percent}%</span>
      </div>
      <div
        class="h-3 w-full overflow-hidden rounded-full bg-slate-200"
        role="progressbar"
        aria-valuenow={j.percent}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div
          class={`h-full rounded-full transition-all ${
            j.status === "failed" ? "bg-red-500" : "bg-indigo-600"
          }`}
          style={{ width: `${j.percent}%` }}
        />
      </div>
      {j.error && <p class="mt-2 text-sm text-red-600">{j.error}</p>}
      {finished && (
        <a href="/admin" class="mt-3 inline-block text-sm font-medium text-indigo-700 underline">
          Back to the status
        </a>
      )}
      {!finished && (
        <noscript>
          <a
            href={`/admin?job=${j.id}`}
            class="mt-3 inline-block text-sm font-medium text-indigo-700 underline"
          >
            Refresh
          </a>
        </noscript>
      )}
    </div>
  );
}
