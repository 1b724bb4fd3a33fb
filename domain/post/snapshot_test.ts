import assert from "node:assert/strict";
import { alice, bob, carol, T0 } from "../test_utils.ts";
import type { PostDecision } from "./commands.ts";
import { fold, initialState, type PostState } from "./decider.ts";
import type { PostEvent } from "./events.ts";
import { postSnapshotShape as shape } from "./snapshot.ts";

const POST = "00000000-0000-4000-8000-0000000000aa";
const COMMENT = "00000000-0000-4000-8000-0000000000cc";

const history: PostEvent[] = [
  {
    type: "PostCreated",
    data: { postId: POST, author: alice.userId, authorName: "alice", message: "m", at: T0 },
  },
  { type: "PostLiked", data: { userId: bob.userId, at: T0 } },
  { type: "PostLiked", data: { userId: carol.userId, at: T0 } },
  {
    type: "CommentAdded",
    data: { commentId: COMMENT, author: bob.userId, authorName: "bob", comment: "c", at: T0 },
  },
];

/** The state through JSON as a snapshot keeps it, with the entries named by `keys`. */
function throughSnapshot(state: PostState, keys: readonly string[]): PostState {
  const entries = keys.flatMap((key) => {
    const value = shape.entry(state, key);
    return value === undefined ? [] : [[key, value] as const];
  });
  const stored = JSON.parse(JSON.stringify({ head: shape.head(state), entries }));
  return shape.restore(stored.head, stored.entries);
}

Deno.test("Post snapshot - the head and every entry give the state back, through JSON", () => {
  const state = fold(history);
  const keys = history.flatMap(shape.keysChanged);
  assert.deepEqual(keys, [`liker:${bob.userId}`, `liker:${carol.userId}`, `comment:${COMMENT}`]);
  const copy = throughSnapshot(state, keys);
  assert.deepEqual(copy, state);
  assert.ok(copy.status === "active" && copy.likers instanceof Set && copy.comments instanceof Map);
});

Deno.test("Post snapshot - the head holds the post and its like count, no liker or comment", () => {
  const head = shape.head(fold(history));
  assert.deepEqual(head, {
    status: "active",
    version: 4,
    postId: POST,
    author: alice.userId,
    authorName: "alice",
    message: "m",
    createdAt: T0,
    updatedAt: null,
    likes: 2,
  });
  const partial = throughSnapshot(fold(history), []);
  assert.ok(partial.status === "active");
  assert.equal(partial.likes, 2);
  assert.equal(partial.likers.size, 0);
  assert.equal(partial.comments.size, 0);
});

Deno.test("Post snapshot - a decision reads the acting user's like or the comment it is about, nothing else", () => {
  const stamp = { postId: POST, actor: bob, at: T0 };
  const read = (command: PostDecision) => shape.keysRead(command);
  assert.deepEqual(read({ type: "LikePost", ...stamp }), [`liker:${bob.userId}`]);
  assert.deepEqual(read({ type: "UnlikePost", ...stamp }), [`liker:${bob.userId}`]);
  assert.deepEqual(read({ type: "EditComment", commentId: COMMENT, comment: "x", ...stamp }), [
    `comment:${COMMENT}`,
  ]);
  assert.deepEqual(read({ type: "RemoveComment", commentId: COMMENT, ...stamp }), [
    `comment:${COMMENT}`,
  ]);
  assert.deepEqual(read({ type: "AddComment", commentId: COMMENT, comment: "x", ...stamp }), []);
  assert.deepEqual(read({ type: "EditMessage", message: "x", ...stamp }), []);
  assert.deepEqual(read({ type: "DeletePost", ...stamp }), []);
  assert.deepEqual(read({ type: "CreatePost", message: "x", ...stamp }), []);
});

Deno.test("Post snapshot - an entry taken away is absent from the state, so a snapshot deletes it", () => {
  const later = fold([
    ...history,
    { type: "PostUnliked", data: { userId: bob.userId, at: T0 } },
    { type: "CommentRemoved", data: { commentId: COMMENT, by: alice.userId, at: T0 } },
  ]);
  assert.equal(shape.entry(later, `liker:${bob.userId}`), undefined);
  assert.equal(shape.entry(later, `comment:${COMMENT}`), undefined);
  assert.equal(shape.entry(later, `liker:${carol.userId}`), true);
});

Deno.test("Post snapshot - the empty state round-trips", () => {
  assert.deepEqual(throughSnapshot(initialState(), []), initialState());
});

Deno.test("Post snapshot - a damaged head or entry of the current schema version is refused, not misread", () => {
  for (const damaged of [{ nonsense: true }, null, { status: "active", version: 3 }, "state"]) {
    assert.throws(() => shape.restore(damaged, []), `accepted ${JSON.stringify(damaged)}`);
  }
  const head = shape.head(fold(history));
  for (const entry of [["liker:x", false], ["comment:y", { author: 1 }], ["other:z", true]]) {
    assert.throws(
      () => shape.restore(head, [entry as [string, unknown]]),
      `accepted ${JSON.stringify(entry)}`,
    );
  }
});
