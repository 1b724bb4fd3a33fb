import type { RestoreJob, RestoreStatus } from "../../app/ports.ts";
import type { Sql } from "../postgres/connect.ts";
import type { Tx } from "./apply_event.ts";
import { restorePercent } from "./restore_progress.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type JobRow = {
  id: string;
  status: RestoreStatus;
  requested_by: string;
  total: string;
  done: string;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
};

/**
 * The bookkeeping of Restore read DB jobs in `restore_jobs` (one row per
 * job; at most one running, enforced by a unique index).
 *
 * @example
 * ```ts
 * const jobs = restoreJobs(readSql);
 * const job = await jobs.find(jobId);
 * ```
 */
export function restoreJobs(readSql: Sql) {
  return {
    /** A job by id, null when unknown or not a UUID. */
    async find(jobId: string): Promise<RestoreJob | null> {
      if (!UUID.test(jobId)) return null;
      const [row] = await readSql<JobRow[]>`
        select id, status, requested_by, total::text, done::text, error, started_at, finished_at
        from restore_jobs where id = ${jobId}`;
      return row ? toJob(row) : null;
    },
    /** The id of the running job, if any. */
    async running(): Promise<string | null> {
      const [row] = await readSql<{ id: string }[]>`
        select id from restore_jobs where status in ('running', 'swapping')`;
      return row?.id ?? null;
    },
    /** Inserts a running job (on the caller's connection: the lock holder's). */
    async create(on: Sql, job: { id: string; requestedBy: string; total: number }) {
      await on`insert into restore_jobs (id, status, requested_by, total)
               values (${job.id}, 'running', ${job.requestedBy}, ${job.total})`;
    },
    /** Marks jobs left running by a dead process as failed; returns their ids. */
    async abandonRunning(on: Sql): Promise<string[]> {
      const rows = await on<{ id: string }[]>`
        update restore_jobs
        set status = 'failed', error = 'abandoned: the restoring process stopped',
            finished_at = now()
        where status in ('running', 'swapping')
        returning id`;
      return rows.map((r) => r.id);
    },
    /** Records progress inside the transaction that applied the events. */
    async progress(tx: Tx, jobId: string, done: number) {
      await tx`update public.restore_jobs set done = ${done}, total = greatest(total, ${done})
               where id = ${jobId}`;
    },
    async swapping(jobId: string) {
      await readSql`update restore_jobs set status = 'swapping' where id = ${jobId}`;
    },
    /** Marks the job done inside the swap's transaction. */
    async done(tx: Tx, jobId: string, done: number) {
      await tx`update public.restore_jobs
               set status = 'done', done = ${done}, total = greatest(total, ${done}),
                   finished_at = now()
               where id = ${jobId}`;
    },
    async failed(jobId: string, error: string) {
      await readSql`update restore_jobs set status = 'failed', error = ${error}, finished_at = now()
                    where id = ${jobId}`;
    },
  };
}

/** The job bookkeeping `restoreJobs` returns. */
export type RestoreJobs = ReturnType<typeof restoreJobs>;

function toJob(row: JobRow): RestoreJob {
  const total = Number(row.total);
  const done = Number(row.done);
  return {
    id: row.id,
    status: row.status,
    requestedBy: row.requested_by,
    total,
    done,
    percent: restorePercent({ status: row.status, done, total }),
    error: row.error,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
