/**
 * One post: `GET /api/v1/posts/:id` -> 200 with its comments and an `ETag`
 * of its version (404 when unknown or removed); `PATCH` {message}, with an
 * optional `If-Match: "<version>"` (412 when stale) -> 200 {version, position};
 * `DELETE` -> 200 {position}.
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import { z } from "zod";
import { toApiPost } from "../../../../components/representations.ts";
import { PostNotFound, ValidationFailed } from "../../../../domain/mod.ts";
import { parseJson } from "../../../../utils/json_body.ts";
import type { State } from "../../../../utils/state.ts";

const body = z.object({ message: z.string({ error: "message is required" }) });

/** The version an `If-Match` names (`"3"`, or bare `3`); none for `*` or no header. */
function expectedVersion(req: Request): number | undefined {
  const value = req.headers.get("if-match")?.trim();
  if (value === undefined || value === "*") return undefined;
  const match = /^"?(\d{1,15})"?$/.exec(value);
  const version = match ? Number(match[1]) : 0;
  if (version < 1) {
    throw new ValidationFailed(`If-Match: must be a version the post had, e.g. "3"`, {
      "If-Match": `must be a version the post had, e.g. "3"`,
    });
  }
  return version;
}

/** GET: the post (with ETag); PATCH: edit its message; DELETE: remove it. */
export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const postId = ctx.params.id;
    const post = await ctx.state.mediator.query(
      { type: "FindPostById", postId },
      ctx.state.ctx,
    );
    if (!post) throw new PostNotFound(postId);
    return Response.json(toApiPost(post), { headers: { etag: `"${post.version}"` } });
  },
  async PATCH(req, ctx) {
    const expected = expectedVersion(req);
    const { message } = await parseJson(req, body);
    const { version, position } = await ctx.state.mediator.send(
      { type: "EditMessage", postId: ctx.params.id, message, expectedVersion: expected },
      ctx.state.ctx,
    );
    return Response.json({ version, position }, { headers: { etag: `"${version}"` } });
  },
  async DELETE(_req, ctx) {
    const { position } = await ctx.state.mediator.send(
      { type: "DeletePost", postId: ctx.params.id },
      ctx.state.ctx,
    );
    return Response.json({ position });
  },
};
