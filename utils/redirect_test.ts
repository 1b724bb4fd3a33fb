import assert from "node:assert/strict";
import { redirect } from "./redirect.ts";

Deno.test("Redirect - 303 by default; a protocol-relative location stays on this host", () => {
  const res = redirect("/posts/1");
  assert.deepEqual([res.status, res.headers.get("location")], [303, "/posts/1"]);
  assert.equal(redirect("//evil.example/x").headers.get("location"), "/evil.example/x");
  assert.equal(redirect("/\\evil.example").headers.get("location"), "/evil.example");
  assert.equal(redirect("/", 307).status, 307);
});
