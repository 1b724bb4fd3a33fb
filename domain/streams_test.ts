import assert from "node:assert/strict";
import { parseStreamId, postIdOf, postStreamId, streamTypeOf, userStreamId } from "./streams.ts";

Deno.test("Streams - a user's stream id is derived from the lower-cased username", () => {
  assert.equal(userStreamId("Alice"), "user-alice");
  assert.equal(userStreamId("alice"), userStreamId("ALICE"));
});

Deno.test("Streams - ids parse back to what built them", () => {
  const postId = crypto.randomUUID();
  assert.deepEqual(parseStreamId(postStreamId(postId)), { kind: "post", postId });
  assert.deepEqual(parseStreamId(userStreamId("Bob_2")), { kind: "user", username: "bob_2" });
});

Deno.test("Streams - an id of no known kind, or with nothing after the prefix, is null", () => {
  assert.equal(parseStreamId("order-1"), null);
  assert.equal(parseStreamId("post-"), null);
  assert.equal(parseStreamId("post"), null);
  assert.equal(parseStreamId(""), null);
});

Deno.test("Streams - the stream type is the prefix before the first dash", () => {
  assert.equal(streamTypeOf(postStreamId(crypto.randomUUID())), "post");
  assert.equal(streamTypeOf("user-a-b"), "user");
  assert.equal(streamTypeOf("nodash"), "nodash");
});

Deno.test("Streams - postIdOf takes the post id out, and refuses another stream", () => {
  const postId = crypto.randomUUID();
  assert.equal(postIdOf(postStreamId(postId)), postId);
  assert.throws(() => postIdOf(userStreamId("alice")), /not a post's stream/);
});
