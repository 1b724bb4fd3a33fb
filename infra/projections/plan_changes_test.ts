import assert from "node:assert/strict";
import { type AnyEvent, postStreamId, type RecordedEvent } from "../../domain/mod.ts";
import { planChanges } from "./plan_changes.ts";

const POST = "6f1d1c52-6e55-4b8c-9d4e-0c3f7d0c8a11";
const BOB = "0b0b0b0b-6e55-4b8c-9d4e-0c3f7d0c8a11";
const COMMENT = "c0c0c0c0-6e55-4b8c-9d4e-0c3f7d0c8a11";
const AT = "2026-01-01T00:00:00.000Z";

/** Recorded events of one post stream, versions 1.. in order. */
function postStream(events: { type: string; data: unknown }[]): RecordedEvent<AnyEvent>[] {
  return events.map((event, i) =>
    ({
      ...event,
      eventId: crypto.randomUUID(),
      streamId: postStreamId(POST),
      streamType: "post",
      streamVersion: i + 1,
      globalPosition: i + 1,
      schemaVersion: 1,
      occurredAt: new Date(AT),
      metadata: { userId: null, correlationId: "c", causationId: "c" },
    }) as RecordedEvent<AnyEvent>
  );
}

const created = {
  type: "PostCreated",
  data: { postId: POST, author: BOB, authorName: "bob", message: "hi", at: AT },
};

Deno.test("Plan changes - a like and unlike of one pair in a batch: deleted, not inserted", () => {
  const changes = planChanges(postStream([
    created,
    { type: "PostLiked", data: { userId: BOB, at: AT } },
    { type: "PostUnliked", data: { userId: BOB, at: AT } },
  ]));
  assert.deepEqual(changes.likes.inserts, []);
  assert.deepEqual(changes.likes.deletes, [{ postId: POST, userId: BOB }]);
  assert.deepEqual(changes.posts, [{ id: POST, message: null, updatedAt: null, version: 3 }]);
});

Deno.test("Plan changes - unlike then like again: the old row is deleted before the insert", () => {
  const changes = planChanges(postStream([
    created,
    { type: "PostUnliked", data: { userId: BOB, at: AT } },
    { type: "PostLiked", data: { userId: BOB, at: AT } },
  ]));
  assert.deepEqual(changes.likes.deletes, [{ postId: POST, userId: BOB }]);
  assert.deepEqual(changes.likes.inserts, [{ postId: POST, userId: BOB, at: AT }]);
});

Deno.test("Plan changes - a second like of a liked pair is refused, as the row would be", () => {
  assert.throws(
    () =>
      planChanges(postStream([
        created,
        { type: "PostLiked", data: { userId: BOB, at: AT } },
        { type: "PostLiked", data: { userId: BOB, at: AT } },
      ])),
    /duplicate key/,
  );
});

Deno.test("Plan changes - a comment added then edited is inserted edited; added then removed is never written", () => {
  const edited = planChanges(postStream([
    created,
    {
      type: "CommentAdded",
      data: { commentId: COMMENT, author: BOB, authorName: "bob", comment: "a", at: AT },
    },
    { type: "CommentUpdated", data: { commentId: COMMENT, comment: "b", at: AT } },
  ]));
  assert.equal(edited.comments.inserts.length, 1);
  assert.equal(edited.comments.inserts[0].comment, "b");
  assert.equal(edited.comments.inserts[0].updatedAt, AT);
  assert.deepEqual(edited.comments.updates, []);

  const removed = planChanges(postStream([
    created,
    {
      type: "CommentAdded",
      data: { commentId: COMMENT, author: BOB, authorName: "bob", comment: "a", at: AT },
    },
    { type: "CommentRemoved", data: { commentId: COMMENT, at: AT } },
  ]));
  assert.deepEqual(removed.comments.inserts, []);
  assert.deepEqual(removed.comments.deletes, [COMMENT]);
});

Deno.test("Plan changes - the last message edit wins; a removed post is listed once", () => {
  const changes = planChanges(postStream([
    created,
    { type: "MessageUpdated", data: { message: "one", at: AT } },
    { type: "MessageUpdated", data: { message: "two", at: "2026-01-02T00:00:00.000Z" } },
    { type: "PostRemoved", data: { at: AT } },
  ]));
  assert.deepEqual(changes.posts, [{
    id: POST,
    message: "two",
    updatedAt: "2026-01-02T00:00:00.000Z",
    version: 4,
  }]);
  assert.deepEqual(changes.removedPosts, [POST]);
  assert.equal(changes.newPosts.length, 1);
});
