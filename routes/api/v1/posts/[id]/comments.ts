/**
 * `POST /api/v1/posts/:id/comments` {comment} -> 201 {id, position}.
 * Comments are read with their post (`GET /api/v1/posts/:id`).
 *
 * @module
 */
import { z } from "zod";
import { define, parseJson } from "../../../../../utils.ts";

const body = z.object({ comment: z.string({ error: "comment is required" }) });

/** POST: a new comment (201 {id, position}). */
export const handler = define.handlers({
  async POST(ctx) {
    const { comment } = await parseJson(ctx.req, body);
    const { commentId, position } = await ctx.state.system.mediator.send(
      { type: "AddComment", postId: ctx.params.id, comment },
      ctx.state.ctx,
    );
    return Response.json({ id: commentId, position }, { status: 201 });
  },
});
