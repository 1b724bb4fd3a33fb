import { z } from "zod";
import type { PostState } from "./decider.ts";

const comment = z.object({
  author: z.string(),
  authorName: z.string(),
  comment: z.string(),
  createdAt: z.string(),
  updatedAt: z.string().nullable(),
});

/** A serialized PostState: sets and maps as arrays. */
const serialized = z.discriminatedUnion("status", [
  z.object({ status: z.literal("none"), version: z.literal(0) }),
  z.object({
    status: z.enum(["active", "removed"]),
    version: z.int().min(1),
    postId: z.string(),
    author: z.string(),
    authorName: z.string(),
    message: z.string(),
    createdAt: z.string(),
    updatedAt: z.string().nullable(),
    likers: z.array(z.string()),
    comments: z.array(z.tuple([z.string(), comment])),
  }),
]);

/**
 * How a Post state is written to and read from a snapshot. Bump
 * `schemaVersion` when PostState changes: older snapshots are then ignored
 * (and replaced), never misread. `deserialize` checks the shape and throws on
 * anything else, so a damaged snapshot is ignored too.
 *
 * @example
 * ```ts
 * const copy = postSnapshotCodec.deserialize(postSnapshotCodec.serialize(state));
 * ```
 */
export const postSnapshotCodec = {
  schemaVersion: 1,
  serialize(state: PostState): unknown {
    if (state.status === "none") return state;
    return { ...state, likers: [...state.likers], comments: [...state.comments] };
  },
  deserialize(data: unknown): PostState {
    const s = serialized.parse(data);
    if (s.status === "none") return s;
    return { ...s, likers: new Set(s.likers), comments: new Map(s.comments) };
  },
} as const;
