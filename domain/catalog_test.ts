import assert from "node:assert/strict";
import {
  readEvent,
  schemaVersions,
  UnreadableEvent,
  type Upcasters,
  upcasters,
  validateEvent,
} from "./catalog.ts";
import type { AnyEvent, EventType } from "./catalog.ts";
import { alice, T0 } from "./test_utils.ts";

const POST = "11111111-1111-4111-8111-111111111111";

/** Runs `read` and checks it throws UnreadableEvent for `eventType` with a reason matching `reason`. */
function assertUnreadable(read: () => unknown, eventType: string, reason: RegExp) {
  assert.throws(read, (error: unknown) => {
    assert.ok(error instanceof UnreadableEvent, `expected UnreadableEvent, got ${error}`);
    assert.equal(error.eventType, eventType);
    assert.match(error.reason, reason);
    return true;
  });
}

/**
 * A pretend history of PostLiked: version 1 stored the liker as `user`, and
 * version 2 (the "current" one in these tests) calls it `userId`.
 */
const likedV2 = { ...schemaVersions, PostLiked: 2 };
const renameUser: Upcasters = {
  PostLiked: {
    1: ({ user, ...rest }) => ({ ...rest, userId: user }),
  },
};

Deno.test("Catalog - readEvent reads an event stored at the current schema version", () => {
  const event = readEvent({
    type: "PostCreated",
    schemaVersion: 1,
    data: { postId: POST, author: alice.userId, authorName: "alice", message: "hi", at: T0 },
  });
  assert.deepEqual(event, {
    type: "PostCreated",
    data: { postId: POST, author: alice.userId, authorName: "alice", message: "hi", at: T0 },
  });
});

Deno.test("Catalog - readEvent drops fields the schema does not know", () => {
  const event = readEvent({
    type: "PostLiked",
    schemaVersion: 1,
    data: { userId: alice.userId, at: T0, extra: "ignored" },
  });
  assert.deepEqual(event, { type: "PostLiked", data: { userId: alice.userId, at: T0 } });
});

Deno.test("Catalog - readEvent of an unknown event type is unreadable", () => {
  assertUnreadable(
    () => readEvent({ type: "PostShared", schemaVersion: 1, data: {} }),
    "PostShared",
    /unknown event type/,
  );
});

Deno.test("Catalog - readEvent does not treat Object.prototype names as event types", () => {
  assertUnreadable(
    () => readEvent({ type: "toString", schemaVersion: 1, data: {} }),
    "toString",
    /unknown event type/,
  );
});

Deno.test("Catalog - readEvent of invalid data is unreadable", () => {
  assertUnreadable(
    () =>
      readEvent({ type: "PostLiked", schemaVersion: 1, data: { userId: "not-a-uuid", at: T0 } }),
    "PostLiked",
    /./,
  );
  assertUnreadable(
    () => readEvent({ type: "PostLiked", schemaVersion: 1, data: null }),
    "PostLiked",
    /./,
  );
  assertUnreadable(
    () => readEvent({ type: "MessageUpdated", schemaVersion: 1, data: { message: "", at: T0 } }),
    "MessageUpdated",
    /./,
  );
});

Deno.test("Catalog - readEvent of a newer schema version than known is unreadable", () => {
  assertUnreadable(
    () =>
      readEvent({ type: "PostLiked", schemaVersion: 2, data: { userId: alice.userId, at: T0 } }),
    "PostLiked",
    /newer/,
  );
});

Deno.test("Catalog - readEvent upcasts an old version to the current shape", () => {
  const event = readEvent(
    { type: "PostLiked", schemaVersion: 1, data: { user: alice.userId, at: T0 } },
    { upcasters: renameUser, versions: likedV2 },
  );
  assert.deepEqual(event, { type: "PostLiked", data: { userId: alice.userId, at: T0 } });
});

Deno.test("Catalog - readEvent does not upcast an event already at the current version", () => {
  const event = readEvent(
    { type: "PostLiked", schemaVersion: 2, data: { userId: alice.userId, at: T0 } },
    {
      upcasters: {
        PostLiked: {
          1: () => {
            throw new Error("must not run");
          },
        },
      },
      versions: likedV2,
    },
  );
  assert.deepEqual(event, { type: "PostLiked", data: { userId: alice.userId, at: T0 } });
});

Deno.test("Catalog - readEvent applies upcasters step by step, in order", () => {
  const steps: number[] = [];
  const event = readEvent(
    { type: "PostLiked", schemaVersion: 1, data: { who: alice.userId, when: T0 } },
    {
      upcasters: {
        PostLiked: {
          1: ({ who, ...rest }) => (steps.push(1), { ...rest, user: who }),
          2: ({ when, ...rest }) => (steps.push(2), { ...rest, at: when }),
          3: ({ user, ...rest }) => (steps.push(3), { ...rest, userId: user }),
        },
      },
      versions: { ...schemaVersions, PostLiked: 4 },
    },
  );
  assert.deepEqual(steps, [1, 2, 3]);
  assert.deepEqual(event, { type: "PostLiked", data: { userId: alice.userId, at: T0 } });
});

Deno.test("Catalog - readEvent with a missing upcaster step is unreadable", () => {
  assertUnreadable(
    () =>
      readEvent(
        { type: "PostLiked", schemaVersion: 1, data: { user: alice.userId, at: T0 } },
        { upcasters: renameUser, versions: { ...schemaVersions, PostLiked: 3 } },
      ),
    "PostLiked",
    /no upcaster from schema version 2/,
  );
  assertUnreadable(
    () =>
      readEvent(
        { type: "PostLiked", schemaVersion: 1, data: { user: alice.userId, at: T0 } },
        { upcasters: {}, versions: likedV2 },
      ),
    "PostLiked",
    /no upcaster from schema version 1/,
  );
});

Deno.test("Catalog - readEvent validates the upcast data", () => {
  assertUnreadable(
    () =>
      readEvent(
        { type: "PostLiked", schemaVersion: 1, data: { userId: alice.userId, at: T0 } },
        { upcasters: renameUser, versions: likedV2 },
      ),
    "PostLiked",
    /./,
  );
});

Deno.test("Catalog - readEvent reports an upcaster that fails on malformed data as unreadable", () => {
  assertUnreadable(
    () =>
      readEvent(
        { type: "PostLiked", schemaVersion: 1, data: null },
        { upcasters: renameUser, versions: likedV2 },
      ),
    "PostLiked",
    /upcaster from schema version 1 failed/,
  );
});

Deno.test("Catalog - every event type above version 1 has an upcaster for every older version", () => {
  for (const [type, version] of Object.entries(schemaVersions) as [EventType, number][]) {
    assert.ok(Number.isInteger(version) && version >= 1, `${type} has version ${version}`);
    for (let v = 1; v < version; v++) {
      assert.equal(typeof upcasters[type]?.[v], "function", `${type} lacks an upcaster from ${v}`);
    }
  }
});

Deno.test("Catalog - validateEvent returns a valid event and rejects an invalid one", () => {
  const good: AnyEvent = { type: "PostLiked", data: { userId: alice.userId, at: T0 } };
  assert.equal(validateEvent(good), good);
  const bad = { type: "PostLiked", data: { userId: alice.userId, at: "yesterday" } } as AnyEvent;
  assertUnreadable(() => validateEvent(bad), "PostLiked", /./);
});
