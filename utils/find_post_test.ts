import assert from "node:assert/strict";
import { requestContext } from "../app/context.ts";
import type { Mediator } from "../app/mediator.ts";
import { ValidationFailed } from "../domain/mod.ts";
import { findPost } from "./find_post.ts";

/** A mediator whose every query fails with `error` (a pure unit: no store behind it). */
function failing(error: Error): Mediator {
  return {
    query: () => Promise.reject(error),
    send: () => Promise.reject(new Error("no commands here")),
  } as unknown as Mediator;
}

Deno.test("findPost - a malformed id is no post (404), a read-store outage stays an error (never a 404)", async () => {
  const ctx = requestContext();
  const malformed = new ValidationFailed("postId must be a UUID", { postId: "must be a UUID" });
  assert.equal(await findPost(failing(malformed), "not-a-uuid", ctx), null);
  const outage = Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
  await assert.rejects(
    () => findPost(failing(outage), crypto.randomUUID(), ctx),
    (e) => e === outage,
  );
});
