/**
 * One comment: `PATCH /api/v1/posts/:id/comments/:commentId` {comment} ->
 * 200 {position} (its author only); `DELETE` -> 200 {position} (its author
 * or the post's author).
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import { z } from "zod";
import { parseJson } from "../../../../../../utils/json_body.ts";
import type { State } from "../../../../../../utils/state.ts";

const body = z.object({ comment: z.string({ error: "comment is required" }) });

/** PATCH: edit the comment; DELETE: remove it. */
export const handler: Handlers<unknown, State> = {
  async PATCH(req, ctx) {
    const { comment } = await parseJson(req, body);
    const { id: postId, commentId } = ctx.params;
    const { position } = await ctx.state.mediator.send(
      { type: "EditComment", postId, commentId, comment },
      ctx.state.ctx,
    );
    return Response.json({ position });
  },
  async DELETE(_req, ctx) {
    const { id: postId, commentId } = ctx.params;
    const { position } = await ctx.state.mediator.send(
      { type: "RemoveComment", postId, commentId },
      ctx.state.ctx,
    );
    return Response.json({ position });
  },
};
