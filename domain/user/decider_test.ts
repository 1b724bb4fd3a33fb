import assert from "node:assert/strict";
import { readEvent, validateEvent } from "../catalog.ts";
import { UsernameTaken, UserNotFound } from "../errors.ts";
import { alice, deciderSpec, T0, T1 } from "../test_utils.ts";
import { password, userCommandSchemas, type UserDecision, username } from "./commands.ts";
import { fold, userDecider } from "./decider.ts";
import type { UserEvent } from "./events.ts";

const spec = deciderSpec(userDecider);

const OTHER_USER = "00000000-0000-4000-8000-0000000000ff";

function register(userId = alice.userId, name = "alice", at = T1): UserDecision {
  return { type: "RegisterUser", userId, username: name, at };
}

function registered(userId = alice.userId, name = "alice", at = T0): UserEvent {
  return { type: "UserRegistered", data: { userId, username: name, at } };
}

Deno.test("User decider - RegisterUser registers a new username", () => {
  spec.given([]).when(register()).then([registered(alice.userId, "alice", T1)]);
});

Deno.test("User decider - RegisterUser produces an event that passes its schema", () => {
  const [event] = userDecider.decide(register(), userDecider.initialState());
  assert.equal(validateEvent(event), event);
});

Deno.test("User decider - a second registration of the same stream fails with UsernameTaken", () => {
  spec.given([registered()]).when(register(OTHER_USER, "alice")).thenThrows(
    UsernameTaken,
    (error) => {
      assert.equal((error as UsernameTaken).username, "alice");
      assert.equal((error as UsernameTaken).status, 409);
    },
  );
});

Deno.test("User decider - fold gives the registered user at version 1", () => {
  assert.deepEqual(fold([]), { status: "none", version: 0 });
  assert.deepEqual(fold([registered()]), {
    status: "registered",
    version: 1,
    userId: alice.userId,
    username: "alice",
    registeredAt: T0,
    roles: [],
  });
});

Deno.test("User decider - GrantRole records RoleGranted once; granting again changes nothing", () => {
  const granted: UserEvent = { type: "RoleGranted", data: { role: "admin", at: T1 } };
  spec.given([registered()]).when({ type: "GrantRole", role: "admin", at: T1 }).then([granted]);
  spec.given([registered(), granted]).when({ type: "GrantRole", role: "admin", at: T1 })
    .thenNothingHappened();
  assert.deepEqual((fold([registered(), granted]) as { roles: readonly string[] }).roles, [
    "admin",
  ]);
});

Deno.test("User decider - RevokeRole removes the role; revoking a role not held changes nothing", () => {
  const granted: UserEvent = { type: "RoleGranted", data: { role: "admin", at: T1 } };
  const revoked: UserEvent = { type: "RoleRevoked", data: { role: "admin", at: T1 } };
  spec.given([registered(), granted]).when({ type: "RevokeRole", role: "admin", at: T1 })
    .then([revoked]);
  spec.given([registered()]).when({ type: "RevokeRole", role: "admin", at: T1 })
    .thenNothingHappened();
  assert.deepEqual(
    (fold([registered(), granted, revoked]) as { roles: readonly string[] }).roles,
    [],
  );
});

Deno.test("User decider - a role cannot be granted to a username nobody registered", () => {
  spec.given([]).when({ type: "GrantRole", role: "admin", at: T1 }).thenThrows(UserNotFound);
});

Deno.test("User upcaster - a stored v1 UserRegistered loses its password hash when read", () => {
  const event = readEvent({
    type: "UserRegistered",
    schemaVersion: 1,
    data: {
      userId: alice.userId,
      username: "alice",
      passwordHash: "scrypt$1$2$3$c2FsdA$a2V5",
      at: T0,
    },
  });
  assert.deepEqual(event, {
    type: "UserRegistered",
    data: { userId: alice.userId, username: "alice", at: T0 },
  });
});

// ------------------------------------------------------------ zod schemas

Deno.test("User schema - username is trimmed and lower-cased", () => {
  assert.equal(username.parse("Alice"), "alice");
  assert.equal(username.parse("  BOB_42 "), "bob_42");
});

Deno.test("User schema - username rejects fewer than 3 characters", () => {
  assert.equal(username.safeParse("ab").success, false);
  assert.equal(username.safeParse("abc").success, true);
});

Deno.test("User schema - username rejects spaces and punctuation", () => {
  assert.equal(username.safeParse("bad name!").success, false);
  assert.equal(username.safeParse("bad-name").success, false);
  assert.equal(username.safeParse("bad.name").success, false);
});

Deno.test("User schema - username allows at most 30 characters", () => {
  assert.equal(username.safeParse("a".repeat(30)).success, true);
  assert.equal(username.safeParse("a".repeat(31)).success, false);
});

Deno.test("User schema - username is required", () => {
  assert.equal(username.safeParse(undefined).success, false);
  assert.equal(username.safeParse("").success, false);
});

Deno.test("User schema - password needs at least 8 characters", () => {
  const short = password.safeParse("1234567");
  assert.equal(short.success, false);
  assert.match(short.error?.issues[0]?.message ?? "", /at least 8/);
  assert.equal(password.parse("12345678"), "12345678");
});

Deno.test("User schema - password allows at most 200 characters", () => {
  assert.equal(password.safeParse("p".repeat(200)).success, true);
  assert.equal(password.safeParse("p".repeat(201)).success, false);
});

Deno.test("User schema - RegisterUser command normalises the username", () => {
  const parsed = userCommandSchemas.RegisterUser.parse({
    type: "RegisterUser",
    username: " Carol ",
    password: "correct horse",
  });
  assert.deepEqual(parsed, { type: "RegisterUser", username: "carol", password: "correct horse" });
});
