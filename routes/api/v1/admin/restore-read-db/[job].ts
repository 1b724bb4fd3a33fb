/**
 * `GET /api/v1/admin/restore-read-db/:job` -> 200 with the job's progress
 * (status, done/total, percent, error, times); 404 for an unknown job;
 * administrators only.
 *
 * @module
 */
import { define } from "../../../../../utils.ts";
import { HttpError } from "../../../../../infra/web/mod.ts";

/** GET: a restore job's progress. */
export const handler = define.handlers({
  async GET(ctx) {
    const job = await ctx.state.system.mediator.query(
      { type: "GetRestoreJob", jobId: ctx.params.job },
      ctx.state.ctx,
    );
    if (!job) {
      throw new HttpError(404, `no restore job ${ctx.params.job}`, { code: "job_not_found" });
    }
    return Response.json(job);
  },
});
