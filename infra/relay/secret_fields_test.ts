import assert from "node:assert/strict";
import { refuseSecrets, secretField, SecretInPayload } from "./secret_fields.ts";

Deno.test("Relay secret guard - fields named like secrets are found at any depth", () => {
  assert.equal(secretField({ userId: "u", passwordHash: "scrypt$..." }), "passwordHash");
  assert.equal(secretField({ a: { b: [{ api_key: "k" }] } }), "a.b[0].api_key");
  assert.equal(secretField({ Token: "t" }), "Token");
  assert.equal(secretField({ message: "my password is hunter2", likes: 3 }), null);
});

Deno.test("Relay secret guard - a page with such an event is refused, naming event and field", () => {
  const clean = { eventId: "e1", data: { userId: "u", username: "alice" }, metadata: {} };
  refuseSecrets([clean]);
  assert.throws(
    () => refuseSecrets([clean, { eventId: "e2", data: { password: "x" }, metadata: {} }]),
    (error) =>
      error instanceof SecretInPayload && error.eventId === "e2" && error.field === "password",
  );
});
