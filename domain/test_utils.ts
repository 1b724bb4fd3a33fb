import assert from "node:assert/strict";
import type { Actor } from "./actor.ts";
import type { Decider } from "./decider.ts";

/**
 * Given/When/Then specification for a decider.
 *
 * @example
 * ```ts
 * const spec = deciderSpec(postDecider);
 * spec.given([created]).when(like(bob)).then([liked(bob)]);
 * ```
 */
export function deciderSpec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: E[]) {
      return {
        when(command: C) {
          const run = () =>
            decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
          return {
            then(expected: E[]) {
              assert.deepEqual(run(), expected);
            },
            thenNothingHappened() {
              assert.deepEqual(run(), []);
            },
            // deno-lint-ignore no-explicit-any
            thenThrows(errorType: new (...args: any[]) => Error, check?: (error: Error) => void) {
              assert.throws(run, (error: unknown) => {
                assert.ok(error instanceof errorType, `expected ${errorType.name}, got ${error}`);
                check?.(error);
                return true;
              });
            },
          };
        },
      };
    },
  };
}

/** Fixed actors and a fixed clock for deterministic specs. */
export const alice: Actor = {
  userId: "00000000-0000-4000-8000-00000000a11c",
  username: "alice",
  isAdmin: false,
};
export const bob: Actor = {
  userId: "00000000-0000-4000-8000-000000000b0b",
  username: "bob",
  isAdmin: false,
};
export const carol: Actor = {
  userId: "00000000-0000-4000-8000-0000000ca201",
  username: "carol",
  isAdmin: false,
};
export const T0 = "2026-01-01T10:00:00.000Z";
export const T1 = "2026-01-01T10:05:00.000Z";

/**
 * The `i`-th of many users with fixed ids (not registered: the command side
 * trusts the session's actor).
 */
export const fan = (i: number): Actor => ({
  userId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
  username: `fan_${i}`,
  isAdmin: false,
});
