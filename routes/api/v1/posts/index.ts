/**
 * The feed and new posts:
 * `GET /api/v1/posts?author=&tag=&withComments=true&minLikes=&limit=&cursor=` ->
 * 200 {posts, nextCursor} (newest first; pass `nextCursor` as `cursor` for
 * the next page); `POST /api/v1/posts` {message} -> 201 {id, version, position}.
 *
 * @module
 */
import type { Handlers } from "$fresh/server.ts";
import { z } from "zod";
import { toApiListItem } from "../../../../components/representations.ts";
import { validate } from "../../../../app/mediator.ts";
import { parseJson } from "../../../../utils/json_body.ts";
import type { State } from "../../../../utils/state.ts";

const INT_MAX = 2_147_483_647;
/** Posts per page when the client names no `limit`. */
const PAGE_SIZE = 20;

/** Query strings as they arrive: every value a string, an empty one meaning "not set". */
const listParams = z.object({
  author: z.string().max(100, { error: "author is too long" }).optional(),
  /** A `#tag` without its "#" (the query checks its characters). */
  tag: z.string().max(50, { error: "tag is too long" }).optional(),
  withComments: z.enum(["true", "false"], { error: "withComments must be true or false" })
    .transform((v) => v === "true").optional(),
  minLikes: z.coerce.number({ error: "minLikes must be a number" })
    .int({ error: "minLikes must be a whole number" })
    .min(0, { error: "minLikes must be 0 or more" })
    .max(INT_MAX, { error: "minLikes is too large" }).optional(),
  limit: z.coerce.number({ error: "limit must be a number" })
    .int({ error: "limit must be a whole number" })
    .min(1, { error: "limit must be between 1 and 100" })
    .max(100, { error: "limit must be between 1 and 100" }).optional(),
  cursor: z.string().max(200, { error: "cursor is invalid" }).optional(),
});

const body = z.object({ message: z.string({ error: "message is required" }) });

/** GET: a page of the feed; POST: a new post (201). */
export const handler: Handlers<unknown, State> = {
  async GET(_req, ctx) {
    const given = [...ctx.url.searchParams].filter(([, value]) => value !== "");
    const params = validate(listParams, Object.fromEntries(given));
    const page = await ctx.state.mediator.query(
      { type: "FindAllPosts", ...params, limit: params.limit ?? PAGE_SIZE },
      ctx.state.ctx,
    );
    return Response.json({ posts: page.posts.map(toApiListItem), nextCursor: page.nextCursor });
  },
  async POST(req, ctx) {
    const { message } = await parseJson(req, body);
    const { postId, version, position } = await ctx.state.mediator.send(
      { type: "CreatePost", message },
      ctx.state.ctx,
    );
    return Response.json({ id: postId, version, position }, {
      status: 201,
      headers: { location: `/api/v1/posts/${postId}` },
    });
  },
};
