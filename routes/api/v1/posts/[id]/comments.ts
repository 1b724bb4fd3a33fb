/**
 * `POST /api/v1/posts/:id/comments` {comment} -> 201 {id, position}.
 * Comments are read with their post (`GET /api/v1/posts/:id`).
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import { z } from "zod";
import { parseJson } from "../../../../../utils/json_body.ts";
import type { State } from "../../../../../utils/state.ts";

const body = z.object({ comment: z.string({ error: "comment is required" }) });

/** POST: a new comment (201 {id, position}). */
export const handler: Handlers<unknown, State> = {
  async POST(req, ctx) {
    const { comment } = await parseJson(req, body);
    const { commentId, position } = await ctx.state.mediator.send(
      { type: "AddComment", postId: ctx.params.id, comment },
      ctx.state.ctx,
    );
    return Response.json({ id: commentId, position }, { status: 201 });
  },
};
