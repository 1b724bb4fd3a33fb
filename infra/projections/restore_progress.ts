/**
 * A restore job's percent: 100 once done, else done/total capped at 99 (the
 * total is counted at the start and the store keeps growing).
 *
 * @example
 * ```ts
 * restorePercent({ status: "running", done: 50, total: 200 }); // 25
 * ```
 */
export function restorePercent(job: { status: string; done: number; total: number }): number {
  if (job.status === "done") return 100;
  if (job.total <= 0) return 0;
  return Math.min(99, Math.floor((job.done * 100) / job.total));
}
