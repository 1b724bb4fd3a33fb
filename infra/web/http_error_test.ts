import assert from "node:assert/strict";
import { NotAuthor, PostNotFound, ValidationFailed } from "../../domain/errors.ts";
import { errorBody, errorStatus } from "./http_error.ts";
import { HttpError } from "./mod.ts";

Deno.test("Error answers - the app's AppError tree maps by status, code and fields", () => {
  const invalid = new ValidationFailed("the post is not valid", { title: "required" });
  assert.equal(errorStatus(invalid), 400);
  assert.deepEqual(errorBody(invalid), {
    code: "validation_failed",
    message: "the post is not valid",
    fields: { title: "required" },
  });
  assert.equal(errorStatus(new PostNotFound("p1")), 404);
  assert.deepEqual(errorBody(new NotAuthor("only the author can edit this post")), {
    code: "not_author",
    message: "only the author can edit this post",
  });
});

Deno.test("Error answers - anything without a 4xx/5xx status is a 500 with no details", () => {
  for (
    const thrown of [new Error("db password"), "text", null, { status: 302 }, { status: "404" }]
  ) {
    assert.equal(errorStatus(thrown), 500);
    assert.deepEqual(errorBody(thrown), {
      code: "internal_error",
      message: "Something went wrong on our side.",
    });
  }
  assert.deepEqual(
    errorBody(new HttpError(503, "pool exhausted: 10.0.0.5")).message,
    "Something went wrong on our side.",
  );
});

Deno.test("Error answers - HttpError defaults its code and message from the status", () => {
  const error = new HttpError(404);
  assert.deepEqual([error.status, error.code, error.message], [
    404,
    "not_found",
    "This page does not exist.",
  ]);
});
