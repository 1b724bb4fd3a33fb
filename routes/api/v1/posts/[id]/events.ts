/**
 * `GET /api/v1/posts/:id/events` -> 200 {events}: the post's events with
 * their metadata, oldest first, read from the event store (the audit log);
 * 404 for a post that never existed. A removed post keeps its history.
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import type { State } from "../../../../../utils/state.ts";

/** GET: the post's events, oldest first. */
export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const events = await ctx.state.mediator.query(
      { type: "GetPostHistory", postId: ctx.params.id },
      ctx.state.ctx,
    );
    return Response.json({ events });
  },
};
