import type { CommentState, PostState } from "./decider.ts";

/**
 * How a Post state is written to and read from a snapshot. Bump
 * `schemaVersion` when PostState changes: older snapshots are then ignored
 * (and replaced), never misread.
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
    const s = data as PostState & { likers: string[]; comments: [string, CommentState][] };
    if (s.status === "none") return { status: "none", version: 0 };
    return { ...s, likers: new Set(s.likers), comments: new Map(s.comments) };
  },
} as const;
