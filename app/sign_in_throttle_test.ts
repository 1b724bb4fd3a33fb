import assert from "node:assert/strict";
import { signInThrottle } from "./sign_in_throttle.ts";

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (s: number) => t += s * 1000 };
}

Deno.test("Sign-in throttle - the 11th attempt on one account waits until the window passes", () => {
  const c = clock();
  const throttle = signInThrottle({ maxFailures: 10, windowSeconds: 900, now: c.now });
  for (let i = 0; i < 10; i++) {
    assert.equal(throttle.check("alice", `10.0.0.${i}`), 0);
    throttle.failed("alice", `10.0.0.${i}`);
  }
  assert.equal(throttle.check("alice", "10.0.0.99"), 900, "any address is refused");
  assert.equal(throttle.check("bob", "10.0.0.99"), 0, "other accounts are not");
  c.advance(899);
  assert.equal(throttle.check("alice", "10.0.0.99"), 1);
  c.advance(1);
  assert.equal(throttle.check("alice", "10.0.0.99"), 0);
});

Deno.test("Sign-in throttle - a success resets the account", () => {
  const throttle = signInThrottle({ maxFailures: 3, windowSeconds: 60, now: clock().now });
  for (let i = 0; i < 2; i++) throttle.failed("alice", null);
  throttle.succeeded("alice", null);
  for (let i = 0; i < 2; i++) throttle.failed("alice", null);
  assert.equal(throttle.check("alice", null), 0);
  throttle.failed("alice", null);
  assert.ok(throttle.check("alice", null) > 0);
});

Deno.test("Sign-in throttle - one address failing on many accounts is refused too", () => {
  const throttle = signInThrottle({
    maxFailures: 2,
    windowSeconds: 60,
    addressFactor: 3,
    now: clock().now,
  });
  for (let i = 0; i < 6; i++) throttle.failed(`user${i}`, "203.0.113.9");
  assert.ok(throttle.check("someone_else", "203.0.113.9") > 0);
  assert.equal(throttle.check("someone_else", "203.0.113.10"), 0);
});
