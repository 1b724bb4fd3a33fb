import assert from "node:assert/strict";
import { alice, bob, carol, T0 } from "../test_utils.ts";
import { fold, initialState } from "./decider.ts";
import type { PostEvent } from "./events.ts";
import { postSnapshotCodec } from "./snapshot.ts";

const POST = "00000000-0000-4000-8000-0000000000aa";
const COMMENT = "00000000-0000-4000-8000-0000000000cc";

Deno.test("Post snapshot - a state survives serialize and deserialize, through JSON", () => {
  const state = fold(
    [
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
    ] satisfies PostEvent[],
  );
  const copy = postSnapshotCodec.deserialize(
    JSON.parse(JSON.stringify(postSnapshotCodec.serialize(state))),
  );
  assert.deepEqual(copy, state);
  assert.ok(copy.status === "active" && copy.likers instanceof Set && copy.comments instanceof Map);
});

Deno.test("Post snapshot - the empty state round-trips", () => {
  const copy = postSnapshotCodec.deserialize(
    JSON.parse(JSON.stringify(postSnapshotCodec.serialize(initialState()))),
  );
  assert.deepEqual(copy, initialState());
});

Deno.test("Post snapshot - a damaged snapshot of the current schema version is refused, not misread", () => {
  for (const damaged of [{ nonsense: true }, null, { status: "active", version: 3 }, "state"]) {
    assert.throws(
      () => postSnapshotCodec.deserialize(damaged),
      `accepted ${JSON.stringify(damaged)}`,
    );
  }
});
