import { UsernameTaken } from "../errors.ts";
import type { UserDecision } from "./commands.ts";
import type { UserEvent } from "./events.ts";

/** The state of a user account. */
export type UserState =
  | { readonly status: "none"; readonly version: 0 }
  | {
    readonly status: "registered";
    readonly version: number;
    readonly userId: string;
    readonly username: string;
    readonly passwordHash: string;
    readonly registeredAt: string;
  };

/** The state of a username nobody has registered. */
export function initialState(): UserState {
  return { status: "none", version: 0 };
}

/** Applies one User event. */
export function evolve(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case "UserRegistered": {
      const { userId, username, passwordHash, at } = event.data;
      return {
        status: "registered",
        version: state.version + 1,
        userId,
        username,
        passwordHash,
        registeredAt: at,
      };
    }
    default: {
      const unknown: never = event.type;
      throw new Error(`unknown user event ${unknown}`);
    }
  }
}

/** Folds User events into state. */
export function fold(events: readonly UserEvent[]): UserState {
  return events.reduce(evolve, initialState());
}

/**
 * Decides a User command.
 *
 * @example
 * ```ts
 * decide({ type: "RegisterUser", userId, username: "alice", passwordHash, at }, initialState());
 * ```
 */
export function decide(command: UserDecision, state: UserState): UserEvent[] {
  switch (command.type) {
    case "RegisterUser": {
      if (state.status !== "none") throw new UsernameTaken(command.username);
      const { userId, username, passwordHash, at } = command;
      return [{ type: "UserRegistered", data: { userId, username, passwordHash, at } }];
    }
    default: {
      const unknown: never = command.type;
      throw new Error(`unknown user command ${unknown}`);
    }
  }
}

/** The User decider as one value, for handlers and specs. */
export const userDecider = { decide, evolve, initialState } as const;
