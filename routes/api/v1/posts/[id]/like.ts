/**
 * The viewer's like: `PUT /api/v1/posts/:id/like` likes (a second like is a
 * no-op), `DELETE` unlikes; both answer 200 {likes, position}, `likes` being
 * the post's count once the write is projected.
 *
 * @module
 */
import type { FreshContext, Handlers } from "$fresh/server.ts";
import { PostRemoved } from "../../../../../domain/mod.ts";

import type { State } from "../../../../../utils/state.ts";

/** Read-your-writes for the answer itself: the count includes this write. */
const WAIT_MS = 5000;

async function likeOrUnlike(ctx: FreshContext<State>, type: "LikePost" | "UnlikePost") {
  const { mediator, readStore } = ctx.state.system;
  const postId = ctx.params.id;
  const { position } = await mediator.send({ type, postId }, ctx.state.ctx);
  await readStore.waitForPosition(position, WAIT_MS);
  const post = await mediator.query({ type: "FindPostById", postId }, ctx.state.ctx);
  // Removed by its author between the write and this read.
  if (!post) throw new PostRemoved(postId);
  return Response.json({ likes: post.likes, position });
}

/** PUT: like; DELETE: unlike; both answer the count after the write. */
export const handler: Handlers<unknown, State> = {
  PUT: (_req, ctx) => likeOrUnlike(ctx, "LikePost"),
  DELETE: (_req, ctx) => likeOrUnlike(ctx, "UnlikePost"),
};
