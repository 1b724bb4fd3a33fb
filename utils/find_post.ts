/**
 * A post page's lookup: a malformed id is a post that does not exist (404),
 * while any other failure (the read store down) stays the error it is (500),
 * never a 404.
 *
 * @module
 */
import type { RequestContext } from "../app/context.ts";
import type { Mediator } from "../app/mediator.ts";
import { type PostDetail, ValidationFailed } from "../domain/mod.ts";

/**
 * The post with this id, or null when there is none or the id cannot be one.
 *
 * @example
 * ```ts
 * const post = await findPost(ctx.state.mediator, ctx.params.id, ctx.state.ctx);
 * if (!post) return ctx.renderNotFound();
 * ```
 */
export async function findPost(
  mediator: Mediator,
  postId: string,
  ctx: RequestContext,
): Promise<PostDetail | null> {
  try {
    return await mediator.query({ type: "FindPostById", postId }, ctx);
  } catch (error) {
    if (error instanceof ValidationFailed) return null;
    throw error;
  }
}
