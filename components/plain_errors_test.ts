import assert from "node:assert/strict";
import { InvalidCredentials, PostRemoved, UsernameTaken, ValidationFailed } from "../domain/mod.ts";
import { plainError, sentence } from "./plain_errors.ts";

Deno.test("plainError - each field's message starts with a capital and names the field", () => {
  const error = new ValidationFailed("username: username must be 3 to 30 letters; password: …", {
    username: "username must be 3 to 30 letters, digits or underscores",
    message: "must not be empty",
  });
  assert.deepEqual(plainError(error).fields, {
    username: "Username must be 3 to 30 letters, digits or underscores.",
    message: "Message must not be empty.",
  });
  assert.doesNotMatch(plainError(error).message, /username:/);
});

Deno.test("plainError - a taken username is put on the username field", () => {
  const plain = plainError(new UsernameTaken("bob"));
  assert.equal(plain.fields.username, "“bob” is taken. Try another name.");
});

Deno.test("plainError - ids and codes never reach the page", () => {
  const id = crypto.randomUUID();
  assert.equal(plainError(new PostRemoved(id)).message, "This post was deleted.");
  const badId = plainError(
    new ValidationFailed("postId: postId must be a UUID", {
      postId: "postId must be a UUID",
    }),
  );
  assert.equal(badId.message, "This post does not exist any more.");
  assert.deepEqual(badId.fields, {});
  assert.equal(plainError(new InvalidCredentials()).message, "Unknown username or wrong password.");
});

Deno.test("sentence - a capital first and a full stop last", () => {
  assert.equal(sentence("sign in first"), "Sign in first.");
  assert.equal(sentence("Done!"), "Done!");
});
