/**
 * Stream ids: one stream per post (`post-<postId>`) and one per username
 * (`user-<username>`, so registering a name twice conflicts). Built and parsed
 * only here.
 *
 * @module
 */

/** The kinds of stream the store holds; a stream id starts with its kind and a dash. */
export type StreamKind = "post" | "user";

/** A stream id taken apart. */
export type ParsedStreamId =
  | { readonly kind: "post"; readonly postId: string }
  | { readonly kind: "user"; readonly username: string };

/** The stream id of a post. */
export function postStreamId(postId: string): string {
  return `post-${postId}`;
}

/** The stream id of a user: derived from the (lower-cased) username. */
export function userStreamId(username: string): string {
  return `user-${username.toLowerCase()}`;
}

/**
 * Takes a stream id apart; null for one of no known kind.
 *
 * @example
 * ```ts
 * parseStreamId("user-alice"); // { kind: "user", username: "alice" }
 * ```
 */
export function parseStreamId(streamId: string): ParsedStreamId | null {
  const kind = streamTypeOf(streamId);
  const rest = streamId.slice(kind.length + 1);
  if (rest.length === 0) return null;
  if (kind === "post") return { kind, postId: rest };
  if (kind === "user") return { kind, username: rest };
  return null;
}

/** The post id of a post's stream id; throws for any other stream (a damaged store). */
export function postIdOf(streamId: string): string {
  const parsed = parseStreamId(streamId);
  if (parsed?.kind !== "post") throw new Error(`${streamId} is not a post's stream`);
  return parsed.postId;
}

/** The stream type stored with each event: the id's prefix (`post-…` is "post"). */
export function streamTypeOf(streamId: string): string {
  const dash = streamId.indexOf("-");
  return dash > 0 ? streamId.slice(0, dash) : streamId;
}
