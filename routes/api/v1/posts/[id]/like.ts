/**
 * The viewer's like: `PUT /api/v1/posts/:id/like` likes (a second like is a
 * no-op), `DELETE` unlikes; both answer 200 {likes, position}, `likes` being
 * the post's count right after this write (the write side knows it).
 *
 * @module
 */
import type { FreshContext, Handlers } from "$fresh/server.ts";
import type { State } from "../../../../../utils/state.ts";

async function likeOrUnlike(ctx: FreshContext<State>, type: "LikePost" | "UnlikePost") {
  // The write side answers the count its own write left: no read store, no wait.
  const { position, likes } = await ctx.state.mediator.send(
    { type, postId: ctx.params.id },
    ctx.state.ctx,
  );
  return Response.json({ likes, position });
}

/** PUT: like; DELETE: unlike; both answer the count after the write. */
export const handler: Handlers<unknown, State> = {
  PUT: (_req, ctx) => likeOrUnlike(ctx, "LikePost"),
  DELETE: (_req, ctx) => likeOrUnlike(ctx, "UnlikePost"),
};
