/**
 * `POST /api/v1/admin/restore-read-db` -> 202 {job}: starts rebuilding the
 * projection tables from the event store (or joins the running job);
 * administrators only. Follow it at `Location`.
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../../../utils/state.ts";

/** POST: starts Restore read DB (202 {job}). */
export const handler: Handlers<unknown, State> = {
  async POST(_req, ctx) {
    const { jobId } = await ctx.state.mediator.send(
      { type: "RestoreReadDb" },
      ctx.state.ctx,
    );
    return Response.json({ job: jobId }, {
      status: 202,
      headers: { location: `/api/v1/admin/restore-read-db/${jobId}` },
    });
  },
};
