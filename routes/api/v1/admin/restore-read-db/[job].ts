/**
 * `GET /api/v1/admin/restore-read-db/:job` -> 200 with the job's progress
 * (status, done/total, percent, error, times); 404 for an unknown job;
 * administrators only.
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../../../../utils/state.ts";
import { HttpError } from "../../../../../utils/http_error.ts";

/** GET: a restore job's progress. */
export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const job = await ctx.state.mediator.query(
      { type: "GetRestoreJob", jobId: ctx.params.job },
      ctx.state.ctx,
    );
    if (!job) {
      throw new HttpError(404, `no restore job ${ctx.params.job}`, { code: "job_not_found" });
    }
    return Response.json(job);
  },
};
